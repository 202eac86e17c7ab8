"""Which students and terms a sync's new contributions touch, and which terms are still open."""

from __future__ import annotations

import datetime as dt

import pytest

from credits.services.evaluation_runs import evaluation_targets, open_term_ids

from .rules_helpers import autumn, spring, two_terms_of_work

pytestmark = pytest.mark.django_db


def test_targets_are_the_terms_each_contribution_was_merged_in():
    autumn_term, spring_term, identity, ids = two_terms_of_work()
    expected = {autumn_term.id: {identity.user_id}, spring_term.id: {identity.user_id}}
    assert evaluation_targets(contribution_ids=ids) == expected
    assert evaluation_targets(identity_ids=[identity.id]) == expected


def test_open_terms_are_running_and_recently_ended_ones():
    autumn_term, spring_term = autumn(), spring()
    assert open_term_ids(today=dt.date(2027, 3, 15)) == [autumn_term.id, spring_term.id]
    assert open_term_ids(today=dt.date(2027, 7, 1)) == [spring_term.id]
