"""People: the custom user, departments, student profiles and linked forge identities."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .platforms import Platform


class User(AbstractUser):
    """A person who signs in: student, faculty reviewer, registrar or operator."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Department(models.Model):
    """A 院系 (school or department) that owns students and reviewers."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StudentProfile(models.Model):
    """The registrar's view of a student, keyed on the 学号 (student id)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student")
    student_id = models.CharField(_("student id"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=150)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="students")

    class Meta:
        ordering = ["student_id"]

    def __str__(self) -> str:
        return f"{self.student_id} {self.name}"


class Verification(models.TextChoices):
    OAUTH = "oauth", _("verified by OAuth")
    OPERATOR = "operator", _("verified by an operator")


class ForgeIdentity(models.Model):
    """A forge account linked to one person, keyed on the forge's numeric user id (logins can change)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="identities")
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    external_id = models.BigIntegerField(_("forge user id"))
    login = models.CharField(_("current login"), max_length=255)
    verified_via = models.CharField(_("verified via"), max_length=16, choices=Verification.choices)
    verified_at = models.DateTimeField(_("verified at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Unlinking keeps the row (past contributions and credit stay attached to it) but frees the account.
    unlinked_at = models.DateTimeField(_("unlinked at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = "forge identities"
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
