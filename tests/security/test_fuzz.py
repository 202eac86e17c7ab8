"""Hypothesis fuzzing of every parser of outside input: nothing but a validation error, ever."""
from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.roster_csv import parse_roster
from accounts.text_input import cell_problem, shown
from credits.forges.specs import SpecError, login_check, parse_identity, parse_repository, repository_path_check
from credits.rules import PolicyError, parse_policy
from tests.credits.services.rules_helpers import simple_policy

pytestmark = pytest.mark.security
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SPEC_CHARS = string.ascii_letters + string.digits + "-_./:%@?#\\ \x00\u202e０ａ"
specs = st.text(alphabet=SPEC_CHARS, max_size=60) | st.text(max_size=40)


@FAST
@given(spec=specs)
def test_spec_parsers_raise_only_spec_errors(spec):
    for parse in (parse_repository, parse_identity):
        try:
            parsed = parse(spec)
        except SpecError:
            continue
        # What passes is exactly what the forge's syntax allows: no traversal, no encoding, no query.
        text = str(parsed)
        assert ".." not in text.split("/") and "%" not in text and "?" not in text and "\x00" not in text


@FAST
@given(platform=st.sampled_from(["github", "gitee", "gitlab", "bitbucket"]), value=specs)
def test_login_and_path_checks_raise_only_spec_errors(platform, value):
    for check in (login_check, repository_path_check):
        try:
            check(platform, value)
        except SpecError:
            pass


# Policy documents: the valid one with a line replaced by fuzz, structured YAML, and raw text.
yaml_scalars = st.one_of(st.integers(), st.decimals(allow_nan=True), st.text(max_size=20), st.booleans(),
                         st.just("1e999999999"), st.just("-.inf"), st.just("*alias"), st.just("&a [1]"))


@FAST
@given(line=st.integers(min_value=0, max_value=100), value=yaml_scalars)
def test_the_policy_parser_answers_fuzzed_values_with_policy_errors_only(line, value):
    lines = simple_policy().splitlines()
    line %= len(lines)
    key = lines[line].split(":", 1)[0] if ":" in lines[line] else "x"
    lines[line] = f"{key}: {value}"
    try:
        parse_policy("\n".join(lines), "fuzz.yaml")
    except PolicyError as exc:
        assert exc.problems


@FAST
@given(text=st.text(max_size=300) | st.text(alphabet="[]{}:,-&*!|>'\"#\n ?%@`", max_size=300))
def test_the_policy_parser_answers_raw_text_with_policy_errors_only(text):
    try:
        parse_policy(text, "fuzz.yaml")
    except PolicyError as exc:
        assert all(p.line is None or p.line >= 1 for p in exc.problems)


cells = st.text(max_size=12) | st.sampled_from(["王小明", "x209900020", "a@b.cn", "cs", "\x00", "\u202e", "\n"])


@SLOW
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=8), max_size=6),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16"]))
def test_the_roster_parser_reports_problems_and_never_raises(rows, encoding):
    lines = ["student_id,name,email,department,github"] + [",".join(r) for r in rows]
    try:
        data = "\n".join(lines).encode(encoding)
    except UnicodeEncodeError:
        return
    parsed = parse_roster(data)
    for error in parsed.errors:
        assert "\x00" not in str(error) and "\u202e" not in str(error)
    for row in parsed.rows:
        assert not any(cell_problem(v) for v in (row.student_id, row.name, row.email, row.department))


@SLOW
@given(data=st.binary(max_size=400))
def test_the_roster_parser_survives_arbitrary_bytes(data):
    parsed = parse_roster(data)
    assert parsed.errors or parsed.rows


@FAST
@given(value=st.text(max_size=80))
def test_shown_values_carry_no_control_or_bidi_characters(value):
    assert cell_problem(shown(value)) is None


org_cells = cells | st.sampled_from(["cs", "reviewer", "department", "academic_affairs", "计算机学院", "", "a;b"])


@SLOW
@pytest.mark.django_db
@given(rows=st.lists(st.lists(org_cells, min_size=0, max_size=7), max_size=5),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "big5"]))
@example(rows=[["cs", "计算\u202e学院", "CS"]], encoding="utf-8")
@example(rows=[["li\x1b", "李\u202e老师", "li@example.edu", "registrar", "", ""]], encoding="utf-8")
def test_the_department_and_staff_importers_report_problems_and_never_raise(rows, encoding):
    from accounts.services.departments import departments_import
    from accounts.services.staff import staff_import

    for header, importer in (("code,name_zh,name_en", departments_import),
                             ("username,name,email,role,stage,department", staff_import)):
        try:
            data = "\n".join([header] + [",".join(r) for r in rows]).encode(encoding)
        except UnicodeEncodeError:
            continue
        result = importer(data=data, actor=None)
        assert result.applied or result.errors
        for error in result.errors:
            assert "\x00" not in str(error) and "\u202e" not in str(error)
    from accounts.models import Department, User

    stored = list(Department.objects.values_list("code", "name", "name_en")) + list(
        User.objects.values_list("username", "display_name", "email"))
    assert not any(cell_problem(value) for row in stored for value in row)
