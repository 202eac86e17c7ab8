"""Routes of the credits app."""
from django.urls import path

from .views import credit, exports, portal, records, review, staff, student

urlpatterns = [
    path("", portal.home, name="home"),
    path("healthz", portal.healthz, name="healthz"),
    path("credit/", credit.my_credit, name="my_credit"),
    path("exports/", exports.export_list, name="export_list"),
    path("exports/<int:batch_id>/download", exports.export_download, name="export_download"),
    path("exports/<int:batch_id>/progress", exports.export_progress, name="export_progress"),
    path("exports/<int:batch_id>/book", exports.export_book, name="export_book"),
    path("exports/<int:batch_id>/retry", exports.export_retry, name="export_retry"),
    # The approval workflow: the student's submit/withdraw, record pages, the queue, notice, backlog.
    path("credit/records/<int:record_id>/submit/", records.record_submit, name="record_submit"),
    path("credit/records/<int:record_id>/withdraw/", records.record_withdraw, name="record_withdraw"),
    path("records/<int:record_id>/", records.record_detail, name="record_detail"),
    path("records/<int:record_id>/decide/", records.record_decide, name="record_decide"),
    path("records/<int:record_id>/object/", records.record_object, name="record_object"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/approve/", review.review_bulk_approve, name="review_bulk_approve"),
    path("review/backlog/", review.review_backlog, name="review_backlog"),
    path("notice/", review.public_notice, name="public_notice"),
    path("contributions/", student.my_contributions, name="my_contributions"),
    path("sync/now/", student.sync_now, name="sync_now"),
    path("sync/progress/", student.sync_progress, name="sync_progress"),
    path("registrar/overview/", staff.registrar_overview, name="registrar_overview"),
    path("operator/sync/", staff.sync_dashboard, name="sync_dashboard"),
]
