"""Credit records (one evaluation per student and term, plus adjustments) and their explained lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecordStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    IN_REVIEW = "in_review", _("in review")
    IN_PUBLIC_NOTICE = "in_public_notice", _("in public notice")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned")
    REJECTED = "rejected", _("rejected")
    REVOKED = "revoked", _("revoked")


class RecordKind(models.TextChoices):
    EVALUATION = "evaluation", _("evaluation")
    ADJUSTMENT = "adjustment", _("adjustment")
    REVOCATION = "revocation", _("revocation")


# Statuses re-evaluation may rewrite; everything else is frozen (a decision was taken or is pending).
REFRESHABLE = (RecordStatus.DRAFT, RecordStatus.RETURNED)
# Waiting for a stage holder's decision (submitted: at the first stage; in_review: later or back for re-review).
AWAITING = (RecordStatus.SUBMITTED, RecordStatus.IN_REVIEW)
# An adjustment in one of these is still under way; at most one may exist per approved record.
OPEN_ADJUSTMENT = (RecordStatus.DRAFT, RecordStatus.SUBMITTED, RecordStatus.IN_REVIEW,
                   RecordStatus.IN_PUBLIC_NOTICE, RecordStatus.RETURNED)


class CreditRecord(models.Model):
    """A student's credit for a term under one policy version, or an adjustment to an approved one."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("student"), on_delete=models.PROTECT, related_name="credit_records"
    )
    term = models.ForeignKey("credits.Term", verbose_name=_("term"), on_delete=models.PROTECT, related_name="records")
    policy_version = models.ForeignKey(
        "credits.PolicyVersion", verbose_name=_("policy version"), on_delete=models.PROTECT, related_name="records"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RecordKind.choices, default=RecordKind.EVALUATION)
    # An adjustment points at the approved evaluation record it corrects.
    adjusts = models.ForeignKey(
        "self", verbose_name=_("adjusts"), null=True, blank=True, on_delete=models.PROTECT, related_name="adjustments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.DRAFT, db_index=True
    )
    course_code = models.CharField(_("course code"), max_length=32)
    points = models.DecimalField(_("points"), max_digits=14, decimal_places=4, default=0)
    # For an evaluation: the credit earned. For an adjustment: the signed change to the approved total.
    credits = models.DecimalField(_("credits"), max_digits=8, decimal_places=2, default=0)
    # For an adjustment: the approved total it brings the record to (once per target, never twice).
    target_credits = models.DecimalField(_("target credits"), max_digits=8, decimal_places=2, null=True, blank=True)
    caps_applied = models.JSONField(_("caps applied"), default=list, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"))
    # Where the record waits: the stage's key, its position (0-based) and scope in the record's policy.
    approval_stage = models.CharField(_("awaiting stage"), max_length=32, blank=True)
    stage_index = models.PositiveSmallIntegerField(default=0)
    approval_scope = models.CharField(max_length=16, blank=True)
    statement = models.TextField(_("statement"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When it reached its current status (the queue sorts by waiting time).
    status_changed_at = models.DateTimeField(null=True, blank=True)
    notice_ends_on = models.DateField(_("public notice ends"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
        null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    # The one registrar batch that booked this record (set in the claiming transaction, never cleared).
    export_batch = models.ForeignKey(
        "credits.ExportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="records",
        verbose_name=_("export batch"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["term__starts_on", "student_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "term"], condition=Q(kind="evaluation"), name="record_one_evaluation_per_term"
            ),
            models.UniqueConstraint(
                fields=["adjusts"],
                condition=Q(kind="adjustment", status__in=[str(s) for s in OPEN_ADJUSTMENT]),
                name="record_one_open_adjustment",
            ),
            models.CheckConstraint(
                condition=(Q(kind="evaluation") & Q(adjusts__isnull=True))
                | (Q(kind__in=["adjustment", "revocation"]) & Q(adjusts__isnull=False)
                   & Q(target_credits__isnull=False)),
                name="record_adjustment_has_target",
            ),
        ]
        indexes = [
            models.Index(fields=["term", "status"], name="record_term_status"),
            models.Index(fields=["status", "approval_stage"], name="record_status_stage"),
        ]

    def __str__(self) -> str:
        label = "record" if self.kind == RecordKind.EVALUATION else str(self.kind)
        return f"{label} {self.id} {self.term_id}/{self.student_id} {self.credits} ({self.status})"

    @property
    def exported(self) -> bool:
        """True once a registrar export batch has included this record."""
        return self.exported_at is not None


class RecordDecision(models.Model):
    """Who acted on which stage of a record (separation of duties reads this; the audit log keeps the story)."""

    record = models.ForeignKey(CreditRecord, on_delete=models.CASCADE, related_name="decisions")
    stage = models.CharField(max_length=32)
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record_id", "id"]
        indexes = [models.Index(fields=["actor", "record"], name="decision_actor_record")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.record_id}@{self.stage}"


class LineOutcome(models.TextChoices):
    CREDITED = "credited", _("credited")
    REFUSED = "refused", _("refused")
    PENDING = "pending", _("pending")


class CreditLine(models.Model):
    """One contribution's outcome in a record: points and the rule and reason that decided them."""

    record = models.ForeignKey(CreditRecord, verbose_name=_("record"), on_delete=models.CASCADE, related_name="lines")
    contribution = models.ForeignKey(
        "credits.Contribution", verbose_name=_("contribution"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="credit_lines"
    )
    contribution_key = models.CharField(_("contribution key"), max_length=64)
    position = models.PositiveIntegerField(_("position"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=LineOutcome.choices)
    rule = models.CharField(_("rule"), max_length=64)
    base_points = models.DecimalField(_("base points"), max_digits=14, decimal_places=4, default=0)
    points = models.DecimalField(_("points"), max_digits=14, decimal_places=4, default=0)
    reason = models.TextField(_("reason"))
    reason_zh = models.TextField(_("reason zh"))

    class Meta:
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")
        ordering = ["record_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["record", "position"], name="line_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.contribution_key} {self.outcome} {self.points}"
