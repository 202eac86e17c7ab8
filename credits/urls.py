"""Routes of the credits app."""
from django.urls import path

from .views import credit, portal, records, review

urlpatterns = [
    path("", portal.home, name="home"),
    path("healthz", portal.healthz, name="healthz"),
    path("credit/", credit.my_credit, name="my_credit"),
    # The approval workflow (issue 9): the student's submit/withdraw, record pages, the queue, notice, backlog.
    path("credit/records/<int:record_id>/submit/", records.record_submit, name="record_submit"),
    path("credit/records/<int:record_id>/withdraw/", records.record_withdraw, name="record_withdraw"),
    path("records/<int:record_id>/", records.record_detail, name="record_detail"),
    path("records/<int:record_id>/decide/", records.record_decide, name="record_decide"),
    path("records/<int:record_id>/object/", records.record_object, name="record_object"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/approve/", review.review_bulk_approve, name="review_bulk_approve"),
    path("review/backlog/", review.review_backlog, name="review_backlog"),
    path("notice/", review.public_notice, name="public_notice"),
]
