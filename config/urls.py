"""Top-level URL routes; each app mounts its own."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import password_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Ours first: forgot password for everyone (also people who never had a password) and the set-password page.
    path("accounts/password_reset/", password_views.forgot_password, name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", password_views.SetPasswordView.as_view(), name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    # Forge-account linking: accounts/forges/ and allauth's provider routes under accounts/oauth/ (no clash).
    path("accounts/", include("accounts.linking.urls")),
    # People: student directory and pages, roster upload (accounts.urls; scoped by accounts.access).
    path("", include("accounts.urls")),
    path("", include("credits.urls")),
]

# Error pages in the layout, translated, without exception text or paths (config/errors.py).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
