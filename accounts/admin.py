"""Operator views of people, departments and linked forge identities."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from credits.admin_base import ReadOnlyAdmin

from .models import Department, DepartmentReviewer, ForgeIdentity, RosterHint, StudentProfile, User


class ReviewerInline(admin.TabularInline):
    model = DepartmentReviewer
    extra = 0
    verbose_name = "department reviewed"


class RosterHintInline(admin.TabularInline):
    model = RosterHint
    extra = 0
    readonly_fields = ("updated_at",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Xuefen", {"fields": ("display_name",)}),)
    inlines = [ReviewerInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ("student_id", "name", "department", "programme", "enrolment_year")
    list_filter = ("department", "enrolment_year")
    search_fields = ("student_id", "name")
    list_select_related = ("department",)
    raw_id_fields = ("user", "advisor")
    inlines = [RosterHintInline]


@admin.register(ForgeIdentity)
class ForgeIdentityAdmin(ReadOnlyAdmin):
    """Links change only through link/unlink services (audited, and they start or stop syncing)."""

    list_display = ("__str__", "external_id", "user", "verified_via", "verified_at", "unlinked_at")
    list_filter = ("platform", "verified_via")
    search_fields = ("login", "user__username", "user__student__student_id")
    list_select_related = ("user",)
