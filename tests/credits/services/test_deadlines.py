"""Deadlines: a term's review deadline per stage marks waiting records overdue in the queue and the backlog."""
from __future__ import annotations

import datetime as dt

import pytest

from credits.selectors.review import backlog, overdue
from credits.services.policies import term_update
from credits.services.records import record_submit

from .records_helpers import NOW, build_uni

pytestmark = pytest.mark.django_db


def test_a_record_past_its_stages_deadline_is_overdue_in_the_backlog():
    uni = build_uni()
    late, fine = uni.record(uni.alice), uni.record(uni.carol)
    for record, profile in ((late, uni.alice), (fine, uni.carol)):
        record_submit(record_id=record.pk, actor=profile.user, now=NOW)
    term_update(term_id=uni.term.pk, review_deadlines={"advisor": "2026-10-01"})
    late.refresh_from_db()
    assert overdue(late, dt.date(2026, 10, 2)) and not overdue(late, dt.date(2026, 10, 1))
    rows = {r["department"]: r for r in backlog(today=dt.date(2026, 10, 2))}
    assert rows["cs"]["overdue"] == 1 and rows["cs"]["count"] == 1 and rows["cs"]["stage"] == "advisor"
    assert rows["math"]["overdue"] == 1  # carol's record waits at the advisor stage too (she has none)


def test_a_deadline_that_is_not_a_date_is_refused():
    uni = build_uni()
    with pytest.raises(ValueError, match="not a date"):
        term_update(term_id=uni.term.pk, review_deadlines={"advisor": "soon"})
