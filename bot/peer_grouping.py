"""Forming cross-organisation peer groups: a pure function of who is eligible, who met before, and a seed.

The sizes come first: with pairs, everyone is paired and an odd one out makes one trio; with trios, a remainder of
one or two makes pairs. Then the people are dealt round-robin into the groups, largest organisation first: an
organisation with no more people than there are groups lands in as many different groups, so two people of one
organisation share a group only when that cannot be avoided. Swaps between groups then remove repeated partners
(and any unavoidable same-organisation pair that a swap can spread), never trading one for the other: an organisation
clash always weighs more than meeting someone again. Several seeded starts are tried and the best kept.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

Pair = frozenset[int]
STARTS = 12


@dataclass(frozen=True)
class Candidate:
    """A mentor who may be placed: their member id and organisation (None: their own organisation of one)."""

    member_id: int
    organisation_id: int | None


def group_sizes(count: int, size: int) -> list[int]:
    """The sizes of the groups for `count` people in groups of `size` (2 or 3); nobody is left alone."""
    if size not in (2, 3):
        raise ValueError(f"a peer group has 2 or 3 people, not {size}")
    if count < 2:
        return []
    if size == 2:
        return [3] + [2] * ((count - 3) // 2) if count % 2 else [2] * (count // 2)
    if count == 4:
        return [2, 2]
    trios, rest = divmod(count, 3)
    return {0: [3] * trios, 1: [3] * (trios - 1) + [2, 2], 2: [3] * trios + [2]}[rest]


def pairs_of(groups: Iterable[Sequence[int]]) -> set[Pair]:
    """Every two people who shared a group."""
    return {frozenset(two) for group in groups for two in combinations(group, 2)}


def form_groups(
    candidates: Sequence[Candidate], *, size: int, met: Iterable[Pair] = (), seed: int = 0
) -> list[tuple[int, ...]]:
    """Groups of member ids: everyone placed once, organisations mixed where possible, repeats only when exhausted.

    Deterministic for the same people (in any order), history and seed; each group and the list are sorted.
    """
    people = sorted({c.member_id: c for c in candidates}.values(), key=lambda c: c.member_id)
    sizes = group_sizes(len(people), size)
    if not sizes:
        return []
    scorer = _Scorer(people, set(met))
    rng = random.Random(seed)
    best: list[list[int]] | None = None
    for _ in range(STARTS):
        groups = _improve(_deal(people, sizes, rng), scorer)
        if best is None or scorer.total(groups) < scorer.total(best):
            best = groups
        if scorer.total(best) == (0, 0):
            break
    assert best is not None
    return sorted(tuple(sorted(group)) for group in best)


class _Scorer:
    """The cost of a grouping: (pairs from one organisation, pairs who met before), compared in that order."""

    def __init__(self, people: Sequence[Candidate], met: set[Pair]) -> None:
        self.organisation = {c.member_id: c.organisation_id for c in people}
        self.met = met

    def pair(self, a: int, b: int) -> tuple[int, int]:
        mine, theirs = self.organisation[a], self.organisation[b]
        return int(mine is not None and mine == theirs), int(frozenset((a, b)) in self.met)

    def group(self, group: Sequence[int]) -> tuple[int, int]:
        clash = repeat = 0
        for a, b in combinations(group, 2):
            c, r = self.pair(a, b)
            clash, repeat = clash + c, repeat + r
        return clash, repeat

    def total(self, groups: Sequence[Sequence[int]]) -> tuple[int, int]:
        costs = [self.group(group) for group in groups]
        return sum(c for c, _ in costs), sum(r for _, r in costs)


def _deal(people: Sequence[Candidate], sizes: Sequence[int], rng: random.Random) -> list[list[int]]:
    """Round-robin in organisation blocks, largest first (ties and order within a block shuffled by the seed)."""
    blocks: dict[object, list[int]] = {}
    for person in people:
        key = person.organisation_id if person.organisation_id is not None else ("alone", person.member_id)
        blocks.setdefault(key, []).append(person.member_id)
    ordered = list(blocks.values())
    rng.shuffle(ordered)
    ordered.sort(key=len, reverse=True)
    line: list[int] = []
    for block in ordered:
        rng.shuffle(block)
        line += block
    groups: list[list[int]] = [[] for _ in sizes]
    slots = [index for turn in range(max(sizes)) for index, wanted in enumerate(sizes) if wanted > turn]
    for index, member_id in zip(slots, line, strict=True):
        groups[index].append(member_id)
    return groups


def _improve(groups: list[list[int]], scorer: _Scorer) -> list[list[int]]:
    """Swap two people of different groups while that lowers the cost; stops at a local optimum."""
    improved = True
    while improved:
        improved = False
        for g, h in combinations(range(len(groups)), 2):
            for i in range(len(groups[g])):
                for j in range(len(groups[h])):
                    if _swap_helps(groups, g, h, i, j, scorer):
                        groups[g][i], groups[h][j] = groups[h][j], groups[g][i]
                        improved = True
    return groups


def _swap_helps(groups: list[list[int]], g: int, h: int, i: int, j: int, scorer: _Scorer) -> bool:
    first, second = groups[g], groups[h]
    before = _add(scorer.group(first), scorer.group(second))
    swapped_first = [*first[:i], second[j], *first[i + 1 :]]
    swapped_second = [*second[:j], first[i], *second[j + 1 :]]
    return _add(scorer.group(swapped_first), scorer.group(swapped_second)) < before


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return a[0] + b[0], a[1] + b[1]
