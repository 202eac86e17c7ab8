"""Operator views of people, departments and linked forge identities."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from credits.admin.base import ReadOnlyAdmin

from .models import Department, ForgeIdentity, Mandate, RosterHint, StudentProfile, User
from .roles import Role
from .services.org import department_save, student_profile_save
from .services.roles import groups_set, role_grant, role_revoke, staff_flag_set, superuser_grant, superuser_revoke


class MandateInline(admin.TabularInline):
    """Mandates are shown on the user; they are granted and revoked on the mandate page (audited services)."""

    model = Mandate
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("stage", "department", "granted_by", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RosterHintInline(admin.TabularInline):
    """Roster hints come from roster imports (audited); the admin shows them."""

    model = RosterHint
    extra = 0
    can_delete = False
    fields = readonly_fields = ("platform", "login", "updated_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Operators edit people; only a superuser changes privileges, and every such change is audited.

    Roles are granted with `grant_role` (or the mandate page), which write audit rows; an operator sees the
    privilege fields read-only and cannot change, delete or set the password of a superuser's account.
    """

    fieldsets = BaseUserAdmin.fieldsets + ((_("Xuefen"), {"fields": ("display_name",)}),)
    inlines = [MandateInline]

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + PRIVILEGE_FIELDS

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # a superuser's password or e-mail changed by an operator would be a takeover
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj: User, form, change: bool) -> None:
        before = User.objects.filter(pk=obj.pk).values("is_superuser", "is_staff").first() if change else None
        if not request.user.is_superuser:
            # Defence in depth: whatever reached the form, privilege flags stay what they were.
            obj.is_superuser, obj.is_staff = (before["is_superuser"], before["is_staff"]) if before else (False, False)
            super().save_model(request, obj, form, change)
            return
        wanted = {"is_superuser": obj.is_superuser, "is_staff": obj.is_staff}
        if before is not None:
            obj.is_superuser, obj.is_staff = before["is_superuser"], before["is_staff"]
        else:
            obj.is_superuser = obj.is_staff = False
        super().save_model(request, obj, form, change)
        if wanted["is_superuser"] and not obj.is_superuser:
            superuser_grant(user=obj, actor=request.user)
        elif not wanted["is_superuser"] and obj.is_superuser:
            superuser_revoke(user=obj, actor=request.user)
        if wanted["is_staff"] != obj.is_staff:
            staff_flag_set(user=obj, is_staff=wanted["is_staff"], actor=request.user)

    def save_related(self, request, form, formsets, change: bool) -> None:
        if not request.user.is_superuser or "groups" not in form.cleaned_data:
            super().save_related(request, form, formsets, change)
            return
        wanted = list(form.cleaned_data.pop("groups"))
        form.fields.pop("groups", None)
        super().save_related(request, form, formsets, change)
        groups_set(user=form.instance, groups=wanted, actor=request.user)


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    """Grant (add) and revoke (delete) stage mandates through the role services, never by editing a row."""

    list_display = ("user", "stage", "department", "granted_by", "created_at")
    list_filter = ("stage", "department")
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user", "department", "granted_by")
    raw_id_fields = ("user",)
    fields = ("user", "stage", "department")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj: Mandate, form, change: bool) -> None:
        departments = [obj.department] if obj.department_id else []
        created = role_grant(user=obj.user, role=Role.REVIEWER, actor=request.user, departments=departments,
                             stage=obj.stage)
        mandate = created[0] if created else Mandate.objects.get(
            user=obj.user, stage=obj.stage, department=obj.department)
        obj.pk, obj._state.adding, obj._state.db = mandate.pk, False, mandate._state.db

    def delete_model(self, request, obj: Mandate) -> None:
        role_revoke(user=obj.user, role=Role.REVIEWER, actor=request.user, stage=obj.stage,
                    departments=[obj.department] if obj.department_id else [])

    def delete_queryset(self, request, queryset) -> None:
        for mandate in queryset.select_related("user", "department"):
            self.delete_model(request, mandate)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")

    def save_model(self, request, obj: Department, form, change: bool) -> None:
        department_save(department=obj, actor=request.user, changed_fields=form.changed_data)


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ("student_id", "name", "department", "programme", "enrolment_year")
    list_filter = ("department", "enrolment_year")
    search_fields = ("student_id", "name")
    list_select_related = ("department",)
    raw_id_fields = ("user", "advisor")
    inlines = [RosterHintInline]

    def save_model(self, request, obj: StudentProfile, form, change: bool) -> None:
        student_profile_save(profile=obj, actor=request.user, changed_fields=form.changed_data)


@admin.register(ForgeIdentity)
class ForgeIdentityAdmin(ReadOnlyAdmin):
    """Links change only through link/unlink services (audited, and they start or stop syncing)."""

    list_display = ("__str__", "external_id", "user", "verified_via", "verified_at", "unlinked_at")
    list_filter = ("platform", "verified_via")
    search_fields = ("login", "user__username", "user__student__student_id")
    list_select_related = ("user",)
