"""Shared fixtures: service checks, a real Celery worker, and forgesim over HTTP."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

DEMO_SCENARIO = Path(__file__).resolve().parent.parent / "forgesim" / "scenarios" / "demo.yaml"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# One queue per test process, so parallel runs sharing a Redis never take each other's tasks.
TEST_QUEUE = f"xuefen-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def require_service(available: bool, what: str) -> None:
    """Skip a test whose service is absent, except in CI, where absence is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not configured")
    pytest.skip(f"{what} not configured")


def using_postgres() -> bool:
    """True when the suite runs on PostgreSQL (DATABASE_URL set to postgres)."""
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def using_redis() -> bool:
    """True when a Redis broker is configured (CELERY_BROKER_URL)."""
    return os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")


def service_tokens(world, platform: str) -> list[str]:
    """The scenario's service tokens for `platform` (named *service*; the others belong to people)."""
    return [token for token in world.tokens[platform] if "service" in token]


@pytest.fixture
def postgres_only():
    """Mark a test that needs PostgreSQL's concurrency (row locks, real parallel writers)."""
    require_service(using_postgres(), "PostgreSQL (DATABASE_URL)")


@pytest.fixture(autouse=True)
def _fast_forge_clients(settings):
    """PyGithub's politeness delay is for github.com; forgesim needs none.

    One attempt per request unless a test asks for the in-place retries (`forge_retries`): the tests of
    error mapping inject one fault and must see it, not its retry.
    """
    settings.GITHUB_SECONDS_BETWEEN_REQUESTS = 0
    settings.FORGE_RETRY_ATTEMPTS = 1
    settings.FORGE_RETRY_BACKOFF_SECONDS = 0.01
    settings.FORGE_RETRY_MAX_BACKOFF_SECONDS = 0.05


@pytest.fixture
def forge_retries(settings):
    """The production retry rule (4 attempts), with backoff short enough for tests."""
    settings.FORGE_RETRY_ATTEMPTS = 4
    settings.FORGE_RETRY_MAX_WAIT_SECONDS = 5


@pytest.fixture
def world():
    """A fresh copy of the hand-written demo scenario (students on all three forges)."""
    from forgesim.scenario import load_scenario

    return load_scenario(DEMO_SCENARIO)


@pytest.fixture
def sim(world, settings):
    """forgesim serving `world` on an ephemeral port, with settings pointed at it."""
    from forgesim.server import Simulator

    simulator = Simulator(world).start(host="127.0.0.1", port=0)
    settings.GITHUB_API_URL = simulator.github_api_url
    settings.GITHUB_URL = simulator.github_url
    settings.GITEE_API_URL = simulator.gitee_api_url
    settings.GITEE_URL = simulator.gitee_url
    settings.GITLAB_URL = simulator.gitlab_url
    settings.FORGE_TOKENS = {p: service_tokens(world, p) for p in ("github", "gitee", "gitlab")}
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def eager_tasks():
    """Run tasks in-process for this test, whatever the broker (no message is left on a shared queue)."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (thread) on the configured broker: Redis in CI, else the in-memory transport."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from config.celery import app

    saved = {k: app.conf[k] for k in ("task_always_eager", "task_default_queue")}
    if not using_redis():
        require_service(not IN_CI, "Redis (CELERY_BROKER_URL)")
        app.conf.broker_url = "memory://localhost/"  # a bare scheme makes kombu warn "No hostname was supplied"
    # A producer pool built by an earlier .delay() still points at the broker of that time (amqp:// by default):
    # drop it, or this test's tasks are published where the worker never looks.
    app.amqp._producer_pool = None
    app._pool = None
    app.conf.task_always_eager = False
    app.conf.task_default_queue = TEST_QUEUE

    def close_connections(**_):
        # The worker thread owns its own DB connections; close them so test teardown can drop the DB.
        connections.close_all()

    task_postrun.connect(close_connections, weak=False)
    with app.connection_for_write() as conn:
        # Leftovers of an earlier test (retries, on-commit enqueues) must not run against this test's data.
        conn.default_channel.queue_declare(queue=TEST_QUEUE, durable=True, auto_delete=False)
        conn.default_channel.queue_purge(TEST_QUEUE)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, queues=[TEST_QUEUE],
                          shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_connections)
        app.conf.update(saved)


@pytest.fixture(autouse=True)
def _audit_triggers_on_sqlite(request):
    """SQLite flushes with DELETE, which the append-only trigger refuses: lift it for that flush only."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames)
    if using_postgres() or not uses_db:  # PostgreSQL flushes with TRUNCATE, which the row trigger lets pass
        yield
        return
    from django.db import connection

    from credits.audit_triggers import drop_triggers, install_triggers

    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or getattr(
        request.node.get_closest_marker("django_db"), "kwargs", {}).get("transaction")
    request.getfixturevalue("transactional_db" if transactional else "db")
    install_triggers(connection)  # a previous flush lifted them
    yield
    if transactional:
        drop_triggers(connection)


@pytest.fixture(autouse=True)
def _fast_password_hashing_everywhere(settings):
    """PBKDF2's rounds are for attackers; factories build many users (signing in still checks the password)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
