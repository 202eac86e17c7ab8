"""Credit records (one evaluation per student and term, plus adjustments) and their explained lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecordStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    RETURNED = "returned", _("returned")


class RecordKind(models.TextChoices):
    EVALUATION = "evaluation", _("evaluation")
    ADJUSTMENT = "adjustment", _("adjustment")


# Statuses re-evaluation may rewrite; everything else is frozen (a decision was taken or is pending).
REFRESHABLE = (RecordStatus.DRAFT, RecordStatus.RETURNED)
# An adjustment in one of these is still under way; at most one may exist per approved record.
OPEN_ADJUSTMENT = (RecordStatus.DRAFT, RecordStatus.SUBMITTED, RecordStatus.RETURNED)


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
    approval_stage = models.CharField(_("awaiting stage"), max_length=16, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
        null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    export_reference = models.CharField(_("export batch"), max_length=64, blank=True)
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
                condition=Q(kind="adjustment", status__in=["draft", "submitted", "returned"]),
                name="record_one_open_adjustment",
            ),
            models.CheckConstraint(
                condition=(Q(kind="evaluation") & Q(adjusts__isnull=True))
                | (Q(kind="adjustment") & Q(adjusts__isnull=False) & Q(target_credits__isnull=False)),
                name="record_adjustment_has_target",
            ),
        ]
        indexes = [models.Index(fields=["term", "status"], name="record_term_status")]

    def __str__(self) -> str:
        label = "adjustment" if self.kind == RecordKind.ADJUSTMENT else "record"
        return f"{label} {self.id} {self.term_id}/{self.student_id} {self.credits} ({self.status})"

    @property
    def exported(self) -> bool:
        """True once a registrar export batch has included this record."""
        return self.exported_at is not None


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
