"""The runbook's backup: pg_dump -Fc of a live database restores with pg_restore into a working copy."""
from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
from django.db import connection

from accounts.models import Department
from tests.factories import DepartmentFactory, student

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _args() -> list[str]:
    s = connection.settings_dict
    return [f"--host={s['HOST'] or '127.0.0.1'}", f"--port={s['PORT'] or 5432}", f"--username={s['USER']}"]


def test_pg_dump_and_pg_restore_round_trip(postgres_only, tmp_path):
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    DepartmentFactory(code="cs", name="计算机学院")
    student(student_id="2026001")
    dump = tmp_path / "xuefen.dump"
    subprocess.run(["pg_dump", *_args(), "-Fc", "-f", str(dump), connection.settings_dict["NAME"]], check=True)
    copy = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    subprocess.run(["createdb", *_args(), copy], check=True)
    try:
        subprocess.run(["pg_restore", *_args(), "--no-owner", "-d", copy, str(dump)], check=True)
        counted = subprocess.run(["psql", *_args(), "-At", "-d", copy, "-c",
                                  "SELECT (SELECT count(*) FROM accounts_department) || ',' || "
                                  "(SELECT count(*) FROM accounts_studentprofile) || ',' || "
                                  "(SELECT count(*) FROM django_migrations)"],
                                 check=True, capture_output=True, text=True).stdout.strip()
    finally:
        subprocess.run(["dropdb", *_args(), copy], check=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        (migrations,) = cursor.fetchone()
    assert counted == f"{Department.objects.count()},1,{migrations}"
