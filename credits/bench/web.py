"""`bench web`: p50/p95 server time and queries of the busiest pages, at full size and at a tenth of it."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal
from typing import TextIO

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone, translation

TARGET_P95_MS = 100.0
TARGET_QUERIES = 15
# (students, contributions, records); the university and a tenth of it; --quick is small.
FULL = (10_000, 1_000_000, 20_000)
QUICK = (500, 20_000, 1_000)
# (label, URL name, who looks, whether the URL takes the measured record's id)
PAGES = [
    ("student home", "home", "student", False),
    ("credit page", "my_credit", "student", False),
    ("reviewer queue", "review_queue", "reviewer", False),
    ("record page", "record_detail", "reviewer", True),
    ("registrar overview", "registrar_overview", "registrar", False),
]
# Record statuses in rotation; waiting ones sit at the policy's first stage (department scope).
STATUSES = ["draft", "submitted", "approved", "approved", "returned"]

def _seed(students: int, contributions: int, records: int, rng: random.Random) -> dict:
    """A university in bulk: departments, students with one GitHub identity, contributions, two terms of records."""
    from accounts.models import Department, ForgeIdentity, StudentProfile, User, Verification
    from accounts.roles import Role
    from accounts.services.roles import role_grant
    from credits.models import Contribution, CreditLine, CreditRecord, Repository, Term
    from credits.services.policies import policy_publish

    from .rules import POLICY_FILE

    now = timezone.now()
    version = policy_publish(text=POLICY_FILE.read_text(encoding="utf-8").replace("2025-09-01", "2020-01-01"),
                             source="bench").version
    today = timezone.localdate()
    current = Term.objects.create(code=f"{today.year}-autumn", name_zh="本学期", name_en="This term",
                                  starts_on=today - dt.timedelta(days=120), ends_on=today + dt.timedelta(days=60))
    earlier = Term.objects.create(code=f"{today.year}-spring", name_zh="上学期", name_en="Last term",
                                  starts_on=today - dt.timedelta(days=300), ends_on=today - dt.timedelta(days=121))
    departments = Department.objects.bulk_create(
        [Department(code=f"d{i:02d}", name=f"学院{i}", name_en=f"School {i}") for i in range(20)])
    users = User.objects.bulk_create([User(username=f"s{i:06d}", password="!") for i in range(students)])
    StudentProfile.objects.bulk_create([StudentProfile(user=u, student_id=u.username, name=f"学生{i}",
                                                       department=departments[i % 20]) for i, u in enumerate(users)])
    identities = ForgeIdentity.objects.bulk_create([
        ForgeIdentity(user=u, platform="github", external_id=10_000_000 + i, login=f"stu{i}",
                      verified_via=Verification.OPERATOR, verified_at=now) for i, u in enumerate(users)])
    repos = Repository.objects.bulk_create([Repository(platform="github", path=f"org{i % 30}/model{i}",
                                                       external_id=900_000 + i) for i in range(200)])
    per = max(1, contributions // students)
    batch: list = []
    for i, identity in enumerate(identities):
        for k in range(per):
            merged = now - dt.timedelta(days=rng.randrange(2, 290), seconds=rng.randrange(86400))
            batch.append(Contribution(
                platform="github", external_id=i * per + k + 1, repository=repos[(i + k) % 200], identity=identity,
                number=k + 1, title=f"Improve model {k}", url="https://example.invalid/pr", created_at=merged,
                merged_at=merged, updated_at=merged, author_login=identity.login,
                author_external_id=identity.external_id, additions=rng.randrange(1, 400), deletions=3))
        if len(batch) >= 20_000:
            Contribution.objects.bulk_create(batch)
            batch = []
    Contribution.objects.bulk_create(batch)
    made = []
    for i in range(records):
        status = STATUSES[i % 5]
        waiting = status == "submitted"
        made.append(CreditRecord(student=users[i // 2 % students], term=current if i % 2 == 0 else earlier,
                                 policy_version=version, status=status, course_code="AIOS1001",
                                 points=Decimal(40), credits=Decimal("1.0"), evaluated_at=now,
                                 approval_stage="department" if waiting else "", stage_index=0,
                                 approval_scope="department" if waiting else "",
                                 submitted_at=now if waiting else None,
                                 status_changed_at=now - dt.timedelta(minutes=i % 5000),
                                 caps_applied=["caps.per_term"] if i % 7 == 0 else []))
    made = CreditRecord.objects.bulk_create(made, batch_size=5_000)
    # Lines for the first student's records (the page measured), plus one per other record.
    first_contributions = list(Contribution.objects.filter(identity=identities[0]).values_list("id", flat=True))
    lines = []
    for record in made:
        ids = first_contributions if record.student_id == users[0].pk else first_contributions[:1]
        lines += [CreditLine(record=record, contribution_id=cid, contribution_key=f"github:{cid}", position=n,
                             outcome="credited" if n % 3 else "refused", rule="kinds.pull_request",
                             base_points=Decimal(10), points=Decimal(10), reason="r", reason_zh="理由")
                  for n, cid in enumerate(ids)]
        if len(lines) >= 20_000:
            CreditLine.objects.bulk_create(lines)
            lines = []
    CreditLine.objects.bulk_create(lines)
    registrar = User.objects.create(username="bench-registrar")
    role_grant(user=registrar, role=Role.REGISTRAR, actor=None)
    role_grant(user=users[0], role=Role.STUDENT, actor=None)
    # The teaching secretary of the first department, whose queue holds a twentieth of the waiting records.
    reviewer = User.objects.create(username="bench-reviewer")
    role_grant(user=reviewer, role=Role.REVIEWER, actor=None, departments=[departments[0]], stage="department")
    waiting = next(r for r in made if r.student_id == users[0].pk and r.status == "submitted")
    return {"student": users[0], "registrar": registrar, "reviewer": reviewer, "record": waiting}

def _measure(people: dict, rounds: int) -> dict:
    # The test client calls itself "testserver"; a production ALLOWED_HOSTS would answer 400 to every request.
    # Each request's LocaleMiddleware activates the viewer's language in this thread: give the run its own back.
    with override_settings(ALLOWED_HOSTS=["testserver"]), translation.override(translation.get_language()):
        return _measure_pages(people, rounds)


def _measure_pages(people: dict, rounds: int) -> dict:
    figures = {}
    for label, name, viewer, needs_record in PAGES:
        url = reverse(name, args=[people["record"].pk] if needs_record else [])
        client = Client()
        client.force_login(people[viewer])
        client.get(url)  # the first request warms the session and the policy cache
        times, queries, status = [], 0, 0
        for _ in range(rounds):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            queries, status = len(captured), response.status_code
        if status != 200:
            raise RuntimeError(f"bench web: {label} ({url}) answered HTTP {status} to {viewer}")
        times.sort()
        figures[label] = {"p50_ms": round(statistics.median(times), 1),
                          "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
                          "queries": queries, "status": status}
    return figures


def run(quick: bool, out: TextIO) -> dict:
    """Seed a scratch database at full size and at a tenth, and time each page there."""
    from .sync import scratch_database

    size = QUICK if quick else FULL
    rounds = 10 if quick else 40
    figures: dict = {"quick": quick, "database": connection.vendor}
    out.write(f"bench web ({'quick' if quick else 'full'}): database {connection.vendor}, {rounds} requests a page")
    for label, scale in (("full", 1), ("tenth", 10)):
        students, contributions, records = (max(10, n // scale) for n in size)
        with scratch_database():
            started = time.perf_counter()
            people = _seed(students, contributions, records, random.Random(2026))
            seeded = time.perf_counter() - started
            out.write(f"  {label}: {students:,} students, {contributions:,} contributions, {records:,} records "
                      f"(seeded in {seeded:.0f}s)")
            pages = _measure(people, rounds)
        figures[label] = pages
        for page, f in pages.items():
            ok = f["p95_ms"] <= TARGET_P95_MS and f["queries"] <= TARGET_QUERIES
            out.write(f"    {page:<19} p50 {f['p50_ms']:>6} ms  p95 {f['p95_ms']:>6} ms  {f['queries']:>2} queries  "
                      f"(target p95 <= {TARGET_P95_MS:.0f} ms, <= {TARGET_QUERIES} queries) "
                      f"{'ok' if ok else 'MISSED'}  [HTTP {f['status']}]")
    figures["table"] = _table(figures["full"], figures["tenth"])
    return figures


def _table(full: dict, tenth: dict) -> list[dict]:
    """Rows for the shared table: each page's p95 and queries at full size, the tenth as the in-run baseline."""
    from .table import row

    rows = []
    for page, f in full.items():
        small = tenth[page]
        rows.append(row("web", f"{page} p95", f["p95_ms"], unit="ms", target=f"≤ {TARGET_P95_MS:.0f} ms",
                        baseline=small["p95_ms"], met=f["p95_ms"] <= TARGET_P95_MS))
        rows.append(row("web", f"{page} queries", f["queries"], target=f"≤ {TARGET_QUERIES}, same at a tenth",
                        baseline=small["queries"],
                        met=f["queries"] <= TARGET_QUERIES and f["queries"] == small["queries"]))
    return rows
