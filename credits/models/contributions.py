"""Merged contributions fetched from the forges, one row per forge object."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.platforms import Platform


class ContributionKind(models.TextChoices):
    PULL_REQUEST = "pull_request", _("merged pull request")
    REVIEW = "review", _("review")
    ISSUE = "issue", _("issue")


class Contribution(models.Model):
    """A student's contribution; unique per forge object so re-syncs upsert and never double-count."""

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    external_id = models.BigIntegerField(_("forge object id"))
    repository = models.ForeignKey(
        "credits.Repository", verbose_name=_("repository"), on_delete=models.PROTECT, related_name="contributions"
    )
    identity = models.ForeignKey(
        "accounts.ForgeIdentity", verbose_name=_("identity"), on_delete=models.PROTECT, related_name="contributions"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=ContributionKind.choices, default=ContributionKind.PULL_REQUEST
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(_("URL"), max_length=500)
    created_at = models.DateTimeField(_("created at"))
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    author_login = models.CharField(_("author login"), max_length=255)
    author_external_id = models.BigIntegerField(_("author external id"))
    author_is_bot = models.BooleanField(_("author is bot"), default=False)
    merged_by_login = models.CharField(_("merged by login"), max_length=255, blank=True)
    merged_by_external_id = models.BigIntegerField(_("merged by external id"), null=True, blank=True)
    additions = models.PositiveIntegerField(_("additions"), null=True, blank=True)
    deletions = models.PositiveIntegerField(_("deletions"), null=True, blank=True)
    changed_files = models.PositiveIntegerField(_("changed files"), null=True, blank=True)
    labels = models.JSONField(_("labels"), default=list, blank=True)
    merge_commit_sha = models.CharField(_("merge commit sha"), max_length=64, blank=True, db_index=True)
    head_sha = models.CharField(_("head sha"), max_length=64, blank=True, db_index=True)
    raw = models.JSONField(_("raw"), default=dict, blank=True)
    # Set when the same change is counted on another copy (a mirror, or a PR re-opened with the same head).
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    # English, for the admin and the audit log.
    duplicate_reason = models.CharField(_("duplicate reason"), max_length=255, blank=True)
    # What matched, so the page can say it in the reader's language: see duplicate_reason_text.
    duplicate_evidence = models.JSONField(_("duplicate evidence"), default=dict, blank=True)
    first_seen_at = models.DateTimeField(_("first seen at"), auto_now_add=True)
    synced_at = models.DateTimeField(_("synced at"), auto_now=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-merged_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="contribution_unique_forge_object"),
        ]
        indexes = [models.Index(fields=["identity", "merged_at"], name="contribution_identity_merged")]

    def __str__(self) -> str:
        return f"{self.repository.spec}#{self.number}"

    @property
    def duplicate_reason_display(self) -> str:
        """Why this copy does not count, in the active language (the stored English text for older rows)."""
        return duplicate_reason_text(self.duplicate_evidence) if self.duplicate_evidence else self.duplicate_reason

    @property
    def changed_lines(self) -> int | None:
        """Additions plus deletions, or None until the detail has been fetched."""
        if self.additions is None or self.deletions is None:
            return None
        return self.additions + self.deletions


def _gap_text(seconds: int) -> str:
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 1:
        return gettext("less than a minute")
    if minutes < 120:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    if hours < 48:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def duplicate_reason_text(evidence: dict) -> str:
    """The sentence naming the signal that made a copy: a shared commit, or the same title and author."""
    near = evidence.get("via") or evidence.get("as", "?")
    if evidence.get("signal") == "commit":
        text = gettext("same commit %(sha)s as %(target)s") % {"sha": evidence.get("sha", "")[:12], "target": near}
    else:
        text = gettext("same title and author, merged %(gap)s apart, as %(target)s") % {
            "gap": _gap_text(int(evidence.get("seconds", 0))), "target": near}
    if evidence.get("via"):
        text = gettext("%(reason)s, itself a copy of %(target)s") % {"reason": text, "target": evidence.get("as")}
    return text
