"""Routes of the credits app."""
from django.urls import path

from .views import credit, portal, staff, student

urlpatterns = [
    path("", portal.home, name="home"),
    path("healthz", portal.healthz, name="healthz"),
    path("credit/", credit.my_credit, name="my_credit"),
    path("contributions/", student.my_contributions, name="my_contributions"),
    path("sync/now/", student.sync_now, name="sync_now"),
    path("sync/progress/", student.sync_progress, name="sync_progress"),
    path("registrar/overview/", staff.registrar_overview, name="registrar_overview"),
    path("operator/sync/", staff.sync_dashboard, name="sync_dashboard"),
]
