"""What the record lifecycle checks: the transition table, the policy's stages, mandates and separation of duties."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Mandate
from credits.models import AuditEvent, CreditRecord, PolicyVersion, RecordDecision, RecordKind, RecordStatus
from credits.models.records import AWAITING
from credits.rules.schema import Approval, Policy, Stage

S = RecordStatus
# action -> (statuses it starts from, status it leads to; None: decided by the stage position)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "submit": (frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED),
    "withdraw": (frozenset({S.SUBMITTED}), S.DRAFT),
    "approve": (frozenset(AWAITING), None),  # next stage (in_review), public notice, or approved
    "return": (frozenset(AWAITING), S.RETURNED),
    "reject": (frozenset(AWAITING), S.REJECTED),
    "adjust": (frozenset(AWAITING), None),  # stays where it is
    "object": (frozenset({S.IN_PUBLIC_NOTICE}), S.IN_REVIEW),
    "notice_close": (frozenset({S.IN_PUBLIC_NOTICE}), S.APPROVED),
    "revoke": (frozenset({S.APPROVED}), S.REVOKED),
}
# Actions that count as deciding a stage (nobody decides two stages of one record).
STAGE_ACTIONS = ("approve", "return", "reject", "adjust")


class RecordError(Exception):
    """A refused lifecycle action; `message` is shown to the person who tried."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class NotPermitted(RecordError):
    """Outside one's mandate (or no such record): pages answer 404, and the refusal is audited."""


class SeparationOfDuties(RecordError):
    """One's own record, or a second stage of the same record."""


class AlreadyDecided(RecordError):
    """The record changed state meanwhile (someone else acted first)."""


class InvalidAction(RecordError):
    """Bad input: a missing reason, a closed window, credits out of bounds, an ended notice period."""


_approvals: dict[str, Approval] = {}
_policies: dict[str, Policy] = {}


def policy_document(version: PolicyVersion) -> Policy:
    """The validated policy of a published version (cached: versions never change)."""
    if version.sha256 not in _policies:
        _policies[version.sha256] = Policy.model_validate(version.document)
    return _policies[version.sha256]


def approval_of(version: PolicyVersion) -> Approval:
    """The approval section of a published version."""
    if version.sha256 not in _approvals:
        _approvals[version.sha256] = policy_document(version).approval
    return _approvals[version.sha256]


def stage_of(record: CreditRecord) -> Stage | None:
    """The stage the record waits at (None when it waits for no one)."""
    stages = approval_of(record.policy_version).stages
    if record.status not in (*AWAITING, S.IN_PUBLIC_NOTICE) or record.stage_index >= len(stages):
        return None
    return stages[record.stage_index]


def local_today(record: CreditRecord, now: dt.datetime) -> dt.date:
    """Today in the record's policy time zone (notice periods are counted in local working days)."""
    return now.astimezone(ZoneInfo(policy_document(record.policy_version).timezone)).date()


def require_reason(reason: str) -> str:
    """A stripped reason, or a refusal (return, reject, adjust, object and revoke need one)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidAction(_("A reason is required for this action."))
    return reason


def require_from(record: CreditRecord, action: str) -> None:
    """Refuse an action the transition table does not allow from the record's status."""
    if record.status not in TRANSITIONS[action][0]:
        raise AlreadyDecided(already_decided_message(record))


def already_decided_message(record: CreditRecord) -> str:
    """"Already decided by X at T": the last change on the record, for the one who came second."""
    last = (AuditEvent.objects.filter(subject_type="credit_record", subject_id=str(record.pk))
            .exclude(from_status="", to_status="").select_related("actor").order_by("-id").first())
    status = CreditRecord.objects.filter(pk=record.pk).values_list("status", flat=True).first() or record.status
    if last is None:
        return _("This record is %(status)s; the action does not apply.") % {"status": S(status).label}
    who = str(last.actor) if last.actor else _("the system")
    return _("Already decided by %(who)s at %(when)s: the record is now %(status)s.") % {
        "who": who, "when": f"{timezone.localtime(last.created_at):%Y-%m-%d %H:%M:%S}", "status": S(status).label}


def _mandates(user, stage_key: str, *, university: bool):
    rows = Mandate.objects.filter(user_id=user.pk, stage=stage_key)
    return rows.filter(department__isnull=True) if university else rows


def holds_stage(user, record: CreditRecord, stage: Stage) -> bool:
    """True when `user` may decide `stage` for this record's student (advisor, department or university scope)."""
    if user is None or not user.is_active:
        return False
    profile = getattr(record.student, "student", None)
    if stage.scope == "advisor":
        return profile is not None and profile.advisor_id == user.pk
    if stage.scope == "university":
        return _mandates(user, stage.key, university=True).exists()
    department_id = profile.department_id if profile is not None else None
    return _mandates(user, stage.key, university=False).filter(
        Q(department__isnull=True) | Q(department_id=department_id)).exists()


def check_decider(user, record: CreditRecord) -> Stage:
    """The stage `user` decides now, or NotPermitted / SeparationOfDuties."""
    stage = stage_of(record)
    if stage is None or not holds_stage(user, record, stage):
        raise NotPermitted(_("No such record in your queue."))
    if record.student_id == user.pk:
        raise SeparationOfDuties(_("You cannot decide your own record."))
    other = RecordDecision.objects.filter(record=record, actor_id=user.pk).exclude(stage=stage.key).first()
    if other is not None:
        raise SeparationOfDuties(_("You already decided stage %(stage)s of this record; another person must decide "
                                   "this stage.") % {"stage": other.stage})
    return stage


def decidable_by(user) -> Q:
    """Records waiting for `user` (their stage, their scope, not their own, no other stage of it decided by them)."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    mandate = Mandate.objects.filter(user_id=user.pk, stage=OuterRef("approval_stage"))
    in_department = mandate.filter(
        Q(department__isnull=True) | Q(department_id=OuterRef("student__student__department_id")))
    scoped = (
        Q(approval_scope="advisor", student__student__advisor_id=user.pk)
        | Q(Exists(in_department), approval_scope="department")
        | Q(Exists(mandate.filter(department__isnull=True)), approval_scope="university")
    )
    other_stage = RecordDecision.objects.filter(record=OuterRef("pk"), actor_id=user.pk).exclude(
        stage=OuterRef("approval_stage"))
    return Q(status__in=AWAITING) & scoped & ~Q(student_id=user.pk) & ~Q(Exists(other_stage))


def may_revoke(user, record: CreditRecord) -> bool:
    """A university-wide holder of a university-scope stage of the record's policy (any stage if it has none)."""
    if user is None or not user.is_active or record.student_id == user.pk:
        return False
    stages = approval_of(record.policy_version).stages
    keys = [s.key for s in stages if s.scope == "university"] or [s.key for s in stages]
    return Mandate.objects.filter(user_id=user.pk, stage__in=keys, department__isnull=True).exists()


def may_object(user, record: CreditRecord) -> bool:
    """A signed-in member of the student's department (student or mandate holder), or a holder of a stage."""
    if user is None or not user.is_authenticated or not user.is_active or record.student_id == user.pk:
        return False
    profile = getattr(record.student, "student", None)
    department_id = profile.department_id if profile is not None else None
    own = getattr(user, "student", None)
    if own is not None and department_id is not None and own.department_id == department_id:
        return True
    if profile is not None and profile.advisor_id == user.pk:
        return True
    keys = approval_of(record.policy_version).stage_keys()
    return Mandate.objects.filter(user_id=user.pk, stage__in=keys).filter(
        Q(department__isnull=True) | Q(department_id=department_id)).exists()


def credit_ceiling(record: CreditRecord) -> Decimal | None:
    """The most a reviewer may set a record to under the policy's caps (None: no cap applies)."""
    from credits.services.evaluation import approved_elsewhere

    caps = policy_document(record.policy_version).caps
    bounds = [c for c in (caps.per_term,) if c is not None]
    if caps.per_student_total is not None:
        bounds.append(max(Decimal(0), caps.per_student_total
                          - approved_elsewhere(student_id=record.student_id, term_id=record.term_id)))
    return min(bounds) if bounds else None


def revocable_kind(record: CreditRecord) -> bool:
    """Revocations themselves are never revoked (revoke the original's correction instead)."""
    return record.kind in (RecordKind.EVALUATION, RecordKind.ADJUSTMENT)


def stage_holders(record: CreditRecord, stage: Stage) -> list:
    """Everyone who may decide `stage` of this record (for notifications), never the student themselves."""
    from accounts.models import User

    profile = getattr(record.student, "student", None)
    if stage.scope == "advisor":
        ids = [profile.advisor_id] if profile is not None and profile.advisor_id else []
    else:
        rows = Mandate.objects.filter(stage=stage.key)
        if stage.scope == "university":
            rows = rows.filter(department__isnull=True)
        else:
            rows = rows.filter(Q(department__isnull=True) | Q(department_id=getattr(profile, "department_id", None)))
        ids = list(rows.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True).exclude(pk=record.student_id).order_by("pk"))
