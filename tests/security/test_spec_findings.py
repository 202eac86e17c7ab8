"""Findings: specs passed path segments through to the forges (`../repos/...`, `../user`, `../rate_limit`)."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import ForgeIdentity
from credits.models import AuditEvent, Repository
from tests.factories import student

pytestmark = [pytest.mark.security, pytest.mark.django_db]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, "--lang", "en", stdout=out, stderr=StringIO())  # the refusals are matched in English
    return out.getvalue()


def test_link_identity_refuses_a_path_instead_of_a_login(sim):
    profile = student(student_id="202600009")
    with pytest.raises(CommandError, match="not a valid github login"):
        run("link_identity", profile.student_id, "github:../repos/QwenLM/Qwen3")
    assert not ForgeIdentity.objects.exists()
    assert sim.stats()["requests"] == 0  # refused before any request


def test_add_repository_refuses_a_path_that_climbs_to_the_service_accounts_profile(sim):
    with pytest.raises(CommandError, match="owner/name"):
        run("add_repository", "gitee:../user")
    assert not Repository.objects.exists()


def test_add_repository_refuses_a_path_to_the_rate_limit_endpoint_without_a_traceback(sim):
    with pytest.raises(CommandError, match="owner/name"):
        run("add_repository", "github:../rate_limit")
    assert not Repository.objects.exists()


def test_refusals_leave_no_audit_rows_or_partial_writes(sim):
    for spec in ("gitee:../user", "github:../rate_limit", "gitlab:a/../b"):
        with pytest.raises(CommandError):
            run("add_repository", spec)
    assert not AuditEvent.objects.filter(action__startswith="repository").exists()
