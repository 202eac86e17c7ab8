"""`manage.py demo --no-serve` narrates in one language: Chinese by default, English with `--lang en`.

The mails it prints (the console mail backend) are quoted in their recipient's language; they are left out of
the check, and the narration around them is checked line by line. Names (students, departments) are data.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.one_language import assert_one_language

ROOT = Path(__file__).resolve().parents[3]
PULLS, SEED = 400, 2026  # the world of a default run (with --pulls 400): one record is returned, one rejected
MAIL = re.compile(r"^Content-Type: .*?^-{79}$\n?", re.M | re.S)  # one mail as the console backend prints it
ELAPSED = re.compile(r"^\[ *\d+\.\ds\] ?", re.M)  # the seconds each narration line starts with


def demo_env(tmp: Path, database: Path) -> dict[str, str]:
    """The embedded defaults, as .ci/run runs the demo (no DATABASE_URL or broker of the suite's)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    return env | {"DATABASE_URL": f"sqlite:///{database}", "MEDIA_ROOT": str(tmp / "media")}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("demo")
    database = tmp / "empty.sqlite3"
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT,
                   env=demo_env(tmp, database), check=True, timeout=120)
    return database


def names() -> tuple[str, ...]:
    from forgesim.generator import generate

    world = generate(PULLS, seed=SEED, n_students=40)
    people = [u.student for u in world.users.values() if getattr(u, "student", None)]
    return tuple(sorted({p["name"] for p in people} | {p["department"] for p in people}, key=len, reverse=True))


@pytest.mark.parametrize(("args", "language", "words"), [
    ([], "zh-hans", ["已登记 47 个仓库", "已加入 47 个同步任务", "每名学生已合并的 PR（",
                     "API 请求（回填 + 首次同步）：", "学分政策：版本 2025.1（已发布）", "[计入] ",
                     "审核环节：导师审核 → 学院初审 → 教务处终审", "学院初审退回了 #", "各状态的记录：已批准 ",
                     "哈希链完整", "教务处导出：2026-spring 的批次 1"]),
    (["--lang", "en"], "en", ["Registered 47 repositories", "enqueued 47 sync task(s)",
                              "Merged PRs found per student (", "API requests (backfill + first sync):",
                              "Credit policy: version 2025.1 (published)", "[credited] ",
                              "Approval stages: Advisor review → Department review", "Department review returned #",
                              "Records per status: approved ", "hash chain intact",
                              "Registrar export: batch 1 of 2026-spring"]),
])
def test_the_demo_narrates_in_one_language(migrated, tmp_path, args, language, words):
    database = tmp_path / "demo.sqlite3"
    shutil.copy(migrated, database)
    run = subprocess.run([sys.executable, "manage.py", "demo", "--no-serve", "--pulls", str(PULLS), *args], cwd=ROOT,
                         env=demo_env(tmp_path, database), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    mails = MAIL.findall(run.stdout)
    narration = ELAPSED.sub("", MAIL.sub("", run.stdout))
    for word in words:
        assert word in narration
    assert mails and all("当前状态" in mail or "异议" in mail for mail in mails)  # the recipients' language
    # In an English run the Chinese names are data; in a Chinese run they are Chinese like the rest.
    assert_one_language(narration, language, data=names() if language == "en" else ())
