"""Peer grouping as a pure function: properties over many random programmes, and an exhaustive check for small ones."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.peer_grouping import Candidate, Pair, form_groups, group_sizes, pairs_of


@st.composite
def programmes(draw: st.DrawFn, most: int = 24) -> tuple[list[Candidate], set[Pair], int, int]:
    """People in up to five organisations (some with none), earlier partners, a group size and a seed."""
    count = draw(st.integers(min_value=0, max_value=most))
    organisations = draw(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=count, max_size=count))
    people = [Candidate(100 + n, org) for n, org in enumerate(organisations)]
    ids = [p.member_id for p in people]
    all_pairs = [frozenset(two) for two in combinations(ids, 2)]
    met = set(draw(st.lists(st.sampled_from(all_pairs), unique=True))) if all_pairs else set()
    return people, met, draw(st.sampled_from([2, 3])), draw(st.integers(0, 2**32))


def _clashes(groups: list[tuple[int, ...]], people: list[Candidate]) -> int:
    organisation = {p.member_id: p.organisation_id for p in people}
    return sum(
        1 for group in groups for a, b in combinations(group, 2)
        if organisation[a] is not None and organisation[a] == organisation[b]
    )  # fmt: skip


def _cost(groups: list[tuple[int, ...]], people: list[Candidate], met: set[Pair]) -> tuple[int, int]:
    return _clashes(groups, people), len(pairs_of(groups) & met)


def _partitions(ids: list[int], sizes: list[int]) -> Iterator[list[tuple[int, ...]]]:
    """Every way to split `ids` into groups of the given sizes (brute force, for small numbers)."""
    if not ids:
        yield []
        return
    first, rest = ids[0], ids[1:]
    for wanted in sorted(set(sizes)):
        left = list(sizes)
        left.remove(wanted)
        for partners in combinations(rest, wanted - 1):
            remaining = [i for i in rest if i not in partners]
            for tail in _partitions(remaining, left):
                yield [(first, *partners), *tail]


@settings(max_examples=300, deadline=None)
@given(programmes())
def test_everyone_eligible_is_placed_exactly_once(programme: tuple[list[Candidate], set[Pair], int, int]) -> None:
    people, met, size, seed = programme
    groups = form_groups(people, size=size, met=met, seed=seed)
    placed = Counter(member for group in groups for member in group)
    if len(people) < 2:
        assert groups == []
        return
    assert placed == Counter(p.member_id for p in people)
    assert all(len(group) in (2, 3) for group in groups)
    assert sorted(len(group) for group in groups) == sorted(group_sizes(len(people), size))


@settings(max_examples=300, deadline=None)
@given(programmes())
def test_no_same_organisation_group_when_it_can_be_avoided(
    programme: tuple[list[Candidate], set[Pair], int, int],
) -> None:
    people, met, size, seed = programme
    groups = form_groups(people, size=size, met=met, seed=seed)
    counts = Counter(p.organisation_id for p in people if p.organisation_id is not None)
    # Each group holds at most one person of an organisation, so it can be avoided exactly when no organisation
    # has more people than there are groups.
    if counts and max(counts.values()) <= len(groups):
        assert _clashes(groups, people) == 0


@settings(max_examples=200, deadline=None)
@given(programmes(most=8))
def test_small_programmes_get_the_best_grouping_there_is(
    programme: tuple[list[Candidate], set[Pair], int, int],
) -> None:
    """Against every possible grouping: as few organisation clashes as possible, then as few repeats."""
    people, met, size, seed = programme
    groups = form_groups(people, size=size, met=met, seed=seed)
    ids = [p.member_id for p in people]
    options = list(_partitions(ids, group_sizes(len(ids), size))) if len(ids) >= 2 else [[]]
    assert _cost(groups, people, met) == min(_cost(option, people, met) for option in options)


@settings(max_examples=100, deadline=None)
@given(programmes(most=12))
def test_no_repeated_partner_until_every_choice_is_used(
    programme: tuple[list[Candidate], set[Pair], int, int],
) -> None:
    """Round after round, nobody meets a partner again while a grouping with only new partners exists."""
    people, _, size, seed = programme
    met: set[Pair] = set()
    for round_number in range(4):
        groups = form_groups(people, size=size, met=met, seed=seed + round_number)
        if len(people) <= 8:
            options = list(_partitions([p.member_id for p in people], group_sizes(len(people), size)))
            fresh = [o for o in options if not pairs_of(o) & met and _clashes(o, people) == _clashes(groups, people)]
            if fresh:
                assert not pairs_of(groups) & met
        met |= pairs_of(groups)


@settings(max_examples=100, deadline=None)
@given(programmes(), st.randoms())
def test_the_same_seed_gives_the_same_groups_whatever_the_order(
    programme: tuple[list[Candidate], set[Pair], int, int],
    shuffler: st.SearchStrategy,
) -> None:
    people, met, size, seed = programme
    shuffled = list(people)
    shuffler.shuffle(shuffled)  # type: ignore[attr-defined]
    assert form_groups(shuffled, size=size, met=met, seed=seed) == form_groups(people, size=size, met=met, seed=seed)


def test_an_odd_one_out_makes_a_trio_and_trios_leave_pairs() -> None:
    assert group_sizes(7, 2) == [3, 2, 2]
    assert group_sizes(7, 3) == [3, 2, 2]
    assert group_sizes(8, 3) == [3, 3, 2]
    assert group_sizes(4, 3) == [2, 2]
    assert group_sizes(1, 2) == []
    with pytest.raises(ValueError):
        group_sizes(6, 4)


def test_three_organisations_of_two_make_mixed_pairs() -> None:
    people = [Candidate(n, 10 * ((n + 1) // 2)) for n in range(1, 7)]
    groups = form_groups(people, size=2, seed=7)
    assert _clashes(groups, people) == 0
    second = form_groups(people, size=2, met=pairs_of(groups), seed=7)
    assert not pairs_of(second) & pairs_of(groups) and _clashes(second, people) == 0
