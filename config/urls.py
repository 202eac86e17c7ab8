"""Top-level URL routes; each app mounts its own."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    # Forge-account linking: accounts/forges/ and allauth's provider routes under accounts/oauth/ (no clash).
    path("accounts/", include("accounts.linking.urls")),
    # People: student directory and pages, roster upload (accounts.urls; scoped by accounts.access).
    path("", include("accounts.urls")),
    path("", include("credits.urls")),
]
