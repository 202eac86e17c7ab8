"""Terms and published credit policy versions (immutable once published)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

TERM_CODE = RegexValidator(r"^\d{4}-(spring|summer|autumn|winter)$", "a term code looks like 2026-autumn")


class Term(models.Model):
    """An academic term; a contribution belongs to the term in which it was merged."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[TERM_CODE])
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    # Optional deadlines: students submit until the window closes; each stage decides by its date.
    submission_closes_on = models.DateField(_("submission closes"), null=True, blank=True)
    review_deadlines = models.JSONField(_("review deadline per stage"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="term_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ImmutableError(RuntimeError):
    """Raised when code tries to change or delete a published policy version."""


class PolicyVersionQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: records point at these versions and must keep meaning the same."""

    def update(self, **kwargs):  # noqa: D102
        raise ImmutableError("published policy versions are immutable; publish a new version instead")

    def delete(self):  # noqa: D102
        raise ImmutableError("published policy versions are immutable")


class PolicyVersion(models.Model):
    """One published policy document; rows are only ever inserted."""

    version = models.CharField(_("version"), max_length=64, unique=True)
    title_zh = models.CharField(_("title zh"), max_length=200)
    title_en = models.CharField(_("title en"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    course_code = models.CharField(_("course code"), max_length=32)
    approval_stages = models.JSONField(_("approval stages"), default=list)
    source_name = models.CharField(_("source file"), max_length=255)
    source_text = models.TextField(_("source YAML"))
    sha256 = models.CharField(_("sha256"), max_length=64, unique=True)
    document = models.JSONField(_("validated document"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"),
        null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["effective_from", "id"]

    def __str__(self) -> str:
        return f"policy {self.version}"

    def save(self, *args, **kwargs):
        """Insert only (the same guard as the audit log): a published version is never rewritten."""
        if self.pk is not None:
            raise ImmutableError("published policy versions are immutable; publish a new version instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """Never delete a version: records computed under it keep pointing at it."""
        raise ImmutableError("published policy versions are immutable")
