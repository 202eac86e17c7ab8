"""The resilience suite's machinery: its own redis-server, real worker processes, a generated university."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import require_service, service_tokens, using_postgres

ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = ("github", "gitee", "gitlab")
# Short enough that a lost message or a dead worker is recovered within seconds, long enough for one unit.
VISIBILITY_TIMEOUT = 12
STALE_SECONDS = 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, every=None, every_seconds: float = 3.0) -> float:
    """Poll until `predicate()` holds; `every()` runs each `every_seconds` (the suite's stand-in for beat)."""
    started = time.monotonic()
    last_tick = started
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        if every is not None and time.monotonic() - last_tick >= every_seconds:
            every()
            last_tick = time.monotonic()
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """A redis-server of the suite's own on a free port, restartable with or without persistence."""

    def __init__(self, directory: Path, *, appendonly: bool):
        self.port, self.directory, self.appendonly = free_port(), directory, appendonly
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always",
             "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.ping, timeout=20, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM: with appendonly the log is on disk; without persistence every message is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def restart(self, down_seconds: float = 1.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


class Workers:
    """Real `celery worker` processes (main process and prefork pool in one process group)."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs = env, logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *, concurrency: int = 2) -> subprocess.Popen:
        from config.celery import app

        log = self.logs / f"{name}.log"
        env = {**self.env, "CELERY_BROKER_URL": app.conf.broker_url}  # the suite's redis-server, once started
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "-c", str(concurrency),
             "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO", "-f", str(log)],
            cwd=ROOT, env=env, start_new_session=True)
        self.running[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the worker's whole process group: no warm shutdown, no ack, no tidying up."""
        process = self.running.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def wait_ready(self, *names: str) -> None:
        """Until each worker says it is ready to consume (so work is shared from the first message on)."""
        def ready() -> bool:
            return all((self.logs / f"{n}.log").exists() and " ready." in (self.logs / f"{n}.log").read_text(
                errors="replace") for n in names)
        wait_for(ready, timeout=60, what=f"workers {', '.join(names)} to be ready")

    def ran_tasks(self) -> list[str]:
        """Names of the workers whose log shows a task that succeeded."""
        return [log.stem for log in self.logs.glob("*.log") if log.stem != "redis" and "succeeded" in
                log.read_text(errors="replace")]

    def stop_all(self) -> None:
        """The test is over: SIGKILL what is left (a warm shutdown would only wait for units nobody needs)."""
        for name in list(self.running):
            process = self.running.pop(name)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture
def services(transactional_db):
    """PostgreSQL (the test database, shared with the workers) and a redis-server binary."""
    require_service(using_postgres(), "PostgreSQL (DATABASE_URL)")
    require_service(shutil.which("redis-server") is not None, "redis-server")


@pytest.fixture
def university(services, settings):
    """forgesim with a small generated university; every repository registered, every student linked."""
    from accounts.models import ForgeIdentity
    from credits.bench.university import seed_registry
    from credits.models import IdentitySyncState
    from forgesim.generator import generate
    from forgesim.server import Simulator

    world = generate(500, seed=13, n_students=30, n_repos=6)
    sim = Simulator(world).start()
    settings.GITHUB_API_URL, settings.GITEE_API_URL = sim.github_api_url, sim.gitee_api_url
    settings.GITLAB_URL = sim.gitlab_url
    settings.FORGE_TOKENS = {p: service_tokens(world, p) for p in PLATFORMS}
    seed_registry(world)
    # Their backfills ran long ago: the sweep is about repository syncs unless a test links someone anew.
    IdentitySyncState.objects.bulk_create([IdentitySyncState(identity=i, last_status="ok")
                                           for i in ForgeIdentity.objects.all()])
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def broker_factory(services, tmp_path):
    """Start the suite's redis-server (appendonly or not) and point this process's Celery app at it."""
    from config.celery import app

    servers: list[RedisServer] = []
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "broker_transport_options")}

    def start(*, appendonly: bool = True) -> RedisServer:
        server = RedisServer(tmp_path, appendonly=appendonly).start()
        servers.append(server)
        app.conf.broker_url = server.url
        app.conf.task_always_eager = False
        app.conf.broker_transport_options = {**saved["broker_transport_options"],
                                             "visibility_timeout": VISIBILITY_TIMEOUT}
        app.amqp._producer_pool = None  # a pool built earlier still points at the old broker
        app._pool = None
        return server

    yield start
    app.conf.update(saved)
    app.amqp._producer_pool = None
    app._pool = None
    for server in servers:
        server.stop()


@pytest.fixture
def workers(university, broker_factory, tmp_path, settings):
    """Worker processes on the test database, the suite's broker and forgesim, with short units and timeouts."""
    from django.db import connection

    db = connection.settings_dict
    env = {**os.environ,
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "GITHUB_API_URL": settings.GITHUB_API_URL, "GITEE_API_URL": settings.GITEE_API_URL,
           "GITLAB_URL": settings.GITLAB_URL, "CONN_MAX_AGE": "0", "GITHUB_SECONDS_BETWEEN_REQUESTS": "0",
           **{f"{p.upper()}_TOKENS": ",".join(settings.FORGE_TOKENS[p]) for p in PLATFORMS},
           "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "CELERY_UNACKED_RESTORE_INTERVAL": "1",
           "CELERY_UNACKED_RESTORE_THROTTLE": "1", "SYNC_UNIT_PAGES": "1", "SYNC_UNIT_SECONDS": "5",
           "CELERY_TASK_TIME_LIMIT": "40", "SYNC_STALE_SECONDS": str(STALE_SECONDS),
           "FORGE_RETRY_BACKOFF_SECONDS": "0.05", "FORGE_RETRY_MAX_BACKOFF_SECONDS": "0.5",
           "SYNC_RETRY_BACKOFF_SECONDS": "0.3", "FORGE_TIMEOUT_SECONDS": "5"}
    pool = Workers(env, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()
