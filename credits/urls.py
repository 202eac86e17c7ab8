"""Routes of the credits app."""
from django.urls import path

from .views import portal

urlpatterns = [
    path("", portal.home, name="home"),
    path("healthz", portal.healthz, name="healthz"),
]
