"""Every portal page runs a fixed number of queries, whatever the data size (measured at two sizes)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from credits.models import Repository, Term
from credits.services.evaluation import term_evaluate
from tests.factories import ContributionFactory, ForgeIdentityFactory, student

from .conftest import staff, university
from .test_portal_pages import signed_in

pytestmark = pytest.mark.django_db
MAX_QUERIES = 15  # the budget per page
PAGES = ["home", "my_credit", "my_contributions", "forge_accounts", "registrar_overview", "sync_dashboard"]


def _measure(client, people) -> dict[str, int]:
    counts = {}
    for name in PAGES:
        user = people["registrar"] if name == "registrar_overview" else (
            people["operator"] if name == "sync_dashboard" else people["student"])
        client.logout()
        signed_in(client, user)
        client.get(reverse(name))  # the first request warms the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name))
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


def _outside_term(identity, repository, n: int) -> None:
    """Contributions merged before any term, which the credit page lists with their reason."""
    for k in range(n):
        ContributionFactory(identity=identity, repository=repository,
                            merged_at=timezone.now() - dt.timedelta(days=400 + k))


def _grow(first_student, *, students: int, prs: int) -> None:
    """More students, and many more contributions for the measured student, in the same term."""
    repos = list(Repository.objects.all())
    identity = first_student.user.identities.get()
    for k in range(prs):
        ContributionFactory(identity=identity, repository=repos[k % len(repos)],
                            merged_at=timezone.now() - dt.timedelta(days=5 + k % 40), additions=10 + k)
    for _ in range(students):
        profile = student()
        ForgeIdentityFactory(user=profile.user)
    _outside_term(identity, repos[0], 5)
    term_evaluate(term=Term.objects.get(), now=timezone.now())


def test_page_queries_do_not_grow_with_the_data(client):
    _, students = university(2, 3)
    people = {"student": students[0].user, "registrar": staff("registrar", Role.REGISTRAR),
              "operator": staff("operator", Role.OPERATOR)}
    _outside_term(students[0].user.identities.get(), Repository.objects.first(), 1)
    small = _measure(client, people)
    _grow(students[0], students=4, prs=25)
    large = _measure(client, people)
    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large
