"""The 10%-fault figure of `bench sync`: a first sync on a flaky forge against the fault-free one, same run."""
from __future__ import annotations

import time
from typing import TextIO

PLATFORMS = ("github", "gitee", "gitlab")
RATE = 0.10
TARGET_REQUEST_RATIO = 1.3


def _reset_sync() -> None:
    """Forget every stored PR and sync position, so the next sync is a first sync again."""
    from credits.models import Contribution, SyncState

    Contribution.objects.all().delete()
    SyncState.objects.update(watermark=None, etag="", walk_page=0, walk_newest=None, walk_etag="", walk_stored=0,
                             failures=0, last_status="")


def fault_run(sim, baseline: dict[str, dict], out: TextIO, *, rate: float = RATE, seed: int = 2026) -> dict:
    """Re-run the first sync of every repository with `rate` of answers failing; compare with `baseline`.

    `baseline[platform]` holds the fault-free first sync's `first_sync_requests` and `first_sync_s`.
    The result must be the same rows: the stored (platform, id) set is compared with the fault-free one.
    """
    from django.conf import settings

    from credits.models import Contribution, Repository
    from credits.services.sync_run import sync_to_completion

    fault_free = set(Contribution.objects.values_list("platform", "external_id"))
    _reset_sync()
    saved = settings.FORGE_RETRY_BACKOFF_SECONDS, settings.SYNC_RETRY_BACKOFF_SECONDS
    # forgesim recovers at once: a short backoff measures requests and work, not sleeping.
    settings.FORGE_RETRY_BACKOFF_SECONDS, settings.SYNC_RETRY_BACKOFF_SECONDS = 0.02, 0.05
    for platform in PLATFORMS:
        sim.set_fault_rate(platform, rate, seed=seed)
    sim.reset_stats()
    started = time.perf_counter()
    try:
        for pk in Repository.objects.values_list("pk", flat=True):
            sync_to_completion(kind="repository", pk=pk, max_wait=120, on_wait=lambda what, seconds: None)
    finally:
        settings.FORGE_RETRY_BACKOFF_SECONDS, settings.SYNC_RETRY_BACKOFF_SECONDS = saved
        sim.clear_faults()
    elapsed = time.perf_counter() - started
    stats = sim.stats()
    requests = stats["requests"]
    base_requests = sum(baseline[p]["first_sync_requests"] for p in PLATFORMS)
    base_s = sum(baseline[p]["first_sync_s"] for p in PLATFORMS)
    got = set(Contribution.objects.values_list("platform", "external_id"))
    figures = {"rate": rate, "requests": requests, "faults": sum(v["faults"] for v in stats["platforms"].values()),
               "fault_free_requests": base_requests, "request_ratio": round(requests / max(1, base_requests), 3),
               "seconds": round(elapsed, 1), "fault_free_seconds": round(base_s, 1),
               "time_ratio": round(elapsed / base_s, 2) if base_s else None,
               "same_result": got == fault_free, "stored": len(got)}
    out.write(f"  {rate:.0%} of answers failing: first sync {requests:,} requests ({figures['faults']} faults) in "
              f"{elapsed:.1f}s vs fault-free {base_requests:,} in {base_s:.1f}s -> requests x{figures['request_ratio']}"
              f" (target <= {TARGET_REQUEST_RATIO}), same {len(got):,} PRs stored: {figures['same_result']}")
    return figures
