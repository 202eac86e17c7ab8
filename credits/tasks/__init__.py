"""Celery tasks, the edge of the system: each takes ids, calls one service, and enqueues what follows.

Importing the package registers every task module, so `autodiscover_tasks` needs no CELERY_IMPORTS.
Time limits and acks_late are set once, in settings (CELERY_TASK_TIME_LIMIT, CELERY_TASK_ACKS_LATE).
"""
from credits.tasks.evaluation import evaluate_open_terms, evaluate_students, evaluate_term, evaluations_enqueue
from credits.tasks.export import render_export_batch
from credits.tasks.records import close_public_notices, send_reviewer_digests, submit_closed_windows
from credits.tasks.sync import (
    backfill_enqueue,
    sync_all_repositories,
    sync_identity,
    sync_overdue_repositories,
    sync_repository,
)

__all__ = [
    "backfill_enqueue",
    "close_public_notices",
    "evaluate_open_terms",
    "evaluate_students",
    "evaluate_term",
    "evaluations_enqueue",
    "render_export_batch",
    "send_reviewer_digests",
    "submit_closed_windows",
    "sync_all_repositories",
    "sync_identity",
    "sync_overdue_repositories",
    "sync_repository",
]
