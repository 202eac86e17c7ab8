"""`policy validate/load`, `evaluate_credits` and `add_term`: bad input is refused and nothing is published."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from credits.models import CreditRecord, PolicyVersion, Term
from tests.credits.services.rules_helpers import DEFAULT, UTC, autumn, publish, simple_policy
from tests.factories import ContributionFactory, RepositoryFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> tuple[str, str]:
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command(*args, stdout=StringIO(), stderr=err)
    return str(info.value), err.getvalue()


@pytest.fixture
def write(tmp_path):
    def _write(text: str, name: str = "uni.yaml") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return _write


def test_validate_accepts_the_default_policy_without_publishing():
    out, _ = run("policy", "validate", str(DEFAULT))
    assert "valid policy 2025.1" in out
    assert not PolicyVersion.objects.exists()


def test_load_publishes_once_and_is_idempotent():
    out, _ = run("policy", "load", str(DEFAULT))
    assert "published policy 2025.1" in out
    out, _ = run("policy", "load", str(DEFAULT))
    assert "already published" in out and PolicyVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("caps:", "caps: [oops"), "YAML error"),
        (("  bots: true", "  bots: true\n  robots: true"), "exclusions.robots: unknown key"),
        (("maturation_days: 7", "maturation_days: -7"), "maturation_days: Input should be greater than or equal to 0"),
        (("per_term: 2 ", "per_term: 0.5 "), "caps.per_term: cap 0.5 is below the value of a single contribution"),
    ],
)
@pytest.mark.parametrize("action", ["validate", "load"])
def test_bad_policy_files_are_refused_with_file_line_and_field(write, change, expected, action):
    text = DEFAULT.read_text(encoding="utf-8").replace(*change)
    path = write(text)
    message, err = refused("policy", action, path)
    assert "nothing was published" in message
    assert expected in err and err.startswith(f"{path}:")
    assert err.split(":")[1].isdigit()  # the line number
    assert not PolicyVersion.objects.exists()


def test_overlapping_dates_are_refused_by_validate_and_load(write):
    publish(simple_policy("v1", "2026-08-01", until="2027-07-31"))
    path = write(simple_policy("v2", "2026-09-01"))
    for action in ("validate", "load"):
        _, err = refused("policy", action, path)
        assert "effective_from: effective dates 2026-09-01..open overlap published version v1" in err
    assert PolicyVersion.objects.count() == 1


def test_missing_and_non_utf8_files_are_clear_errors(tmp_path):
    assert "no such file" in refused("policy", "validate", str(tmp_path / "nope.yaml"))[0]
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("title_zh: 学分".encode("gbk"))
    assert "not UTF-8" in refused("policy", "load", str(gbk))[0]


def test_evaluate_credits_builds_records_and_reports():
    term = autumn()
    publish()
    ContributionFactory(repository=RepositoryFactory(tier="standard"), merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    out, _ = run("evaluate_credits", "--term", term.code)
    assert "term 2026-autumn under policy s1: 1 students (created 1)" in out
    assert CreditRecord.objects.count() == 1


def test_evaluate_credits_without_policy_or_term_gives_a_clear_message():
    autumn()
    message, _ = refused("evaluate_credits", "--term", "2026-autumn")
    assert "no published credit policy covers term 2026-autumn" in message
    message, _ = refused("evaluate_credits", "--term", "2030-spring")
    assert "no term '2030-spring' (known terms: 2026-autumn)" in message


def test_add_term_creates_and_refuses_overlaps():
    out, _ = run("add_term", "2026-autumn", "--starts", "2026-09-01", "--ends", "2027-01-31")
    assert Term.objects.get().name_zh == "2026年秋季学期"
    message, _ = refused("add_term", "2027-winter", "--starts", "2027-01-20", "--ends", "2027-02-20")
    assert "overlaps 2026-autumn" in message


def test_list_and_diff_show_published_versions():
    publish(simple_policy("v1", "2026-08-01", until="2027-07-31"))
    publish(simple_policy("v2", "2027-08-01").replace("maturation_days: 7", "maturation_days: 14"))
    out, _ = run("policy", "list")
    assert out.splitlines()[1].startswith("v1\t2026-08-01..2027-07-31\tAI101")
    out, _ = run("policy", "diff", "v1", "v2")
    assert "maturation_days: 7 -> 14" in out and "effective_until: '2027-07-31' -> None" in out
    assert "no published version v9" in refused("policy", "diff", "v1", "v9")[0]


def test_list_shows_the_computed_end_and_local_publication_times():
    publish(simple_policy("v1", "2026-08-01"))
    publish(simple_policy("v2", "2027-08-01").replace("maturation_days: 7", "maturation_days: 14"))
    out, _ = run("policy", "list")
    header, first, second = out.splitlines()
    assert header.split("\t")[3] == "published (Asia/Shanghai)"
    assert first.startswith("v1\t2026-08-01..2027-07-31\t")  # ends the day before v2 starts
    assert second.startswith("v2\t2027-08-01..open\t")
    published = PolicyVersion.objects.get(version="v1").published_at
    from django.utils import timezone

    assert f"{timezone.localtime(published):%Y-%m-%d %H:%M} CST" in first
