"""Reads for the student's pages: accounts and sync state, where their credit stands, contributions by month."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from pydantic import ValidationError

from accounts.models import ForgeIdentity
from credits.models import Contribution, CreditLine, CreditRecord, PolicyVersion, RecordKind, RecordStatus, Term
from credits.rules.schema import Policy
from credits.selectors.contributions import identity_ids
from credits.selectors.records import counted
from credits.services.policies import applicable_version

_policies: dict[str, Policy | None] = {}
log = logging.getLogger(__name__)
PLATFORMS = ("github", "gitee", "gitlab")


def policy_document(version: PolicyVersion | None) -> Policy | None:
    """The validated policy of a published version (cached by content), or None if it no longer validates."""
    if version is None:
        return None
    if version.sha256 not in _policies:
        try:
            _policies[version.sha256] = Policy.model_validate(version.document)
        except ValidationError:
            # Published under an older schema: pages show the stored figures without the policy's words.
            log.warning("policy version %s no longer validates", version.version)
            _policies[version.sha256] = None
    return _policies[version.sha256]


def current_term(today: dt.date | None = None) -> Term | None:
    """The term covering today, else the latest that has begun."""
    today = today or timezone.localdate()
    return (Term.objects.filter(starts_on__lte=today).order_by("-starts_on").first())


def policy_for(term: Term | None) -> tuple[PolicyVersion | None, Policy | None]:
    """The version (and its document) that applies to a term, or the newest one without a term."""
    versions = list(PolicyVersion.objects.defer("source_text"))
    if term is not None:
        version = applicable_version(versions, term.starts_on)
    else:
        version = versions[-1] if versions else None
    return version, policy_document(version)


def linked_accounts(user) -> QuerySet[ForgeIdentity]:
    """The person's linked forge accounts with their backfill state."""
    return (ForgeIdentity.objects.filter(user=user, unlinked_at__isnull=True)
            .select_related("sync_state").order_by("platform"))


@dataclass(frozen=True)
class Standing:
    """Where a student's credit stands: this term against the term cap, the total against the lifetime cap."""

    term: Term | None
    record: CreditRecord | None
    term_credits: Decimal
    term_cap: Decimal | None
    approved_total: Decimal
    pending_total: Decimal
    lifetime_cap: Decimal | None
    required: Decimal | None

    @staticmethod
    def _percent(value: Decimal, of: Decimal | None) -> int:
        if not of:
            return 0
        return int(min(Decimal(100), value * 100 / of))

    @property
    def term_percent(self) -> int:
        """This term's credit as a share of the term cap (0–100)."""
        return self._percent(self.term_credits, self.term_cap)

    @property
    def total_percent(self) -> int:
        """Approved credit as a share of the lifetime cap (0–100)."""
        return self._percent(self.approved_total, self.lifetime_cap)

    @property
    def required_percent(self) -> int:
        """Approved credit as a share of the graduation requirement (0–100)."""
        return self._percent(self.approved_total, self.required)


def standing_of(user, *, term: Term | None, policy: Policy | None) -> Standing:
    """One query for the records' totals, one for this term's record."""
    totals = CreditRecord.objects.filter(student=user).aggregate(
        approved=Sum("credits", filter=counted()),
        pending=Sum("credits", filter=Q(kind=RecordKind.EVALUATION) & ~Q(status__in=[
            RecordStatus.APPROVED, RecordStatus.REJECTED, "revoked"])),
    )
    record = None
    if term is not None:
        record = (CreditRecord.objects.filter(student=user, term=term, kind=RecordKind.EVALUATION)
                  .select_related("policy_version").first())
    caps = policy.caps if policy else None
    return Standing(
        term=term, record=record, term_credits=record.credits if record else Decimal(0),
        term_cap=caps.per_term if caps else None, approved_total=totals["approved"] or Decimal(0),
        pending_total=totals["pending"] or Decimal(0), lifetime_cap=caps.per_student_total if caps else None,
        required=policy.required_credits if policy else None,
    )


def monthly_merged(user, *, months: int = 12, today: dt.date | None = None) -> dict:
    """Merged contributions per month and forge over the last `months` months: labels, series and rows."""
    today = today or timezone.localdate()
    back = today.year * 12 + today.month - 1 - (months - 1)  # the first of `months` months, this one last
    first = dt.date(back // 12, back % 12 + 1, 1)
    # By the person's identities and a plain time bound, so the (identity, merged_at) index answers it. Copies are
    # left out in the count, not the WHERE: there SQLite's planner takes the duplicate_of index and scans everyone's.
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    rows = (Contribution.objects.filter(identity__in=identity_ids(user), merged_at__gte=since)
            .annotate(month=TruncMonth("merged_at")).values("month", "platform")
            .annotate(n=Count("id", filter=Q(duplicate_of__isnull=True))))
    labels, cursor = [], first
    while cursor <= today:
        labels.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    counts = {(r["month"].strftime("%Y-%m"), r["platform"]): r["n"] for r in rows}
    series = {p: [counts.get((label, p), 0) for label in labels] for p in PLATFORMS}
    table = [{"month": label, **{p: series[p][i] for p in PLATFORMS},
              "total": sum(series[p][i] for p in PLATFORMS)} for i, label in enumerate(labels)]
    return {"labels": labels, "series": series, "rows": table}


def uncounted_contributions(user, *, limit: int = 50) -> QuerySet[Contribution]:
    """The person's merged contributions that fall in no term (so no record lists them), newest first."""
    day = TruncDate("merged_at")
    in_a_term = Term.objects.filter(starts_on__lte=OuterRef("day"), ends_on__gte=OuterRef("day"))
    return (Contribution.objects.filter(identity__in=identity_ids(user), merged_at__isnull=False)
            .annotate(day=day).annotate(in_term=Exists(in_a_term)).filter(in_term=False)
            .select_related("repository").order_by("-merged_at", "id")[:limit])


def next_term_after(day: dt.date) -> Term | None:
    """The first term that starts after `day` (a contribution merged between terms waits for none)."""
    return Term.objects.filter(starts_on__gt=day).order_by("starts_on").first()


def contributions_page_rows(user, *, repository: str = "", platform: str = "", outcome: str = "") -> QuerySet:
    """The person's contributions with the outcome of their newest credit line, filterable."""
    newest_line = CreditLine.objects.filter(contribution=OuterRef("pk")).order_by("-record__term__starts_on", "-id")
    rows = (Contribution.objects.filter(identity__in=identity_ids(user)).select_related("repository")
            .annotate(outcome=Subquery(newest_line.values("outcome")[:1]),
                      reason_en=Subquery(newest_line.values("reason")[:1]),
                      reason_zh=Subquery(newest_line.values("reason_zh")[:1]),
                      line_points=Subquery(newest_line.values("points")[:1]))
            .order_by("-merged_at", "id"))
    if repository:
        rows = rows.filter(repository__path=repository) if ":" not in repository else rows.filter(
            repository__platform=repository.split(":", 1)[0], repository__path=repository.split(":", 1)[1])
    if platform:
        rows = rows.filter(platform=platform)
    if outcome == "none":
        rows = rows.filter(outcome__isnull=True)
    elif outcome:
        rows = rows.filter(outcome=outcome)
    return rows


def repositories_of(user) -> list[str]:
    """Specs of the repositories a person has contributed to (for the filter's choices)."""
    rows = (Contribution.objects.filter(identity__in=identity_ids(user))
            .values_list("repository__platform", "repository__path").distinct()
            .order_by("repository__platform", "repository__path"))
    return [f"{platform}:{path}" for platform, path in rows[:500]]
