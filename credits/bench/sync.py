"""bench sync: requests per hourly sync of the registry, and storage rate against a plain bulk_create."""
from __future__ import annotations

import os
import random
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TextIO

from django.db import connection

from .sync_faults import TARGET_REQUEST_RATIO, fault_run
from .table import row

PLATFORMS = ("github", "gitee", "gitlab")


@contextmanager
def scratch_database():
    """A fresh database of the configured engine for the run (never the operator's data)."""
    old_name = connection.settings_dict["NAME"]
    # Its own name, never test_<db>: that one may belong to CI or a pytest run on the same server.
    scratch = f"xuefen_bench_{os.getpid()}"
    if connection.vendor == "sqlite":  # a file, not memory, so SQLite pays for real I/O as in production
        scratch = os.path.join(tempfile.gettempdir(), f"{scratch}.sqlite3")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = scratch
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _seed(sim) -> dict:
    """Point the forges at the simulator, register every simulated repository and link every student."""
    from credits.demo.forges import point_settings_at

    from .university import seed_registry

    point_settings_at(sim)
    return seed_registry(sim.world)


def _sync_all(sim, platform: str) -> tuple[dict, float]:
    """One hourly sync of every repository on `platform`: forgesim's counters and the wall time."""
    from credits.models import Repository
    from credits.services.sync import repository_sync

    sim.reset_stats()
    started = time.perf_counter()
    for pk in Repository.objects.filter(platform=platform).values_list("pk", flat=True):
        repository_sync(repository_id=pk)
    elapsed = time.perf_counter() - started
    return sim.stats()["platforms"].get(platform, {}), elapsed


def _add_new_prs(world, k: int, rng: random.Random) -> tuple[dict[str, set], dict[str, int]]:
    """k merged PRs by linked students in random repositories: repositories touched and PRs, per platform."""
    touched: dict[str, set] = {p: set() for p in PLATFORMS}
    counts = dict.fromkeys(PLATFORMS, 0)
    students = [u for u in world.users.values() if u.student]
    repos = [r for r in world.repos.values() if not r.owner_is_user]
    moment = datetime.now(UTC) - timedelta(minutes=5)
    added = 0
    while added < k:
        repo, person = rng.choice(repos), rng.choice(students)
        if person.uid(repo.platform) is None:
            continue
        world.add_pull(repo.spec, author=person.key, merged_at=moment, updated_at=moment, state="merged",
                       additions=30, deletions=4, changed_files=2)
        touched[repo.platform].add(repo.spec)
        counts[repo.platform] += 1
        added += 1
    return touched, counts


def _storage_rates(n: int, out: TextIO) -> dict:
    """Contributions stored per second: the sync's upsert path against a plain bulk_create of the same rows."""
    from accounts.models import ForgeIdentity
    from credits.forges.base import ForgeUser, Pull
    from credits.models import Contribution, Repository
    from credits.services.contributions import contribution_from_pull, contributions_upsert
    from credits.services.sync import STORE_BATCH

    repository = Repository.objects.filter(platform="github").first()
    identity = ForgeIdentity.objects.filter(platform="github").first()
    now = datetime.now(UTC)
    pulls = [Pull(platform="github", external_id=10_000_000 + i, number=i + 1, repo_path=repository.path,
                  title=f"Improve kernel {i}", url=f"http://forge.invalid/pull/{i}", state="closed",
                  created_at=now, updated_at=now, merged_at=now,
                  author=ForgeUser("github", identity.external_id, identity.login), additions=i % 90,
                  deletions=i % 7, changed_files=1 + i % 5, labels=("bug",), merge_commit_sha=f"{i:040x}",
                  head_sha=f"{i:040x}", raw={"number": i + 1}, detailed=True) for i in range(n)]

    def rows():
        return [contribution_from_pull(p, repository=repository, identity_id=identity.pk) for p in pulls]

    Contribution.objects.filter(external_id__gte=10_000_000).delete()
    baseline_rows = rows()
    started = time.perf_counter()
    Contribution.objects.bulk_create(baseline_rows)  # the baseline: one plain call, Django's own batching
    bulk_s = time.perf_counter() - started
    Contribution.objects.filter(external_id__gte=10_000_000).delete()
    upsert_rows = rows()
    started = time.perf_counter()
    for i in range(0, n, STORE_BATCH):
        contributions_upsert(rows=upsert_rows[i:i + STORE_BATCH])
    upsert_s = time.perf_counter() - started
    assert Contribution.objects.filter(external_id__gte=10_000_000).count() == n
    figures = {"rows": n, "bulk_create_per_s": round(n / bulk_s), "upsert_per_s": round(n / upsert_s),
               "ratio": round(bulk_s / upsert_s, 2)}
    out.write(f"  storage of {n:,} contributions: sync upsert (batches of {STORE_BATCH}, ON CONFLICT) "
              f"{figures['upsert_per_s']:,}/s vs one plain bulk_create {figures['bulk_create_per_s']:,}/s "
              f"-> ratio {figures['ratio']} (target >= 0.5)")
    return figures


def run(quick: bool, out: TextIO) -> dict:
    """Run the sync benchmark on a scratch database and print figures with targets and in-run baselines."""
    from forgesim.generator import generate
    from forgesim.server import Simulator

    # Quick is sized for CI on 2 busy cores (well under a minute); full is the README's university.
    n_repos, n_pulls, k, storage_rows = (9, 900, 10, 2_000) if quick else (500, 50_000, 100, 100_000)
    rng = random.Random(2026)
    out.write(f"bench sync ({'quick' if quick else 'full'}): {n_repos} repositories, {n_pulls:,} simulated PRs, "
              f"database {connection.vendor}")
    figures: dict = {"quick": quick, "database": connection.vendor}
    world = generate(n_pulls, seed=7, n_repos=n_repos, n_students=max(50, n_pulls // 50))
    with Simulator(world).start() as sim, scratch_database():
        figures["seed"] = _seed(sim)
        out.write(f"  registry {figures['seed']['repositories']} repositories, "
                  f"{figures['seed']['identities']} linked identities")
        for platform in PLATFORMS:
            first, first_s = _sync_all(sim, platform)
            steady, _ = _sync_all(sim, platform)
            figures[platform] = {"first_sync_requests": first.get("requests", 0), "first_sync_s": round(first_s, 1),
                                 "steady_requests": steady.get("requests", 0),
                                 "steady_304": steady.get("not_modified", 0),
                                 "steady_rate_limit_cost": steady.get("budget_spent", 0)}
        figures["faults"] = fault_run(sim, figures, out)  # ends complete, so the steady state below still holds
        touched, counts = _add_new_prs(sim.world, k, rng)
        for platform in PLATFORMS:
            new, _ = _sync_all(sim, platform)
            figures[platform].update(new_prs=counts[platform], repos_with_new=len(touched[platform]),
                                     with_new_rate_limit_cost=new.get("budget_spent", 0))
        _report_requests(figures, out)
        figures["storage"] = _storage_rates(storage_rows, out)
    figures["table"] = _table(figures)
    return figures


def _table(figures: dict) -> list[dict]:
    """The rows `bench` prints in its one table."""
    rows = []
    for platform in PLATFORMS:
        f = figures[platform]
        rows.append(row("sync", f"{platform} first sync", f["first_sync_requests"], unit="requests"))
        rows.append(row("sync", f"{platform} hourly sync, nothing new: rate-limit cost", f["steady_rate_limit_cost"],
                        target="0", met=f["steady_rate_limit_cost"] == 0))
        limit = f["repos_with_new"] + f["new_prs"]
        cost = f["with_new_rate_limit_cost"]
        rows.append(row("sync", f"{platform} hourly sync, {f['new_prs']} new PRs: rate-limit cost", cost,
                        target=f"<= {limit}", met=cost <= limit))
    faults = figures["faults"]
    rows.append(row("sync", f"first sync, {faults['rate']:.0%} of answers failing", faults["requests"],
                    unit="requests", target=f"<= {TARGET_REQUEST_RATIO}× fault-free, same PRs",
                    baseline=faults["fault_free_requests"],
                    met=faults["same_result"] and faults["request_ratio"] <= TARGET_REQUEST_RATIO))
    rows.append(row("sync", f"first sync, {faults['rate']:.0%} of answers failing: wall time", faults["seconds"],
                    unit="s", baseline=faults["fault_free_seconds"]))
    storage = figures["storage"]
    rows.append(row("sync", f"storage of {storage['rows']:,} contributions (upsert)", storage["upsert_per_s"],
                    unit="rows/s", target=">= 0.5× bulk_create", baseline=storage["bulk_create_per_s"],
                    met=storage["ratio"] >= 0.5))
    return rows


def _report_requests(figures: dict, out: TextIO) -> None:
    """Print requests per steady-state sync and per sync with new PRs, against their targets."""
    for platform in PLATFORMS:
        f = figures[platform]
        out.write(f"  {platform:<6} first sync {f['first_sync_requests']:>6} requests in {f['first_sync_s']:>5}s | "
                  f"no new data: {f['steady_requests']} requests, {f['steady_304']} answered 304, rate-limit cost "
                  f"{f['steady_rate_limit_cost']} (target 0) | {f['new_prs']} new student PRs in "
                  f"{f['repos_with_new']} repos: cost {f['with_new_rate_limit_cost']} "
                  f"(target <= {f['repos_with_new'] + f['new_prs']})")
