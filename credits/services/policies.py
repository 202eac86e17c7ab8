"""Writes for terms and policy versions: validate against what is published, publish immutably."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from credits.models import CreditRecord, PolicyVersion, RecordStatus, Term
from credits.rules import Policy, PolicyError, Problem, compile_policy, parse_policy
from credits.rules.document import content_sha256
from credits.rules.engine import CompiledPolicy
from credits.services.audit import audit_record


class NoPolicyForTerm(LookupError):
    """No published policy version covers a term's first day."""

    def __init__(self, term: Term):
        self.term = term
        super().__init__(
            _("no published credit policy covers term %(term)s (starts %(day)s); publish one with `manage.py policy "
              "load FILE` whose effective dates include that day") % {"term": term.code,
                                                                       "day": f"{term.starts_on:%Y-%m-%d}"}
        )


class TermOverlap(ValueError):
    """A term would share days with another term, so a merge date could belong to two terms."""


@dataclass(frozen=True)
class PublishResult:
    """The outcome of `policy load`: the version and whether this call created it."""

    version: PolicyVersion
    created: bool


# Advisory lock keys (any fixed 64-bit numbers, distinct per check-then-insert they guard).
POLICY_PUBLISH_LOCK = 0x58465F504F4C4943  # "XF_POLIC"
TERM_CREATE_LOCK = 0x58465F5445524D53  # "XF_TERMS"


def _serialise(key: int) -> None:
    """Hold a transaction-scoped lock so concurrent check-then-insert writers run one after another.

    A row lock (select_for_update) locks nothing when there are no rows yet, so two first writers could both
    pass their overlap check. SQLite needs nothing: it allows one writer at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _covers(v_from: dt.date, v_until: dt.date | None, day: dt.date) -> bool:
    return v_from <= day and (v_until is None or day <= v_until)


def applicable_version(versions: list[PolicyVersion], day: dt.date) -> PolicyVersion | None:
    """The version for a term starting on `day`: among those covering it, the one that starts latest."""
    covering = [v for v in versions if _covers(v.effective_from, v.effective_until, day)]
    return max(covering, key=lambda v: (v.effective_from, v.id), default=None)


def _overlap_problems(policy: Policy, source: str, versions: list[PolicyVersion]) -> list[Problem]:
    """Explicit date ranges may not overlap; an open-ended version is superseded by later ones."""
    problems = []
    for v in versions:
        if v.version == policy.version:
            problems.append(Problem(source, None, "version",
                                    _("version %(version)r is already published") % {"version": v.version}))
            continue
        clash = (
            v.effective_from == policy.effective_from
            or (v.effective_until is not None and _covers(v.effective_from, v.effective_until, policy.effective_from))
            or (policy.effective_until is not None
                and _covers(policy.effective_from, policy.effective_until, v.effective_from))
        )
        if clash:
            theirs = f"{v.effective_from}..{v.effective_until or pgettext('policy dates', 'open')}"
            ours = f"{policy.effective_from}..{policy.effective_until or pgettext('policy dates', 'open')}"
            problems.append(
                Problem(source, None, "effective_from",
                        _("effective dates %(ours)s overlap published version %(version)s (%(theirs)s)")
                        % {"ours": ours, "version": v.version, "theirs": theirs})
            )
    return problems


def _decided_terms_problems(policy: Policy, source: str, versions: list[PolicyVersion]) -> list[Problem]:
    """Refuse a version that would take over a term whose records were already submitted or decided."""
    problems = []
    for term in Term.objects.filter(starts_on__gte=policy.effective_from).order_by("starts_on"):
        if not _covers(policy.effective_from, policy.effective_until, term.starts_on):
            continue
        current = applicable_version(versions, term.starts_on)
        if current is None or current.effective_from > policy.effective_from:
            continue
        frozen = CreditRecord.objects.filter(term=term).exclude(status=RecordStatus.DRAFT)
        if frozen.exists():
            problems.append(
                Problem(source, None, "effective_from",
                        _("term %(term)s already has submitted or decided records under version %(version)s; start "
                          "this version after %(day)s") % {"term": term.code, "version": current.version,
                                                          "day": term.starts_on})
            )
    return problems


def policy_validate(*, text: str, source: str) -> Policy:
    """Check a document and its dates against published versions; raise PolicyError listing problems."""
    policy = parse_policy(text, source)
    versions = list(PolicyVersion.objects.all())
    if any(v.sha256 == content_sha256(text) for v in versions):
        return policy
    problems = _overlap_problems(policy, source, versions) + _decided_terms_problems(policy, source, versions)
    if problems:
        raise PolicyError(problems)
    return policy


@transaction.atomic
def policy_publish(*, text: str, source: str, actor=None) -> PublishResult:
    """Publish a policy document as a new immutable version; an identical document is not published twice."""
    digest = content_sha256(text)
    # Serialise publications: the overlap check must see every version published before it.
    _serialise(POLICY_PUBLISH_LOCK)
    existing = PolicyVersion.objects.filter(sha256=digest).first()
    if existing is not None:
        parse_policy(text, source)
        return PublishResult(existing, False)
    policy = policy_validate(text=text, source=source)
    version = PolicyVersion.objects.create(
        version=policy.version,
        title_zh=policy.title_zh,
        title_en=policy.title_en,
        effective_from=policy.effective_from,
        effective_until=policy.effective_until,
        course_code=policy.course.code,
        approval_stages=policy.approval.stage_keys(),
        source_name=source,
        source_text=text,
        sha256=digest,
        document=policy.model_dump(mode="json"),
        published_at=timezone.now(),
        published_by=actor,
    )
    audit_record(
        actor=actor, action="policy_publish", subject_type="policy_version", subject_id=str(version.id),
        reason=f"published {source}",
        data={"version": version.version, "sha256": digest, "effective_from": str(version.effective_from),
              "effective_until": str(version.effective_until or "")},
    )
    return PublishResult(version, True)


_compiled: dict[str, CompiledPolicy] = {}


def policy_of(version: PolicyVersion) -> CompiledPolicy:
    """The engine's view of a published version (cached by content: published versions never change)."""
    if version.sha256 not in _compiled:
        _compiled[version.sha256] = compile_policy(Policy.model_validate(version.document))
    return _compiled[version.sha256]


def policy_for_term(*, term: Term) -> PolicyVersion:
    """The version that applies to a term, or NoPolicyForTerm with what to do about it."""
    version = applicable_version(list(PolicyVersion.objects.all()), term.starts_on)
    if version is None:
        raise NoPolicyForTerm(term)
    return version


def term_check_dates(*, code: str, starts_on: dt.date, ends_on: dt.date, exclude_id: int | None = None) -> None:
    """Raise TermOverlap when the dates are reversed or share a day with another term."""
    if ends_on < starts_on:
        raise TermOverlap(_("term %(code)s ends (%(ends)s) before it starts (%(starts)s)")
                          % {"code": code, "ends": ends_on, "starts": starts_on})
    clash = Term.objects.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exclude(id=exclude_id).first()
    if clash is not None:
        raise TermOverlap(
            _("term %(code)s (%(starts)s..%(ends)s) overlaps %(other)s (%(other_starts)s..%(other_ends)s)")
            % {"code": code, "starts": starts_on, "ends": ends_on, "other": clash.code,
               "other_starts": clash.starts_on, "other_ends": clash.ends_on}
        )


@transaction.atomic
def term_create(*, code: str, name_zh: str, name_en: str, starts_on: dt.date, ends_on: dt.date, actor=None) -> Term:
    """Create a term; terms may not share days, so every merge date has at most one term."""
    _serialise(TERM_CREATE_LOCK)  # the overlap check must see every term created before it
    term_check_dates(code=code, starts_on=starts_on, ends_on=ends_on)
    term = Term(code=code, name_zh=name_zh, name_en=name_en, starts_on=starts_on, ends_on=ends_on)
    term.full_clean()
    term.save()
    audit_record(
        actor=actor, action="term_create", subject_type="term", subject_id=str(term.id),
        data={"code": code, "starts_on": str(starts_on), "ends_on": str(ends_on)},
    )
    return term


TERM_FIELDS = ("code", "name_zh", "name_en", "starts_on", "ends_on", "submission_closes_on", "review_deadlines")


def term_check_deadlines(review_deadlines) -> dict[str, str]:
    """Review deadlines are {stage key: "YYYY-MM-DD"}; anything else is refused before it is stored."""
    if not isinstance(review_deadlines, dict):
        raise ValueError('review deadlines must map stage keys to dates, e.g. {"department": "2027-01-15"}')
    for key, day in review_deadlines.items():
        try:
            dt.date.fromisoformat(str(day))
        except ValueError:
            raise ValueError(f"review deadline of stage {key!r}: {day!r} is not a date (YYYY-MM-DD)") from None
    return {str(k): str(v) for k, v in review_deadlines.items()}


@transaction.atomic
def term_update(*, term_id: int, actor=None, **changes) -> Term:
    """Change a term's names or dates under the same lock and overlap rule as `term_create`, with an audit row."""
    unknown = set(changes) - set(TERM_FIELDS)
    if unknown:
        raise ValueError(f"not a term field: {', '.join(sorted(unknown))}")
    _serialise(TERM_CREATE_LOCK)
    term = Term.objects.select_for_update().get(id=term_id)
    before = {f: str(getattr(term, f)) for f in TERM_FIELDS}
    if "review_deadlines" in changes:
        changes["review_deadlines"] = term_check_deadlines(changes["review_deadlines"] or {})
    for field, value in changes.items():
        setattr(term, field, value)
    term_check_dates(code=term.code, starts_on=term.starts_on, ends_on=term.ends_on, exclude_id=term.id)
    term.full_clean()
    term.save()
    after = {f: str(getattr(term, f)) for f in TERM_FIELDS}
    changed = {f: [before[f], after[f]] for f in TERM_FIELDS if before[f] != after[f]}
    if changed:
        audit_record(actor=actor, action="term_update", subject=term, data={"changed": changed})
    return term
