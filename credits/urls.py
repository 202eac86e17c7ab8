"""Routes of the credits app."""
from django.urls import path

from .views import credit, exports, portal

urlpatterns = [
    path("", portal.home, name="home"),
    path("healthz", portal.healthz, name="healthz"),
    path("credit/", credit.my_credit, name="my_credit"),
    path("exports/", exports.export_list, name="export_list"),
    path("exports/<int:batch_id>/download", exports.export_download, name="export_download"),
    path("exports/<int:batch_id>/progress", exports.export_progress, name="export_progress"),
    path("exports/<int:batch_id>/book", exports.export_book, name="export_book"),
    path("exports/<int:batch_id>/retry", exports.export_retry, name="export_retry"),
]
