"""`bench export`: 100k approved records through the CSV export path, against a plain csv.writer, same run."""
from __future__ import annotations

import csv
import io
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal
from typing import TextIO

from credits.bench.sync import scratch_database

TARGET_RATIO = 0.8  # at least this share of the plain writer's rows per second
TARGET_MEMORY_MB = 50.0  # peak Python memory growth while writing the file
BULK = 5000


def _name(i: int) -> str:
    """Names in several scripts, and now and then one a spreadsheet would run as a formula."""
    return "=SUM(A1)" if i % 100 == 0 else ("欧阳娜娜", "Zoë Łukasz", "阿依古丽")[i % 3]


def _seed(n: int) -> int:
    """n students, each with one approved record of one term carrying one credited contribution; a batch id."""
    from accounts.models import Department, ForgeIdentity, StudentProfile, User, Verification
    from credits.bench.rules import POLICY_FILE
    from credits.models import Contribution, CreditLine, CreditRecord, Repository, Term
    from credits.services.exports import batch_create
    from credits.services.policies import policy_publish

    version = policy_publish(text=POLICY_FILE.read_text(encoding="utf-8"), source=str(POLICY_FILE)).version
    term = Term.objects.create(code="2026-autumn", name_zh="2026年秋季学期", name_en="Autumn 2026",
                               starts_on=datetime(2026, 9, 1).date(), ends_on=datetime(2027, 1, 31).date())
    department = Department.objects.create(code="bench", name="计算机科学与技术学院", name_en="Computer Science")
    approver = User.objects.create(username="prof_bench", display_name="王老师")
    now = datetime(2026, 12, 20, 2, 30, tzinfo=UTC)
    repository = Repository.objects.create(platform="github", path="deepseek-ai/DeepSeek-V3", external_id=1)
    identity = ForgeIdentity.objects.create(user=approver, platform="github", external_id=7, login="bench",
                                            verified_via=Verification.OPERATOR, verified_at=now)
    contributions = Contribution.objects.bulk_create([Contribution(
        identity=identity, repository=repository, platform="github", external_id=i, number=i, title=f"PR {i}",
        url=f"https://github.com/deepseek-ai/DeepSeek-V3/pull/{i}", created_at=now, merged_at=now, updated_at=now,
        author_login="bench", author_external_id=7) for i in range(1, 101)])
    for start in range(0, n, BULK):
        size = min(BULK, n - start)
        users = User.objects.bulk_create([User(username=f"b{start + i:07d}") for i in range(size)])
        StudentProfile.objects.bulk_create([StudentProfile(
            user=u, student_id=f"2026{start + i:07d}", name=_name(start + i), department=department)
            for i, u in enumerate(users)])
        records = CreditRecord.objects.bulk_create([CreditRecord(
            student=u, term=term, policy_version=version, course_code="AIOS1001", credits=Decimal("1.50"),
            status="approved", evaluated_at=now, decided_by=approver, decided_at=now) for u in users])
        CreditLine.objects.bulk_create([CreditLine(
            record=r, contribution=contributions[i % 100], contribution_key=str(i), position=1, outcome="credited",
            rule="merged_pr", reason="ok", reason_zh="通过") for i, r in enumerate(records)])
    return batch_create(term=term, actor=approver).id


def _plain(batch_id: int, out) -> int:
    """The baseline: the batch's row query written as it comes by a bare csv.writer (no formatting, no checks)."""
    from credits.selectors.exports import CHUNK, batch_row_query

    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    n = 0
    for row in batch_row_query(batch_id).iterator(chunk_size=CHUNK):
        writer.writerow(row)
        n += 1
    text.flush()
    text.detach()
    return n


def _ours(batch_id: int, out) -> int:
    """The export path: the batch's rows streamed, neutralised and written in its format."""
    from credits.exporting.formats import ExportFormat
    from credits.models import ExportBatch
    from credits.services.exports import _write_file

    batch = ExportBatch.objects.select_related("term").get(id=batch_id)
    return _write_file(batch, ExportFormat.model_validate(batch.format_spec), out)


def _timed(batch_id: int, rounds: int) -> dict[str, tuple[float, int]]:
    """Best time of each writer over `rounds`, alternating them so a busy machine slows both alike."""
    best: dict[str, tuple[float, int]] = {}
    for _ in range(rounds):
        for name, fn in (("plain", _plain), ("ours", _ours)):
            with tempfile.TemporaryFile() as out:
                start = time.perf_counter()
                rows = fn(batch_id, out)
                elapsed = time.perf_counter() - start
            if name not in best or elapsed < best[name][0]:
                best[name] = (elapsed, rows)
    return best


def _peak_mb(fn, batch_id: int) -> float:
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            fn(batch_id, out)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak / 2**20


def run(quick: bool, out: TextIO) -> dict:
    """Seed a scratch database, then time and measure both writers over the same batch."""
    from django.conf import settings

    n = 5_000 if quick else 100_000
    with scratch_database(), tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = media
        t0 = time.perf_counter()
        batch_id = _seed(n)
        seed_s = time.perf_counter() - t0
        timed = _timed(batch_id, 3)
        (plain_s, plain_rows), (ours_s, our_rows) = timed["plain"], timed["ours"]
        plain_mb, ours_mb = _peak_mb(_plain, batch_id), _peak_mb(_ours, batch_id)
    ratio = (our_rows / ours_s) / (plain_rows / plain_s)
    figures = {
        "records": n, "seed_and_claim_seconds": round(seed_s, 1),
        "export_rows_per_second": round(our_rows / ours_s), "plain_rows_per_second": round(plain_rows / plain_s),
        "ratio_to_plain": round(ratio, 2), "ratio_target": TARGET_RATIO, "ratio_met": ratio >= TARGET_RATIO,
        "export_peak_mb": round(ours_mb, 1), "plain_peak_mb": round(plain_mb, 1),
        "memory_target_mb": TARGET_MEMORY_MB, "memory_met": ours_mb < TARGET_MEMORY_MB,
    }
    out.write(f"bench export ({'quick' if quick else 'full'}): {n:,} approved records, one batch, CSV UTF-8-BOM\n")
    out.write(f"  export path  {figures['export_rows_per_second']:>9,} rows/s  peak memory +{ours_mb:.1f} MB "
              f"(target < {TARGET_MEMORY_MB:.0f} MB: {'met' if figures['memory_met'] else 'MISSED'})\n")
    out.write(f"  csv.writer   {figures['plain_rows_per_second']:>9,} rows/s  peak memory +{plain_mb:.1f} MB "
              f"(same query, raw values, no formatting)\n")
    out.write(f"  ratio {ratio:.2f}× of the plain writer (target ≥ {TARGET_RATIO}: "
              f"{'met' if figures['ratio_met'] else 'MISSED'});  seeding and claim {seed_s:.1f} s\n")
    return figures
