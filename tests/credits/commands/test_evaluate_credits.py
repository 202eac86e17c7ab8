"""`evaluate_credits --student`: every name must match a student, or nothing is evaluated."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from credits.models import CreditRecord
from tests.credits.services.rules_helpers import UTC, autumn, publish
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory

pytestmark = pytest.mark.django_db


def test_evaluate_credits_names_every_unknown_student_and_evaluates_nobody():
    term = autumn()
    publish()
    identity = ForgeIdentityFactory(login="lihua")
    ContributionFactory(identity=identity, repository=RepositoryFactory(tier="standard"),
                        merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    username = identity.user.username
    with pytest.raises(CommandError) as info:
        call_command("evaluate_credits", "--term", term.code, "--student", username, "--student", "TYPO",
                     "--student", "nobody", "--lang", "en", stdout=StringIO(), stderr=StringIO())
    assert str(info.value) == "no such student: TYPO, nobody; nothing was evaluated"
    assert not CreditRecord.objects.exists()
    out = StringIO()
    call_command("evaluate_credits", "--term", term.code, "--student", username, "--lang", "en", stdout=out,
                 stderr=StringIO())
    assert "(created 1)" in out.getvalue() and CreditRecord.objects.count() == 1
