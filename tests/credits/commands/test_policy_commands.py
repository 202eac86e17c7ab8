"""`policy validate/load`, `evaluate_credits` and `add_term`: bad input is refused and nothing is published."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from credits.models import CreditRecord, PolicyVersion, Term
from tests.credits.services.rules_helpers import DEFAULT, UTC, autumn, publish, simple_policy
from tests.factories import ContributionFactory, RepositoryFactory
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db


def run(*args, lang: str = "en"):
    out, err = StringIO(), StringIO()
    call_command(*args, "--lang", lang, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args, lang: str = "en") -> tuple[str, str]:
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command(*args, "--lang", lang, stdout=StringIO(), stderr=err)
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


def test_list_on_an_empty_database_says_so_instead_of_crashing():
    assert run("policy", "list")[0].splitlines()[1] == "no published policy version yet"
    assert run("policy", "list", lang="zh-hans")[0].splitlines()[1] == "尚无已发布的政策版本"


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


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["：政策 v1 有效（自 2026-08-01 起生效，课程 AI101）", "发布政策 v1（ID ",
                 "生效期 2026-08-01..2027-07-31）",
                 " 已作为政策 v1 发布（ID ", "版本\t生效期\t课程\t发布时间（Asia/Shanghai）\t来源",
                 "v2\t2027-08-01..不限\t",
                 "设置相同", "没有已发布的版本 v9", "：有 1 个问题，已拒绝；未发布任何内容",
                 "effective_from: 生效期 2026-09-01..不限 与已发布的版本 v1（2026-08-01..2027-07-31）重叠",
                 "：无法读取（文件不存在）", "：无法读取（这是一个目录）", "：不是 UTF-8 文本（第 ",
                 "：文档过大（最多 "]),
    ("en", [": valid policy v1 (effective from 2026-08-01, course AI101)", "published policy v1 from ",
            "effective 2026-08-01..2027-07-31)", " is already published as policy v1 (id ",
            "version\teffective\tcourse\tpublished (Asia/Shanghai)\tsource", "v2\t2027-08-01..open\t", "same settings",
            "no published version v9", ": refused with 1 problem; nothing was published",
            "effective_from: effective dates 2026-09-01..open overlap published version v1 (2026-08-01..2027-07-31)",
            ": cannot read (no such file)", ": cannot read (it is a directory)", ": not UTF-8 text (",
            ": the document is too large (at most "]),
])
def test_each_run_of_policy_speaks_one_language(write, tmp_path, language, words):
    v1 = write(simple_policy("v1", "2026-08-01", until="2027-07-31"), "v1.yaml")
    printed = "".join(run("policy", action, v1, lang=language)[0] for action in ("validate", "load", "load"))
    publish(simple_policy("v2", "2027-08-01"))
    listing = run("policy", "list", lang=language)[0]  # the header is words; the rows are data
    printed += listing.splitlines()[0] + "\n" + run("policy", "diff", "v1", "v1", lang=language)[0]
    gbk, big = tmp_path / "gbk.yaml", tmp_path / "big.yaml"
    gbk.write_bytes("title_zh: 学分".encode("gbk"))
    big.write_text("#" * 300_000)
    for args in (["diff", "v1", "v9"], ["validate", write(simple_policy("v3", "2026-09-01"), "v3.yaml")],
                 ["load", str(tmp_path / "nope.yaml")], ["load", str(tmp_path)], ["validate", str(gbk)],
                 ["validate", str(big)]):
        message, err = refused("policy", *args, lang=language)
        printed += err + message + "\n"
    for word in words:
        assert word in (printed + listing).replace(str(tmp_path), "")
    assert_one_language(printed, language, data=("effective_from", "AI101", "Asia/Shanghai"))


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["学期 2026-autumn（政策 s1）：1 名学生（新建 1）", "学期 2026-autumn（政策 s1）：1 名学生（未变 1）",
                 "没有学期 '2030-spring'（已有学期：2026-autumn）", "没有这些学生：TYPO；未评估任何学生",
                 "没有已发布的学分政策覆盖学期 2026-spring（开始于 2026-02-01）",
                 "已创建学期 2026-spring 2026-02-01..2026-07-31",
                 "2027-fall：学期代码应形如 2026-autumn",
                 "2027-winter：学期 2027-winter（2027-01-20..2027-02-20）与 2026-autumn（2026-09-01..2027-01-31）重叠",
                 "学期 2028-spring 的结束日（2028-01-01）早于开始日（2028-02-01）"]),
    ("en", ["term 2026-autumn under policy s1: 1 students (created 1)",
            "term 2026-autumn under policy s1: 1 students (unchanged 1)",
            "no term '2030-spring' (known terms: 2026-autumn)", "no such student: TYPO; nothing was evaluated",
            "no published credit policy covers term 2026-spring (starts 2026-02-01)",
            "term 2026-spring 2026-02-01..2026-07-31 created", "2027-fall: a term code looks like 2026-autumn",
            "2027-winter: term 2027-winter (2027-01-20..2027-02-20) overlaps 2026-autumn (2026-09-01..2027-01-31)",
            "term 2028-spring ends (2028-01-01) before it starts (2028-02-01)"]),
])
def test_each_run_of_evaluate_credits_and_add_term_speaks_one_language(language, words):
    term = autumn()
    publish()
    ContributionFactory(repository=RepositoryFactory(tier="standard"), merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    printed = run("evaluate_credits", "--term", term.code, lang=language)[0]
    printed += run("evaluate_credits", "--term", term.code, lang=language)[0]
    printed += refused("evaluate_credits", "--term", "2030-spring", lang=language)[0] + "\n"
    printed += refused("evaluate_credits", "--term", term.code, "--student", "TYPO", lang=language)[0] + "\n"
    printed += run("add_term", "2026-spring", "--starts", "2026-02-01", "--ends", "2026-07-31", lang=language)[0]
    printed += refused("evaluate_credits", "--term", "2026-spring", lang=language)[0] + "\n"  # before every policy
    for args in (["2027-fall", "--starts", "2027-09-01", "--ends", "2028-01-31"],
                 ["2027-winter", "--starts", "2027-01-20", "--ends", "2027-02-20"],
                 ["2028-spring", "--starts", "2028-02-01", "--ends", "2028-01-01"]):
        printed += refused("add_term", *args, lang=language)[0] + "\n"
    for word in words:
        assert word in printed
    assert_one_language(printed, language, data=("`manage.py policy load FILE`", "TYPO"))
