"""Routes of the credits app."""
from django.urls import path

from .views import credit, portal

urlpatterns = [
    path("", portal.home, name="home"),
    path("healthz", portal.healthz, name="healthz"),
    path("credit/", credit.my_credit, name="my_credit"),
]
