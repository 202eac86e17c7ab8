"""Admin pages for terms, policy versions (read-only, with a diff of two) and credit records (read-only lines)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from credits.admin.base import ReadOnlyAdmin
from credits.models import CreditLine, CreditRecord, PolicyVersion, Term
from credits.selectors.policies import policy_diff
from credits.services.policies import TermOverlap, term_check_dates, term_create, term_update


class TermForm(forms.ModelForm):
    """Admin edits obey the same rule as `add_term`: terms never share a day."""

    class Meta:
        model = Term
        fields = ("code", "name_zh", "name_en", "starts_on", "ends_on", "submission_closes_on", "review_deadlines")

    def clean(self):
        data = super().clean()
        code = data.get("code") or self.instance.code
        starts, ends = data.get("starts_on") or self.instance.starts_on, data.get("ends_on") or self.instance.ends_on
        if starts and ends:
            try:
                term_check_dates(code=code, starts_on=starts, ends_on=ends, exclude_id=self.instance.pk)
            except TermOverlap as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    form = TermForm
    list_display = ("code", "name_zh", "name_en", "starts_on", "ends_on", "submission_closes_on")
    search_fields = ("code", "name_zh", "name_en")

    def get_readonly_fields(self, request, obj=None):
        # Once a term has records its dates decide which contributions they hold: freeze them.
        if obj is not None and obj.records.exists():
            return ("code", "starts_on", "ends_on")
        return ()

    def save_model(self, request, obj: Term, form, change: bool) -> None:
        # Every term write goes through the services, so it gets the same lock, checks and audit row as `add_term`.
        if change:
            term_update(term_id=obj.pk, actor=request.user,
                        **{field: form.cleaned_data[field] for field in form.changed_data})
            return
        term = term_create(code=obj.code, name_zh=obj.name_zh, name_en=obj.name_en, starts_on=obj.starts_on,
                           ends_on=obj.ends_on, actor=request.user)
        deadlines = {f: form.cleaned_data[f] for f in ("submission_closes_on", "review_deadlines")
                     if form.cleaned_data.get(f)}
        if deadlines:
            term = term_update(term_id=term.pk, actor=request.user, **deadlines)
        obj.pk, obj._state.adding, obj._state.db = term.pk, False, term._state.db


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    """Published versions are immutable: view and compare only; publish with `manage.py policy load`."""

    list_display = ("version", "title_zh", "effective_from", "effective_until", "course_code", "published_at")
    ordering = ("-effective_from",)
    actions = ["compare_two"]
    readonly_fields = [f.name for f in PolicyVersion._meta.fields]
    fields = ("version", "title_zh", "title_en", "effective_from", "effective_until", "course_code",
              "approval_stages", "source_name", "sha256", "published_at", "published_by", "source_text")

    @admin.action(description=_("Compare the two selected versions"), permissions=["view"])
    def compare_two(self, request: HttpRequest, queryset) -> HttpResponse | None:
        chosen = list(queryset.order_by("effective_from", "id").values_list("id", flat=True))
        if len(chosen) != 2:
            self.message_user(request, _("Select exactly two versions to compare."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:credits_policyversion_diff", args=chosen))

    def get_urls(self):
        extra = [
            path("diff/<int:old_id>/<int:new_id>/", self.admin_site.admin_view(self.diff_view),
                 name="credits_policyversion_diff"),
        ]
        return extra + super().get_urls()

    def diff_view(self, request: HttpRequest, old_id: int, new_id: int) -> HttpResponse:
        """Side by side: the settings that changed and the YAML diff."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        diff = policy_diff(old=get_object_or_404(PolicyVersion, id=old_id),
                           new=get_object_or_404(PolicyVersion, id=new_id))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "diff": diff,
                   "title": _("Policy %(old)s → %(new)s") % {"old": diff.old.version, "new": diff.new.version}}
        return TemplateResponse(request, "admin/credits/policyversion/diff.html", context)


class CreditLineInline(admin.TabularInline):
    model = CreditLine
    fields = ("position", "outcome", "contribution", "rule", "base_points", "points", "reason", "reason_zh")
    readonly_fields = fields
    ordering = ("position",)
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdmin):
    """Records change only through services (evaluation, review, export); the admin shows them."""

    list_display = ("id", "term", "student", "kind", "status", "credits", "target_credits", "policy_version",
                    "exported_at", "evaluated_at")
    list_filter = ("term", "status", "kind", "policy_version")
    search_fields = ("student__username", "student__student__student_id", "student__student__name")
    list_select_related = ("term", "student", "policy_version")
    readonly_fields = [f.name for f in CreditRecord._meta.fields]
    inlines = [CreditLineInline]
