"""Mirror matching as a pure function: one to one per repository, shared commits first, hypothesis invariants."""
from __future__ import annotations

import datetime as dt
import random

from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits.models.contributions import duplicate_reason_text
from credits.services.mirror_matching import MIRROR_WINDOW, CopyRow, match_copies, title_key

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TITLES = ["Fix typo", "fix  TYPO", "Update README.md", "[Docs] 更新翻译", "Bump version"]
SHAS = ["a1", "b2", "c3", "d4"]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _row(rid, repo, *, family=None, user=1, number=None, title="Fix typo", minutes=0, shas=(), platform=None):
    family = repo if family is None else family
    merged = None if minutes is None else T0 + dt.timedelta(minutes=minutes)
    return CopyRow(id=rid, repository_id=repo, family=family, is_mirror=repo != family, user_id=user,
                   platform=platform or f"p{repo}", external_id=1000 + rid, number=rid if number is None else number,
                   title=title, merged_at=merged, shas=frozenset(shas))


def _groups(decisions) -> dict[int, set[int]]:
    groups: dict[int, set[int]] = {}
    for rid, decision in decisions.items():
        groups.setdefault(decision.counted_as or rid, set()).add(rid)
    return groups


def _sha_components(rows) -> dict[int, int]:
    """Each row's component under shared commits alone (a reference union-find, written independently)."""
    component = {row.id: row.id for row in rows}
    changed = True
    while changed:
        changed = False
        for a in rows:
            for b in rows:
                if a.shas & b.shas and component[a.id] != component[b.id]:
                    low = min(component[a.id], component[b.id])
                    component[a.id] = component[b.id] = low
                    changed = True
    return component


def test_copies_tied_in_time_pair_in_number_order():
    rows = [_row(1, 1, number=10), _row(2, 1, number=11), _row(3, 2, family=1, number=20, minutes=1),
            _row(4, 2, family=1, number=21, minutes=1)]
    decisions = match_copies(rows)
    assert decisions[3].counted_as == 1 and decisions[4].counted_as == 2
    assert decisions[1].counted_as is None and decisions[2].counted_as is None


def test_a_copy_reached_through_another_cites_its_neighbour_and_the_counted_copy():
    rows = [_row(1, 1, minutes=0), _row(2, 2, family=1, minutes=2, shas={"x"}),
            _row(3, 3, family=3, title="同步上游", minutes=60 * 24 * 90, shas={"x"})]  # unrelated repo, same commit
    decisions = match_copies(rows)
    assert decisions[2].counted_as == 1 and decisions[2].link.signal == "title"
    assert decisions[2].link.gap == dt.timedelta(minutes=2)
    assert decisions[3].counted_as == 1 and decisions[3].link.signal == "commit" and decisions[3].link.other == 2
    with translation.override("en"):
        text = duplicate_reason_text({"signal": "commit", "sha": "x" * 40, "as": "github:o/r#1", "via": "gitee:o/r#2"})
    assert text == "same commit xxxxxxxxxxxx as gitee:o/r#2, itself a copy of github:o/r#1"


def test_the_gap_is_said_in_the_unit_that_fits():
    def said(seconds):
        with translation.override("en"):
            return duplicate_reason_text({"signal": "title", "seconds": seconds, "as": "x#1", "via": ""})
    assert said(20) == "same title and author, merged less than a minute apart, as x#1"
    assert said(60) == "same title and author, merged 1 minute apart, as x#1"
    assert said(3 * 3600) == "same title and author, merged 3 hours apart, as x#1"
    assert said(5 * 86400) == "same title and author, merged 5 days apart, as x#1"


rows_strategy = st.lists(
    st.tuples(
        st.integers(1, 5),  # repository
        st.integers(1, 2),  # user
        st.sampled_from(TITLES),
        st.one_of(st.none(), st.integers(0, 60 * 24 * 45)),  # merged, in minutes: some beyond the window
        st.one_of(st.just(frozenset()), st.frozensets(st.sampled_from(SHAS), min_size=1, max_size=2)),
        st.integers(1, 40),  # number
    ),
    max_size=24,
)
family_strategy = st.tuples(*[st.integers(1, 3) for _ in range(5)])  # the family of repositories 1..5


@FAST
@given(raw=rows_strategy, families=family_strategy, seed=st.integers(0, 2**16))
def test_any_data_counts_each_group_once_and_joins_one_repository_only_through_commits(raw, families, seed):
    rows = [_row(i, repo, family=families[repo - 1], user=user, title=title, minutes=minutes, shas=shas,
                 number=number)
            for i, (repo, user, title, minutes, shas, number) in enumerate(raw, start=1)]
    by_id = {row.id: row for row in rows}
    decisions = match_copies(rows)
    assert set(decisions) == set(by_id)
    components = _sha_components(rows)
    for counted, members in _groups(decisions).items():
        assert decisions[counted].counted_as is None  # every copy points straight at the one counted row
        first = min(members, key=lambda r: (by_id[r].merged_at is None, by_id[r].merged_at or T0,
                                            by_id[r].is_mirror, by_id[r].platform, by_id[r].external_id))
        assert first == counted
        for a in members:
            for b in members:
                if a != b and by_id[a].repository_id == by_id[b].repository_id:
                    assert components[a] == components[b], "two changes of one repository joined"
        for rid in members - {counted}:
            link, row = decisions[rid].link, by_id[rid]
            other = by_id[link.other]
            assert link.other in members
            if link.signal == "commit":
                assert link.sha in row.shas & other.shas
            else:
                assert (row.family, row.user_id, title_key(row.title)) == (
                    other.family, other.user_id, title_key(other.title))
                assert row.repository_id != other.repository_id
                assert link.gap == abs(row.merged_at - other.merged_at) <= MIRROR_WINDOW
            hops, current = 0, rid  # the cited links lead to the counted row, never round in a circle
            while current != counted:
                current, hops = decisions[current].link.other, hops + 1
                assert hops <= len(members)
    for a in rows:  # a shared commit always groups
        for b in rows:
            if a.shas & b.shas:
                assert (decisions[a.id].counted_as or a.id) == (decisions[b.id].counted_as or b.id)
    # The same data stored under other ids, in another order, is matched the same way.
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    renamed = {row.id: 100 + order[i] for i, row in enumerate(rows)}
    shuffled = [CopyRow(renamed[r.id], r.repository_id, r.family, r.is_mirror, r.user_id, r.platform, r.external_id,
                        r.number, r.title, r.merged_at, r.shas) for r in rows]
    random.Random(seed).shuffle(shuffled)
    again = match_copies(shuffled)
    assert {frozenset(renamed[r] for r in g) for g in _groups(decisions).values()} == {
        frozenset(g) for g in _groups(again).values()}


@st.composite
def universities(draw):
    """Mirror families and changes with ground truth: each change is one group of copies to be found."""
    repos, next_repo = [], 1
    for size in draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)):
        repos.append(list(range(next_repo, next_repo + size)))
        next_repo += size
    rows, truth, minutes = [], {}, 0
    for change in range(draw(st.integers(1, 10))):
        family = draw(st.sampled_from(repos))
        everywhere = draw(st.booleans())  # a change on every repository of its family, or on some with its own title
        present = family if everywhere else draw(st.lists(st.sampled_from(family), min_size=1, unique=True))
        title = draw(st.sampled_from(TITLES)) if everywhere else f"Change {change}"
        user = draw(st.integers(1, 2))
        minutes += draw(st.integers(21, 60 * 24 * 20))  # changes further apart than any change's copies
        shared = {f"sha{change}"}
        for repo in present:
            shas = shared if draw(st.booleans()) else {f"sha{change}-{repo}"}
            copies = 2 if draw(st.integers(0, 4)) == 0 else 1  # a PR re-opened with the same head
            for _ in range(copies):
                rid = len(rows) + 1
                rows.append(_row(rid, repo, family=family[0], user=user, title=title, shas=shas,
                                 minutes=minutes + draw(st.integers(0, 10)), number=draw(st.integers(1, 500))))
                truth[rid] = change
    return rows, truth


@FAST
@given(data=universities())
def test_every_change_in_a_mirror_family_is_counted_exactly_once(data):
    rows, truth = data
    decisions = match_copies(rows)
    counted = [rid for rid, decision in decisions.items() if decision.counted_as is None]
    assert sorted(truth[rid] for rid in counted) == sorted(set(truth.values()))  # one counted row per change
    for rid, decision in decisions.items():
        assert truth[decision.counted_as or rid] == truth[rid]  # and each copy points into its own change
