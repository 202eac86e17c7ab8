"""Forgot password and set password (the page invitations lead to), in the portal's layout."""
from __future__ import annotations

from django import forms
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .services.invitations import SendFailed, password_reset_request, password_set_record


class ForgotPasswordForm(forms.Form):
    """An email address, username or student id."""

    identifier = forms.CharField(label=_("Email, username or student id (学号)"), max_length=254)


@require_http_methods(["GET", "POST"])
def forgot_password(request):
    """Send a set-password link to whoever the identifier names; the same answer whether or not one exists."""
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_request(identifier=form.cleaned_data["identifier"],
                                   base_url=request.build_absolute_uri("/"),
                                   language=getattr(request, "LANGUAGE_CODE", "zh-hans"))
        except SendFailed:
            # Never "sent" when it was not: the person must know to try again or ask the office.
            form.add_error(None, _("We could not send the email just now. Try again later, or ask your "
                                   "department's office for an invitation."))
            return render(request, "registration/password_reset_form.html", {"form": form}, status=503)
        return redirect("password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's own confirm view (SetPasswordForm); an expired or used link shows how to get a new one."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_set_record(user=form.user, ip=self.request.META.get("REMOTE_ADDR"))
        return response
