"""Operator commands: clear errors and non-zero exits on bad input, nothing partial written."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from accounts.models import ForgeIdentity
from credits.models import AuditEvent, Contribution, Repository
from tests.credits.sync_helpers import link, register
from tests.factories import student
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db


def run(*args, lang: str = "en") -> str:
    out = StringIO()
    call_command(*args, "--lang", lang, stdout=out)
    return out.getvalue()


def refusal(*args, lang: str) -> str:
    """What a refused run printed: its error lines and the CommandError."""
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(*args, "--lang", lang, stdout=StringIO(), stderr=err)
    return err.getvalue() + str(refused.value) + "\n"


def test_add_repository_resolves_the_forge_id_and_audits(sim):
    output = run("add_repository", "github:deepseek-ai/DeepSeek-V3", "--tier", "core")

    repository = Repository.objects.get()
    assert repository.external_id == sim.world.repo("github", "deepseek-ai/DeepSeek-V3").id
    assert repository.tier == "core" and "registered github:deepseek-ai/DeepSeek-V3" in output
    assert AuditEvent.objects.filter(action="repository_add", subject_id=str(repository.pk)).exists()


@pytest.mark.parametrize("spec, message", [
    ("deepseek-ai/DeepSeek-V3", "PLATFORM:VALUE"),
    ("bitbucket:a/b", "unknown platform"),
    ("github:just-a-name", "owner/name"),
    ("github:nobody/nothing", "404"),
])
def test_add_repository_refuses_bad_specs_and_unknown_repositories(sim, spec, message):
    with pytest.raises(CommandError, match=message):
        run("add_repository", spec)
    assert not Repository.objects.exists()


def test_add_repository_twice_updates_the_same_entry(sim):
    run("add_repository", "github:QwenLM/Qwen3")
    run("add_repository", "github:qwenlm/qwen3", "--tier", "core")

    assert Repository.objects.get().tier == "core"


def test_load_repositories_is_all_or_nothing(sim, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("repositories:\n  - {spec: 'github:QwenLM/Qwen3', tier: core}\n"
                    "  - {spec: 'github:PaddlePaddle/Paddle'}\n"
                    "  - {spec: 'gitee:paddlepaddle/Paddle', mirror_of: 'github:PaddlePaddle/Paddle'}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("repositories:\n  - github:QwenLM/Qwen3\n  - github:no-such/repo\n")

    with pytest.raises(CommandError, match="no-such/repo"):
        run("load_repositories", str(bad))
    assert not Repository.objects.exists()
    run("load_repositories", str(good))
    mirror = Repository.objects.get(platform="gitee")
    assert Repository.objects.count() == 3 and mirror.mirror_of.spec == "github:PaddlePaddle/Paddle"


def test_load_repositories_names_the_entry_that_is_malformed(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("repositories:\n  - {spec: 'github:a/b', colour: red}\n")

    with pytest.raises(CommandError, match="entry 1"):
        run("load_repositories", str(bad))


def test_link_identity_resolves_the_numeric_id_and_records_the_operator(sim):
    from tests.factories import UserFactory

    profile = student(student_id="202600002")
    operator = UserFactory(username="ops-chen", is_staff=True)

    output = run("link_identity", "202600002", "github:lihua-nlp", "--by", "ops-chen")

    identity = ForgeIdentity.objects.get(user=profile.user)
    assert (identity.external_id, identity.verified_via) == (1002, "operator")
    assert identity.verified_by == operator
    event = AuditEvent.objects.get(action="identity_link", subject_id=str(identity.pk))
    assert event.actor == operator
    assert "linked github:lihua-nlp" in output


def test_link_identity_without_by_never_records_the_student_as_the_verifier(sim):
    profile = student(student_id="202600002")

    run("link_identity", "202600002", "github:lihua-nlp")

    identity = ForgeIdentity.objects.get(user=profile.user)
    event = AuditEvent.objects.get(action="identity_link", subject_id=str(identity.pk))
    assert identity.verified_by is None and event.actor != profile.user


@pytest.mark.parametrize("args, message", [
    (["209999999", "github:lihua-nlp"], "no student"),
    (["202600002", "github:ghost-user"], "404"),
    (["202600002", "lihua-nlp"], "PLATFORM:VALUE"),
])
def test_link_identity_rejects_unknown_students_logins_and_specs(sim, args, message):
    student(student_id="202600002")
    with pytest.raises(CommandError, match=message):
        run("link_identity", *args)
    assert not ForgeIdentity.objects.exists()


def test_link_identity_refuses_an_account_linked_to_someone_else(sim):
    link(sim, "lihua")  # already linked to another student
    student(student_id="202600099")

    with pytest.raises(CommandError, match="already linked|已关联到其他人"):
        run("link_identity", "202600099", "github:lihua-nlp")


def test_sync_wait_reports_seen_stored_requests_and_rate_limit(sim):
    link(sim, "wangxm")
    register(sim, "github:deepseek-ai/DeepSeek-V3")

    output = run("sync", "--wait", "--repository", "github:deepseek-ai/DeepSeek-V3")

    assert "PRs seen: 4  stored: 1  requests spent: 2" in output  # the list page and one detail
    assert "rate limit left: 4999" in output  # the pool spread the two requests over two tokens
    assert Contribution.objects.count() == 1


def test_sync_wait_exits_non_zero_and_names_the_failing_repository(sim, settings):
    link(sim, "wangxm")
    register(sim, "github:deepseek-ai/DeepSeek-V3")
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": ["ghp_revoked_token"]}

    with pytest.raises(CommandError, match="github:deepseek-ai/DeepSeek-V3: GitHub rejected the token"):
        run("sync", "--wait")


def test_sync_of_an_unregistered_repository_is_refused(sim):
    with pytest.raises(CommandError, match="not an active registry repository"):
        run("sync", "--repository", "github:QwenLM/Qwen3")


def test_setup_periodic_tasks_is_idempotent():
    run("setup_periodic_tasks")
    run("setup_periodic_tasks")

    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["xuefen: hourly repository sync"] == "credits.tasks.sync_all_repositories"
    assert tasks["xuefen: overdue-sync sweep"] == "credits.tasks.sync_overdue_repositories"
    from credits.management.commands.setup_periodic_tasks import SCHEDULES

    assert PeriodicTask.objects.count() == len(SCHEDULES)  # the second run updated, never duplicated


def test_add_repository_refuses_a_tier_no_policy_weights(sim):
    with pytest.raises(CommandError, match="tier 'gold' is not in any credit policy"):
        run("add_repository", "github:QwenLM/Qwen3", "--tier", "gold")
    assert not Repository.objects.exists()


def test_load_repositories_names_the_entry_with_an_unknown_tier(sim, tmp_path):
    bad = tmp_path / "tiers.yaml"
    bad.write_text("repositories:\n  - {spec: 'github:QwenLM/Qwen3', tier: core}\n"
                   "  - {spec: 'github:PaddlePaddle/Paddle', tier: platinum}\n")

    with pytest.raises(CommandError, match="github:PaddlePaddle/Paddle: tier 'platinum'"):
        run("load_repositories", str(bad))
    assert not Repository.objects.exists()


@pytest.mark.parametrize("args, message", [
    (["--student", "209999999"], "no student with student id"),
    (["--student", "202600001", "--platform", "gitee"], "no linked gitee identity"),
])
def test_sync_for_a_student_names_what_is_missing(sim, args, message):
    link(sim, "wangxm", platform="github")

    with pytest.raises(CommandError, match=message):
        run("sync", *args)


def test_sync_wait_has_new_contributions_evaluated_like_the_tasks_do(sim, eager_tasks,
                                                                     django_capture_on_commit_callbacks):
    from credits.models import CreditRecord, Term
    from tests.credits.services.rules_helpers import publish, simple_policy

    Term.objects.create(code="2026-spring", name_zh="2026年春季学期", name_en="Spring 2026",
                        starts_on="2026-02-01", ends_on="2026-07-31")
    publish(simple_policy(effective_from="2026-01-01"))
    link(sim, "wangxm")
    register(sim, "github:deepseek-ai/DeepSeek-V3")

    with django_capture_on_commit_callbacks(execute=True):
        run("sync", "--wait")

    assert CreditRecord.objects.filter(term__code="2026-spring").count() == 1


def test_add_repository_again_changes_nothing_unless_told_and_says_what_changed(sim):
    run("add_repository", "github:QwenLM/Qwen3", "--tier", "core")
    repository = Repository.objects.get()
    events = AuditEvent.objects.filter(subject_id=str(repository.pk)).count()

    output = run("add_repository", "github:QwenLM/Qwen3")
    assert "nothing changed" in output
    assert Repository.objects.get().tier == "core"
    assert AuditEvent.objects.filter(subject_id=str(repository.pk)).count() == events

    output = run("add_repository", "github:QwenLM/Qwen3", "--tier", "standard")
    assert "updated github:QwenLM/Qwen3: tier core -> standard" in output
    assert AuditEvent.objects.filter(action="repository_update", subject_id=str(repository.pk)).count() == 1


def test_sync_wait_prints_one_bar_a_line_per_forge_and_how_many_ran(sim, caplog):
    link(sim, "wangxm")
    register(sim, "github:deepseek-ai/DeepSeek-V3")

    output = run("sync", "--wait")

    lines = output.splitlines()
    assert lines[0].startswith("[##############################] 1/1 done")
    assert lines[1].startswith("github  PRs seen: 4")
    assert lines[-1] == "ran 1 sync"
    assert "\r" not in output  # not a terminal: no redrawn bar


def test_sync_without_a_broker_says_it_ran_the_syncs(sim, eager_tasks):
    link(sim, "wangxm")
    register(sim, "github:deepseek-ai/DeepSeek-V3")
    assert "ran 1 sync (no broker" in run("sync")


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["已登记 github:QwenLM/Qwen3（ID ", "，级别 core）",
                 "github:QwenLM/Qwen3 已登记（级别 core）；未作更改",
                 "已更新 github:QwenLM/Qwen3：级别 core -> standard",
                 "仓库 'gitee:../user'：gitee 仓库 '../user' 应为 owner/name",
                 "仓库 'bitbucket:a/b'：未知平台 'bitbucket'", "仓库 'noplatform' 应形如 PLATFORM:VALUE",
                 "仓库 'gitee:123'：Gitee 仓库以 owner/name 命名", "级别 'gold' 不在任何学分政策中",
                 "镜像来源 github:no/such 不在仓库登记册中", "已从 ", " 登记 2 个仓库", "未登记任何仓库：无法读取 ",
                 "：文件不存在", "第 1 项必须有 'spec'", "'repositories' 下应为列表", " 不是有效的 YAML："]),
    ("en", ["registered github:QwenLM/Qwen3 (id ", ", tier core)",
            "github:QwenLM/Qwen3 is already registered (tier core)",
            "updated github:QwenLM/Qwen3: tier core -> standard",
            "repository 'gitee:../user': gitee repository '../user' must be owner/name",
            "repository 'bitbucket:a/b': unknown platform 'bitbucket'", "repository 'noplatform' must look like",
            "repository 'gitee:123': Gitee repositories are named owner/name",
            "tier 'gold' is not in any credit policy",
            "mirror source github:no/such is not in the registry", "2 repositories registered from ",
            "nothing loaded: cannot read ", ": no such file", "entry 1 must have 'spec'",
            "expected a list under 'repositories'", " is not valid YAML: "]),
])
def test_each_run_of_the_registry_commands_speaks_one_language(sim, tmp_path, language, words):
    printed = run("add_repository", "github:QwenLM/Qwen3", "--tier", "core", lang=language)
    printed += run("add_repository", "github:QwenLM/Qwen3", lang=language)
    printed += run("add_repository", "github:QwenLM/Qwen3", "--tier", "standard", lang=language)
    for spec in ("gitee:../user", "bitbucket:a/b", "noplatform", "gitee:123"):
        printed += refusal("add_repository", spec, lang=language)
    printed += refusal("add_repository", "github:PaddlePaddle/Paddle", "--tier", "gold", lang=language)
    printed += refusal("add_repository", "github:PaddlePaddle/Paddle", "--mirror-of", "github:no/such", lang=language)
    good, malformed, flat = tmp_path / "good.yaml", tmp_path / "malformed.yaml", tmp_path / "flat.yaml"
    good.write_text("repositories:\n  - {spec: 'github:PaddlePaddle/Paddle'}\n"
                    "  - {spec: 'gitee:paddlepaddle/Paddle', mirror_of: 'github:PaddlePaddle/Paddle'}\n")
    malformed.write_text("repositories:\n  - {spec: 'github:a/b', colour: red}\n")
    flat.write_text("repositories: github:a/b\n")
    printed += run("load_repositories", str(good), lang=language)
    for path in (tmp_path / "missing.yaml", malformed, flat):
        printed += refusal("load_repositories", str(path), lang=language)
    unparsable = tmp_path / "unparsable.yaml"
    unparsable.write_text("repositories: [oops\n")
    # The YAML library's diagnostic (several lines, English) follows our sentence: only the first line is kept.
    printed += refusal("load_repositories", str(unparsable), lang=language).splitlines()[0] + "\n"
    for word in words:
        assert word in printed
    assert_one_language(printed, language, data=("[standard]", "PLATFORM:VALUE", "--tier", "--mirror-of",
                                                 "while parsing a flow sequence"))


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["已将 github:lihua-nlp（ID 1002）关联到 202600002 ", "没有学号为 '209999999' 的学生",
                 "账户 'lihua-nlp' 应形如 PLATFORM:VALUE",
                 "账户 'github:../repos/x'：'../repos/x' 不是有效的 github 登录名"]),
    ("en", ["linked github:lihua-nlp (id 1002) to 202600002 ", "no student with student id '209999999'",
            "identity 'lihua-nlp' must look like PLATFORM:VALUE",
            "identity 'github:../repos/x': github login '../repos/x' is not a valid github login"]),
])
def test_each_run_of_link_identity_speaks_one_language(sim, language, words):
    profile = student(student_id="202600002")
    printed = run("link_identity", "202600002", "github:lihua-nlp", lang=language)
    for args in (["209999999", "github:lihua-nlp"], ["202600002", "lihua-nlp"], ["202600002", "github:../repos/x"]):
        printed += refusal("link_identity", *args, lang=language)
    for word in words:
        assert word in printed
    assert_one_language(printed, language, data=(profile.name, "PLATFORM:VALUE"))


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["[##############################] 1/1 完成",
                 "github  查看 PR：4  存储：1  消耗请求：2  剩余速率额度：",
                 "已运行 1 次同步", "已在本进程中运行 1 次同步（没有消息代理）", "已运行 1 次同步，1 次失败",
                 "部分同步失败：",
                 "没有学号为 '209999999' 的学生", "学生 '202600001' 没有已关联的 gitee 账户",
                 "github:QwenLM/Qwen3 不是登记册中启用的仓库（请先运行 add_repository）",
                 "仓库 'QwenLM/Qwen3' 应形如 PLATFORM:VALUE", "没有可同步的内容：没有匹配的启用仓库或已关联账户"]),
    ("en", ["[##############################] 1/1 done",
            "github  PRs seen: 4  stored: 1  requests spent: 2  rate limit left: ",
            "ran 1 sync", "ran 1 sync (no broker: in this process)", "ran 1 sync, 1 failed", "some syncs failed:",
            "no student with student id '209999999'", "student '202600001' has no linked gitee identity",
            "github:QwenLM/Qwen3 is not an active registry repository (add_repository first)",
            "repository 'QwenLM/Qwen3' must look like PLATFORM:VALUE",
            "nothing to sync: no matching active repository or linked identity"]),
])
def test_each_run_of_sync_speaks_one_language(sim, settings, eager_tasks, django_capture_on_commit_callbacks,
                                              language, words):
    link(sim, "wangxm")
    register(sim, "github:deepseek-ai/DeepSeek-V3")
    printed = run("sync", "--wait", lang=language)
    with django_capture_on_commit_callbacks(execute=True):
        printed += run("sync", lang=language)  # no broker in the tests: the syncs run here
    for args in (["--student", "209999999"], ["--student", "202600001", "--platform", "gitee"],
                 ["--repository", "github:QwenLM/Qwen3"], ["--repository", "QwenLM/Qwen3"], ["--platform", "gitlab"]):
        printed += refusal("sync", *args, lang=language)
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": ["ghp_revoked_token"]}
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("sync", "--wait", "--lang", language, stdout=out, stderr=StringIO())
    # The failing repository's line quotes the forge client's diagnostic as it wrote it (English): not checked.
    printed += out.getvalue() + str(failed.value).splitlines()[0] + "\n"
    assert "github:deepseek-ai/DeepSeek-V3: GitHub rejected the token" in str(failed.value)
    for word in words:
        assert word in printed
    assert_one_language(printed, language, data=("PLATFORM:VALUE", "add_repository"))


@pytest.mark.parametrize(("language", "installed", "updated"), [
    ("zh-hans", "已安装 xuefen: hourly repository sync（credits.tasks.sync_all_repositories，每 60 分钟）",
     "已更新 xuefen: hourly repository sync（credits.tasks.sync_all_repositories，每 60 分钟）"),
    ("en", "installed xuefen: hourly repository sync (credits.tasks.sync_all_repositories, every 60 min)",
     "updated xuefen: hourly repository sync (credits.tasks.sync_all_repositories, every 60 min)"),
])
def test_each_run_of_setup_periodic_tasks_speaks_one_language(language, installed, updated):
    from credits.management.commands.setup_periodic_tasks import SCHEDULES

    first, second = run("setup_periodic_tasks", lang=language), run("setup_periodic_tasks", lang=language)
    assert installed in first and updated in second
    # The schedules' names are their keys in the database (and the admin's list): printed as they are.
    assert_one_language(first + second, language, data=tuple(name for name, _task, _minutes in SCHEDULES))
