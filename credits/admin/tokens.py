"""Operators add, rotate, disable and enable forge service tokens here; every change goes through the service."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from credits.admin.base import ReadOnlyAdmin
from credits.models import ServiceToken, TokenBudget
from credits.services import forge_tokens


class ServiceTokenForm(forms.ModelForm):
    """The secret is write-only: typed once (add or rotate), never shown again."""

    new_token = forms.CharField(label=_("token"), required=False, strip=True,
                                widget=forms.PasswordInput(render_value=False),
                                help_text=_("paste the token the forge issued; on an existing row this rotates it"))

    class Meta:
        model = ServiceToken
        fields = ("platform", "label")

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not data.get("new_token"):
            self.add_error("new_token", _("a new service token needs its value"))
        return data


@admin.register(ServiceToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    form = ServiceTokenForm
    list_display = ("platform", "label", "short_fingerprint", "enabled", "disabled_reason", "rotated_at", "created_at")
    list_filter = ("platform", "enabled")
    readonly_fields = ("short_fingerprint", "enabled", "disabled_at", "disabled_reason", "rotated_at", "created_at")
    actions = ("disable_tokens", "enable_tokens")

    @admin.display(description=_("fingerprint"))
    def short_fingerprint(self, obj: ServiceToken) -> str:
        return obj.fingerprint[:12] if obj.fingerprint else ""

    def get_readonly_fields(self, request, obj=None):
        return ("platform", *self.readonly_fields) if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # disable instead: the audit rows keep pointing at the token

    def save_model(self, request, obj, form, change):
        new = form.cleaned_data.get("new_token")
        try:
            if not change:
                saved = forge_tokens.service_token_add(platform=obj.platform, token=new, label=obj.label,
                                                       actor=request.user)
                obj.pk = saved.pk
                return
            if obj.label != form.initial.get("label"):
                forge_tokens.service_token_relabel(token_id=obj.pk, label=obj.label, actor=request.user)
            if new:
                forge_tokens.service_token_rotate(token_id=obj.pk, token=new, actor=request.user)
        except forge_tokens.TokenExists as exc:
            messages.error(request, str(exc))

    @admin.action(description=_("Disable the selected tokens"))
    def disable_tokens(self, request, queryset):
        done = sum(forge_tokens.service_token_disable(token_id=pk, reason="disabled by an operator",
                                                      actor=request.user)
                   for pk in queryset.values_list("pk", flat=True))
        messages.info(request, _("%(n)s token(s) disabled") % {"n": done})

    @admin.action(description=_("Enable the selected tokens"))
    def enable_tokens(self, request, queryset):
        done = sum(forge_tokens.service_token_enable(token_id=pk, actor=request.user)
                   for pk in queryset.values_list("pk", flat=True))
        messages.info(request, _("%(n)s token(s) enabled") % {"n": done})


@admin.register(TokenBudget)
class TokenBudgetAdmin(ReadOnlyAdmin):
    """What each forge last reported of a pool token's budget (sync units write it; the dashboard reads it)."""

    list_display = ("platform", "short_fingerprint", "remaining", "limit", "reset_at", "seen_at")
    list_filter = ("platform",)
    readonly_fields = [f.name for f in TokenBudget._meta.fields]

    @admin.display(description=_("fingerprint"))
    def short_fingerprint(self, obj: TokenBudget) -> str:
        return obj.fingerprint[:12]
