"""/healthz (database, broker, sync age per forge; 503 when any is bad) and LOG_FORMAT=json structured logs."""
from __future__ import annotations

import json
import logging
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from config.logs import ContextFilter, JsonFormatter, _task_finished, _task_started
from credits.models import SyncState
from tests.factories import RepositoryFactory

pytestmark = pytest.mark.django_db


def synced(platform: str, minutes_ago: int, status: str = "ok"):
    repository = RepositoryFactory(platform=platform)
    SyncState.objects.update_or_create(repository=repository, defaults={
        "last_status": status, "last_finished_at": timezone.now() - timedelta(minutes=minutes_ago)})
    return repository


def test_healthy_reports_each_forges_last_successful_sync(client, settings):
    settings.HEALTHZ_SYNC_MAX_AGE_MINUTES = 60
    synced("github", 10)
    synced("gitee", 30)
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok" and body["database"] == "ok"
    assert body["forges"]["github"]["age_minutes"] == 10 and body["forges"]["gitee"]["age_minutes"] == 30
    assert response["X-Request-ID"]


def test_a_forge_whose_syncs_are_too_old_answers_503(client, settings):
    settings.HEALTHZ_SYNC_MAX_AGE_MINUTES = 60
    synced("github", 10)
    synced("gitlab", 90)
    synced("gitlab", 5, status="error")  # a failed run is not a success
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["forges"]["gitlab"] == {**response.json()["forges"]["gitlab"], "stale": True,
                                                   "age_minutes": 90}


def test_a_fresh_installation_is_not_an_outage_until_the_limit_passes(client, settings):
    settings.HEALTHZ_SYNC_MAX_AGE_MINUTES = 60
    repository = RepositoryFactory(platform="github")
    assert client.get("/healthz").status_code == 200
    type(repository).objects.filter(pk=repository.pk).update(added_at=timezone.now() - timedelta(hours=2))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["forges"]["github"]["last_success"] is None


def test_an_unreachable_broker_answers_503(client, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/4"
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["broker"] != "ok"


def record(message: str = "stored 3 pulls") -> logging.LogRecord:
    rec = logging.LogRecord("credits.sync", logging.INFO, __file__, 1, message, None, None)
    ContextFilter().filter(rec)
    return rec


def test_json_lines_carry_task_and_repository_ids():
    class FakeTask:
        name = "credits.tasks.sync_repository"

        def run(self, repository_id):
            pass

    _task_started(task_id="abc-123", task=FakeTask(), args=(42,), kwargs={})
    try:
        line = json.loads(JsonFormatter().format(record()))
    finally:
        _task_finished()
    assert line["message"] == "stored 3 pulls" and line["level"] == "INFO" and line["logger"] == "credits.sync"
    assert (line["task_id"], line["task"], line["repository_id"]) == ("abc-123", FakeTask.name, 42)
    assert "task_id" not in json.loads(JsonFormatter().format(record()))


def test_json_lines_carry_the_request_id(client):
    from config import logs

    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-7f3a")
    assert response["X-Request-ID"] == "req-7f3a"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"] != "bad id\nwith newline"
    token = logs.request_id.set("req-7f3a")
    try:
        assert json.loads(JsonFormatter().format(record()))["request_id"] == "req-7f3a"
    finally:
        logs.request_id.reset(token)


def test_log_format_json_makes_every_line_a_json_object():
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = "import django, logging; django.setup(); logging.getLogger('credits.sync').warning('gitee 429')"
    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], env=env,
                            capture_output=True, text=True, timeout=60)
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "gitee 429" and line["level"] == "WARNING" and "time" in line
