"""Routes for people pages (mounted at the site root by config/urls.py)."""
from django.urls import path

from . import views

urlpatterns = [
    path("students/", views.student_list, name="student_list"),
    path("students/<str:student_id>/", views.student_detail, name="student_detail"),
    path("roster/import/", views.roster_upload, name="roster_upload"),
]
