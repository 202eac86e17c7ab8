"""Structured logs: request ids from a middleware, task and repository ids from Celery's signals."""
from __future__ import annotations

import contextvars
import inspect
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from celery import signals

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
task_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("task_context", default=None)
# A client-given id is echoed only when it looks like one (no log injection through the header).
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_IDS = ("repository_id", "identity_id", "record_id", "batch_id")


class RequestIdMiddleware:
    """Gives each request an id (X-Request-ID when the proxy sent a sane one) and returns it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _GOOD_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class ContextFilter(logging.Filter):
    """Adds request_id, task_id, task and repository_id (when known) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        context = task_context.get() or {}
        for key in ("task_id", "task", *_IDS):
            if not hasattr(record, key):
                setattr(record, key, context.get(key))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the ids, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id", "task", *_IDS):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _ids_of(task, args, kwargs) -> dict:
    """The id arguments (repository_id, ...) a task was called with, by parameter name."""
    try:
        bound = inspect.signature(task.run).bind_partial(*(args or ()), **(kwargs or {}))
    except (TypeError, ValueError):
        return {}
    return {k: v for k, v in bound.arguments.items() if k in _IDS}


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, args=None, kwargs=None, **_):
    task_context.set({"task_id": task_id, "task": getattr(task, "name", None), **_ids_of(task, args, kwargs)})


@signals.task_postrun.connect
def _task_finished(**_):
    task_context.set(None)
