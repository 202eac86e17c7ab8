"""Operator views of people, departments and linked forge identities."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Department, ForgeIdentity, StudentProfile, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Xuefen", {"fields": ("display_name",)}),)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ("student_id", "name", "department")
    list_filter = ("department",)
    search_fields = ("student_id", "name")
    list_select_related = ("department",)


@admin.register(ForgeIdentity)
class ForgeIdentityAdmin(admin.ModelAdmin):
    list_display = ("__str__", "external_id", "user", "verified_via", "verified_at", "unlinked_at")
    list_filter = ("platform", "verified_via")
    search_fields = ("login", "user__username", "user__student__student_id")
    list_select_related = ("user",)
    raw_id_fields = ("user", "verified_by")
