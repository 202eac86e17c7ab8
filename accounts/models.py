"""People: the custom user, departments, student profiles and linked forge identities."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .identifiers import normalize_username
from .platforms import Platform


class User(AbstractUser):
    """A person who signs in: student, faculty reviewer, registrar or operator."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    # The language the person last used the portal in: emails to them are written in it.
    language = models.CharField(_("language"), max_length=16, blank=True)

    @classmethod
    def normalize_username(cls, username):
        """One spelling per account (create_user, createsuperuser and the admin's forms all call this)."""
        return normalize_username(username)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Department(models.Model):
    """A 院系 (school or department) that owns students and reviewers."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StudentProfile(models.Model):
    """The registrar's view of a student, keyed on the 学号 (student id)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="student"
    )
    student_id = models.CharField(_("student id"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=150)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="students"
    )
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    enrolment_year = models.PositiveSmallIntegerField(_("enrolment year"), null=True, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("advisor"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="advisees"
    )

    class Meta:
        verbose_name = _("student profile")
        verbose_name_plural = _("student profiles")
        ordering = ["student_id"]
        permissions = [("import_roster", "Can import the student roster")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.name}"


class Verification(models.TextChoices):
    OAUTH = "oauth", _("verified by OAuth")
    OPERATOR = "operator", _("verified by an operator")


class ForgeIdentity(models.Model):
    """A forge account linked to one person, keyed on the forge's numeric user id (logins can change)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="identities"
    )
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    external_id = models.BigIntegerField(_("forge user id"))
    login = models.CharField(_("current login"), max_length=255)
    verified_via = models.CharField(_("verified via"), max_length=16, choices=Verification.choices)
    verified_at = models.DateTimeField(_("verified at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Unlinking keeps the row (past contributions and credit stay attached to it) but frees the account.
    unlinked_at = models.DateTimeField(_("unlinked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("forge identity")
        verbose_name_plural = _("forge identities")
        ordering = ["platform", "login"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"],
                condition=models.Q(unlinked_at__isnull=True),
                name="identity_unique_forge_account",
            ),
            # One account per forge per person: a second GitHub account would double-count.
            models.UniqueConstraint(
                fields=["user", "platform"],
                condition=models.Q(unlinked_at__isnull=True),
                name="identity_one_per_platform",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.login}"


# The stage key a mandate carries when none is named (the college review every policy has).
DEFAULT_STAGE = "department"


class Mandate(models.Model):
    """Who may decide one approval stage, for one department or (no department) for the whole university."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="mandates"
    )
    stage = models.SlugField(_("stage"), max_length=32, default=DEFAULT_STAGE)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="mandates",
        verbose_name=_("department"), help_text=_("empty: every department"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["stage", "department__code", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "stage", "department"], condition=models.Q(department__isnull=False),
                name="mandate_unique_department",
            ),
            models.UniqueConstraint(
                fields=["user", "stage"], condition=models.Q(department__isnull=True), name="mandate_unique_university",
            ),
        ]

    def __str__(self) -> str:
        scope = self.department.code if self.department_id else "*"
        return f"{self.user} decides {self.stage} for {scope}"


class RosterHint(models.Model):
    """A forge handle the roster claims for a student: an unverified hint, never a link or a credit source."""

    student = models.ForeignKey(
        StudentProfile, verbose_name=_("student"), on_delete=models.CASCADE, related_name="roster_hints"
    )
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    login = models.CharField(_("login (unverified)"), max_length=255)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("roster hint")
        verbose_name_plural = _("roster hints")
        ordering = ["student", "platform"]
        constraints = [models.UniqueConstraint(fields=["student", "platform"], name="roster_hint_one_per_platform")]

    def __str__(self) -> str:
        return f"{self.platform}:{self.login} (hint for {self.student.student_id})"
