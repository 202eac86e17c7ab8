"""Point this process's forge settings at an in-process forgesim, and run an in-process Celery worker."""
from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings

from accounts.providers.config import socialaccount_providers
from forgesim.server import Simulator


def point_settings_at(sim: Simulator) -> None:
    """Every forge URL and token pool now leads to the simulator (nothing reaches a real forge)."""
    world = sim.world
    settings.GITHUB_API_URL = sim.github_api_url
    settings.GITHUB_URL = sim.github_url
    settings.GITEE_API_URL = sim.gitee_api_url
    settings.GITEE_URL = sim.gitee_url
    settings.GITLAB_URL = sim.gitlab_url
    settings.GITHUB_SECONDS_BETWEEN_REQUESTS = 0
    settings.FORGE_TOKENS = {p: [t for t in world.tokens[p] if "service" in t] for p in ("github", "gitee", "gitlab")}
    # Link buttons on 我的代码平台账户 go through forgesim's OAuth consent pages (any demo client id will do).
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        github_url=sim.github_url, gitee_url=sim.gitee_url, gitee_api_url=sim.gitee_api_url,
        gitlab_url=sim.gitlab_url,
        clients={p: (f"xuefen-demo-{p}", "demo-secret") for p in ("github", "gitee", "gitlab")},
    )


@contextmanager
def celery_worker():
    """A real Celery worker consuming in this process over the in-memory transport (the embedded setup)."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://localhost/"  # a bare scheme makes kombu warn "No hostname was supplied"
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING",
                      shutdown_timeout=30) as worker:
        yield worker
