"""The privacy filter: no figure about fewer than min_group people, by itself, by subtraction or over time."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, combinations, combinations_with_replacement, permutations, product

import pytest

from bot.privacy import (
    Cell,
    PrivacyPolicy,
    Quote,
    Shown,
    Withheld,
    explain_withheld,
    filter_cells,
    filter_quotes,
    median_and_spread,
    name_variants,
    scrub,
    suppress_parts,
)

POLICY = PrivacyPolicy()
METRIC = "active_mentors"


# --- a generic checker: what can HR compute from what it was shown? ---------------------------------------------------


def small_unions(weights: Mapping[str, int], min_group: int) -> list[frozenset[str]]:
    """Every non-empty set of atoms with fewer than min_group people (respondents) in all."""
    small = sorted(atom for atom, weight in weights.items() if weight < min_group)
    subsets = chain.from_iterable(combinations(small, size) for size in range(1, len(small) + 1))
    return [frozenset(subset) for subset in subsets if sum(weights[atom] for atom in subset) < min_group]


def leaks(rows: Sequence[frozenset[str]], weights: Mapping[str, int], min_group: int) -> list[frozenset[str]]:
    """Sets of atoms under min_group that some combination, coefficients in {-1, 0, 1}, of the rows equals (or minus).

    Each row is a shown figure as the set of atoms it sums over; vectors are packed into integers (balanced base
    2·len(rows)+1, so the packing is linear and one-to-one) to keep the enumeration fast.
    """
    order = sorted(weights)
    base = 2 * len(rows) + 1

    def pack(atoms: Iterable[str]) -> int:
        """Pack the indicator vector of a set of atoms."""
        return sum(base ** order.index(atom) for atom in atoms)

    targets = {pack(union): union for union in small_unions(weights, min_group)}
    sums = {0}
    for row in rows:
        packed = pack(row)
        sums = {total + sign * packed for total in sums for sign in (-1, 0, 1)}
    return sorted(
        (targets.get(total) or targets[-total] for total in sums if total in targets or -total in targets), key=sorted
    )


def tree_scenario(
    leaves: Mapping[str, int], partition: Mapping[str, Sequence[str]], rest: Mapping[str, int] | None = None
) -> tuple[list[Cell], dict[str, frozenset[str]], dict[str, int]]:
    """Cells for a tree of groups, each group's atoms, and each atom's respondents.

    Every leaf is an atom; ``rest`` gives a parent people in none of its children (an atom "<parent>/rest").
    """
    weights = dict(leaves) | {f"{group}/rest": count for group, count in (rest or {}).items()}

    def atoms(group: str) -> frozenset[str]:
        """Return the atoms a group sums over."""
        if group in leaves:
            return frozenset({group})
        own = {f"{group}/rest"} if f"{group}/rest" in weights else set()
        return frozenset(own).union(*(atoms(child) for child in partition[group]))

    groups = [*leaves, *partition]
    atoms_of = {group: atoms(group) for group in groups}
    cells = [Cell(group, METRIC, sum(weights[a] for a in atoms_of[group]), group) for group in groups]
    return cells, atoms_of, weights


Scenario = tuple[list[Cell], dict[str, frozenset[str]], dict[str, int], dict[str, list[str]]]


def one_level(sizes: Sequence[int]) -> Scenario:
    """A cohort of organisations with the given sizes."""
    orgs = {f"org:{i}": size for i, size in enumerate(sizes, start=1)}
    partition = {"cohort": list(orgs)}
    return (*tree_scenario(orgs, partition), partition)


def assert_safe(
    cells: Sequence[Cell], atoms_of: Mapping[str, frozenset[str]], weights: Mapping[str, int], partition: Mapping
) -> tuple[list[Shown], list[Withheld]]:
    """Filter, then check every primary rule and that no subtraction isolates a group under min_group."""
    shown, withheld = filter_cells(cells, POLICY, partition=partition)
    assert len(shown) + len(withheld) == len(cells)
    assert all(item.respondents >= POLICY.min_group for item in shown)
    small = {cell.group for cell in cells if cell.respondents < POLICY.min_group}
    assert {item.group for item in withheld if item.reason == "small_group"} == small
    found = leaks([atoms_of[item.group] for item in shown], weights, POLICY.min_group)
    assert not found, f"{[(c.group, c.respondents) for c in cells]}: shown {[s.group for s in shown]} reveal {found}"
    return shown, withheld


# --- policy -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("min_group", [2, 1, 0, -5])
def test_a_threshold_under_three_is_refused(min_group: int) -> None:
    with pytest.raises(ValueError, match="at least 3"):
        PrivacyPolicy(min_group=min_group)


@pytest.mark.parametrize("size", range(13))
@pytest.mark.parametrize("min_group", [3, 5, 7])
def test_one_organisation_is_shown_iff_it_reaches_the_threshold(size: int, min_group: int) -> None:
    shown, withheld = filter_cells([Cell("org:1", METRIC, size, size)], PrivacyPolicy(min_group), partition={})
    if size >= min_group:
        assert shown == [Shown("org:1", METRIC, size, size)] and withheld == []
    else:
        assert shown == [] and withheld == [Withheld("org:1", METRIC, "small_group")]


@pytest.mark.parametrize("size", range(13))
def test_a_cohort_of_one_organisation_hides_nothing_by_subtraction(size: int) -> None:
    cells, atoms_of, weights, partition = one_level([size])
    shown, _ = assert_safe(cells, atoms_of, weights, partition)
    assert {item.group for item in shown} == ({"org:1", "cohort"} if size >= 5 else set())


@pytest.mark.parametrize(
    ("sizes", "shown", "complementary"),
    [
        ((5, 9, 2), {"cohort", "org:2"}, {"org:1"}),  # the 2 alone is cohort − 5 − 9: the next smallest goes too
        ((3, 4, 12), {"cohort", "org:3"}, set()),  # two hidden with 7 people between them
        ((1, 1, 20), {"cohort"}, {"org:3"}),  # 1 + 1 is still under 5: the 20 goes too
        ((7, 3), {"cohort"}, {"org:1"}),  # two organisations: hiding one reveals it, so both go
        ((6, 6, 6), {"cohort", "org:1", "org:2", "org:3"}, set()),
        ((0, 7, 8), {"cohort", "org:3"}, {"org:2"}),  # "nobody in org:1" is not to be derived either
        ((5, 5, 2), {"cohort", "org:2"}, {"org:1"}),  # a tie in size goes by the group key
        ((2, 2, 2), {"cohort"}, set()),  # all three small, but together 6: the cohort is shown
        ((1, 2), set(), set()),  # the cohort itself is small
    ],
)
def test_complementary_suppression(sizes: tuple[int, ...], shown: set[str], complementary: set[str]) -> None:
    cells, atoms_of, weights, partition = one_level(sizes)
    got, withheld = assert_safe(cells, atoms_of, weights, partition)
    assert {item.group for item in got} == shown
    assert {item.group for item in withheld if item.reason == "complementary"} == complementary


def test_every_partition_of_two_to_four_organisations_is_safe() -> None:
    checked = 0
    for count in (2, 3, 4):
        for sizes in combinations_with_replacement(range(13), count):
            assert_safe(*one_level(sizes)[:3], one_level(sizes)[3])
            checked += 1
    assert checked == 91 + 455 + 1820


def test_the_choice_does_not_depend_on_the_order_of_the_cells() -> None:
    for sizes in [(5, 9, 2), (1, 1, 20), (5, 5, 2, 8)]:
        cells, _, _, partition = one_level(sizes)
        results = {
            frozenset((w.group, w.reason) for w in filter_cells(order, POLICY, partition=partition)[1])
            for order in permutations(cells)
        }
        assert len(results) == 1


def test_people_outside_every_organisation_are_protected_too() -> None:
    orgs = {"org:1": 7, "org:2": 8}
    cells, atoms_of, weights = tree_scenario(orgs, {"cohort": list(orgs)}, rest={"cohort": 2})
    shown, withheld = assert_safe(cells, atoms_of, weights, {"cohort": list(orgs)})
    assert {item.group for item in shown} == {"cohort", "org:2"}
    assert withheld == [Withheld("org:1", METRIC, "complementary")]


def test_an_organisation_without_a_figure_counts_as_hidden() -> None:
    cells = [Cell("cohort", METRIC, 15, 15), Cell("org:1", METRIC, 7, 7), Cell("org:2", METRIC, 8, 8)]
    shown, _ = filter_cells(cells, POLICY, partition={"cohort": ["org:1", "org:2", "org:3"]})
    assert {item.group for item in shown} == {"cohort", "org:2"}  # org:3 had 0: not to be derived as 15 − 7 − 8


def test_metrics_are_filtered_separately() -> None:
    cells = [
        Cell("cohort", "a", 10, 10),
        Cell("org:1", "a", 5, 5),
        Cell("org:2", "a", 5, 5),
        Cell("cohort", "b", 10, 10),
        Cell("org:1", "b", 7, 7),
        Cell("org:2", "b", 3, 3),
    ]
    shown, withheld = filter_cells(cells, POLICY, partition={"cohort": ["org:1", "org:2"]})
    assert [(item.group, item.metric) for item in shown] == [
        ("cohort", "a"),
        ("org:1", "a"),
        ("org:2", "a"),
        ("cohort", "b"),
    ]
    assert explain_withheld(withheld) == {"small_group": 1, "complementary": 1}


TWO_LEVELS = {"cohort": ["org:1", "org:2", "org:3"], "org:1": ["team:a", "team:b"]}


def test_two_levels_are_safe() -> None:
    for sizes in product([0, 2, 3, 5, 8], repeat=4):
        for rest in ({}, {"org:1": 2}):
            leaves = dict(zip(["team:a", "team:b", "org:2", "org:3"], sizes, strict=True))
            assert_safe(*tree_scenario(leaves, TWO_LEVELS, rest), TWO_LEVELS)


def test_a_hidden_organisation_cannot_be_rebuilt_from_its_teams() -> None:
    leaves = {"team:a": 3, "team:b": 5, "org:2": 9, "org:3": 2}
    cells, atoms_of, weights = tree_scenario(leaves, TWO_LEVELS)
    shown, _ = assert_safe(cells, atoms_of, weights, TWO_LEVELS)
    assert {item.group for item in shown} == {"cohort", "org:2"}


@pytest.mark.parametrize(
    ("cells", "partition", "message"),
    [
        ([Cell("cohort", METRIC, 4, 4), Cell("org:1", METRIC, 5, 5)], {"cohort": ["org:1"]}, "more respondents"),
        ([Cell("org:1", METRIC, 5, 5), Cell("org:1", METRIC, 6, 6)], {}, "two figures"),
        ([], {"cohort": ["org:1"], "org:9": ["org:1"]}, "more than once"),
        ([], {"a": ["b"], "b": ["a"]}, "cycle"),
    ],
)
def test_inconsistent_input_is_refused(cells: list[Cell], partition: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        filter_cells(cells, POLICY, partition=partition)


def test_a_cell_with_the_wrong_number_of_people_is_refused() -> None:
    with pytest.raises(ValueError, match="people"):
        Cell("org:1", METRIC, 5, 5, frozenset({"a", "b"}))


def test_explain_withheld_counts_reasons_in_a_fixed_order() -> None:
    withheld = [
        Withheld("org:1", "m", "complementary"),
        Withheld("org:2", "m", "small_group"),
        Withheld("org:3", "m", "small_group"),
    ]
    assert list(explain_withheld(withheld).items()) == [("small_group", 2), ("complementary", 1)]
    assert explain_withheld([]) == {}
    with pytest.raises(ValueError, match="unknown reason"):
        Withheld("org:1", "m", "because")


# --- over time --------------------------------------------------------------------------------------------------------


def people(org: str, count: int, start: int = 0) -> frozenset[str]:
    """Ids for ``count`` members of an organisation."""
    return frozenset(f"{org}-{i}" for i in range(start, start + count))


def period(members: Mapping[str, frozenset[str]]) -> list[Cell]:
    """One summary's cells for a cohort of organisations with these members."""
    cohort = frozenset().union(*members.values())
    cells = [Cell(org, METRIC, len(ids), len(ids), ids) for org, ids in members.items()]
    return [*cells, Cell("cohort", METRIC, len(cohort), len(cohort), cohort)]


def publish(
    cells: list[Cell], partition: Mapping, shown_before: Sequence[Cell] = ()
) -> tuple[list[Cell], list[Withheld]]:
    """Filter one summary; return the cells it showed (as stored for the next one) and what it withheld."""
    shown, withheld = filter_cells(cells, POLICY, partition=partition, shown_before=shown_before)
    keys = {(item.group, item.metric) for item in shown}
    return [cell for cell in cells if (cell.group, cell.metric) in keys], withheld


def person_leaks(rows: Sequence[frozenset[str]]) -> list[frozenset[str]]:
    """Sets of people under min_group that a combination of everything shown isolates."""
    everyone = sorted(frozenset().union(*rows))
    classes: dict[tuple[int, ...], set[str]] = {}
    for person in everyone:
        classes.setdefault(tuple(i for i, row in enumerate(rows) if person in row), set()).add(person)
    name = {person: f"atom{i}" for i, members in enumerate(classes.values()) for person in members}
    weights = {f"atom{i}": len(members) for i, members in enumerate(classes.values())}
    return leaks([frozenset(name[p] for p in row) for row in rows], weights, POLICY.min_group)


def test_one_person_joining_an_organisation_is_not_exposed() -> None:
    first, _ = publish([Cell("org:1", METRIC, 5, 5, people("org:1", 5))], {})
    assert len(first) == 1
    second, withheld = publish([Cell("org:1", METRIC, 6, 6, people("org:1", 6))], {}, first)
    assert second == [] and withheld == [Withheld("org:1", METRIC, "small_change")]
    third, _ = publish([Cell("org:1", METRIC, 6, 6, people("org:1", 6))], {}, first)  # asking again changes nothing
    assert third == []
    fourth, _ = publish([Cell("org:1", METRIC, 10, 10, people("org:1", 10))], {}, first)  # five more: no one isolated
    assert len(fourth) == 1


def test_one_person_deleting_their_data_is_not_exposed() -> None:
    first, _ = publish([Cell("org:1", METRIC, 6, 6, people("org:1", 6))], {})
    second, withheld = publish([Cell("org:1", METRIC, 5, 5, people("org:1", 5))], {}, first)
    assert second == [] and explain_withheld(withheld) == {"small_change": 1}


def test_an_unchanged_figure_is_shown_again() -> None:
    first, _ = publish([Cell("org:1", METRIC, 5, 5, people("org:1", 5))], {})
    second, withheld = publish([Cell("org:1", METRIC, 5, 5, people("org:1", 5))], {}, first)
    assert second == first and withheld == []


def test_a_joiner_in_a_small_organisation_does_not_expose_it_through_the_cohort() -> None:
    partition = {"cohort": ["org:1", "org:2", "org:3"]}
    before = {"org:1": people("org:1", 5), "org:2": people("org:2", 9), "org:3": people("org:3", 4)}
    first, _ = publish(period(before), partition)
    assert {cell.group for cell in first} == {"cohort", "org:2"}
    after = before | {"org:3": people("org:3", 5)}  # org:3 reaches 5; the cohort goes from 18 to 19
    second, withheld = publish(period(after), partition, first)
    assert not person_leaks([cell.people or frozenset() for cell in [*first, *second]])
    assert "cohort" not in {cell.group for cell in second}  # the cohort's change is the joiner alone
    assert explain_withheld(withheld)["small_change"] >= 1


def test_an_organisation_growing_past_the_threshold_does_not_reveal_its_old_figure() -> None:
    partition = {"cohort": ["org:1", "org:2", "org:3"]}
    before = {"org:1": people("org:1", 5), "org:2": people("org:2", 9), "org:3": people("org:3", 2)}
    first, _ = publish(period(before), partition)
    after = before | {"org:3": people("org:3", 7)}  # +5: the cohort's change is exactly org:3's newcomers
    second, _ = publish(period(after), partition, first)
    assert not person_leaks([cell.people or frozenset() for cell in [*first, *second]])


def test_a_figure_withheld_once_is_still_compared_with_the_last_one_shown() -> None:
    shown_before: list[Cell] = []
    for count in (5, 6, 6, 7, 9, 10):
        shown, _ = publish([Cell("org:1", METRIC, count, count, people("org:1", count))], {}, shown_before)
        assert bool(shown) == (count in (5, 10))
        shown_before += shown


@pytest.mark.parametrize("orgs", [["org:1", "org:2"], ["org:1", "org:2", "org:3"]])
def test_two_summaries_never_isolate_fewer_than_five_people(orgs: list[str]) -> None:
    partition = {"cohort": orgs}
    sizes = [0, 3, 4, 5, 6, 9] if len(orgs) == 2 else [2, 4, 9]
    for first_sizes in product(sizes, repeat=len(orgs)):
        first, _ = publish(period({org: people(org, n) for org, n in zip(orgs, first_sizes, strict=True)}), partition)
        for changes in product([-1, 0, 1, 5], repeat=len(orgs)):
            later = {org: people(org, max(n + d, 0)) for org, n, d in zip(orgs, first_sizes, changes, strict=True)}
            second, _ = publish(period(later), partition, first)
            found = person_leaks([cell.people or frozenset() for cell in [*first, *second]])
            assert not found, f"{first_sizes} then {changes}: {found}"


def test_when_the_search_is_too_long_more_is_withheld_never_less(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.privacy.SEARCH_BUDGET", 0)
    orgs = ["org:1", "org:2"]
    partition = {"cohort": orgs}
    for first_sizes in product([2, 5, 9], repeat=2):
        first, _ = publish(period({org: people(org, n) for org, n in zip(orgs, first_sizes, strict=True)}), partition)
        for changes in product([0, 1, 5], repeat=2):
            later = {org: people(org, n + d) for org, n, d in zip(orgs, first_sizes, changes, strict=True)}
            second, _ = publish(period(later), partition, first)
            assert not person_leaks([cell.people or frozenset() for cell in [*first, *second]])


def test_comparing_with_earlier_summaries_needs_the_people() -> None:
    with pytest.raises(ValueError, match="people"):
        filter_cells([Cell("org:1", METRIC, 5, 5)], POLICY, partition={}, shown_before=[Cell("org:1", METRIC, 5, 5)])


# --- quotes -----------------------------------------------------------------------------------------------------------


def test_quotes_without_consent_are_never_shown() -> None:
    quotes = [Quote("Kokeilu toimi", False, "org:1", "p1", "m:1"), Quote("Hyvä tiimi", True, "org:1", "p1", "m:2")]
    shown, withheld = filter_quotes(quotes, {("org:1", "p1"): 12}, POLICY)
    assert [quote.text for quote in shown] == ["Hyvä tiimi"]
    assert withheld == []


@pytest.mark.parametrize(("answered", "min_group", "shown"), [(4, 5, False), (5, 5, True), (6, 7, False), (7, 7, True)])
def test_quotes_need_enough_people_of_the_organisation_answering_that_prompt(
    answered: int, min_group: int, shown: bool
) -> None:
    policy = PrivacyPolicy(min_group=min_group)
    quotes = [Quote("Yes", True, "org:1", "p1", "m:1"), Quote("Also", True, "org:1", "p2", "m:1")]
    counts = {("org:1", "p1"): answered, ("org:1", "p2"): 40, ("org:2", "p1"): 40}
    texts, withheld = filter_quotes(quotes, counts, policy)
    if shown:
        assert sorted(quote.text for quote in texts) == ["Also", "Yes"]
    else:  # one entry: neither the number of quotes nor of consents is told
        assert [quote.text for quote in texts] == ["Also"]
        assert withheld == [Withheld("org:1", "quotes", "small_group_quotes")]


def test_a_quote_keeps_its_organisation_and_author() -> None:
    quotes = [Quote("Meillä kokeiltiin", True, "org:2", "p1", "m:7")]
    shown, _ = filter_quotes(quotes, {("org:2", "p1"): 5}, POLICY)
    assert shown == [Quote("Meillä kokeiltiin", True, "org:2", "p1", "m:7")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks <@U012AB3CD> for the tip", "Thanks […] for the tip"),
        ("<@W012AB3CD|anna> helped", "[…] helped"),
        ("ask <!subteam^S012AB|@coaches>", "ask […]"),
        ("mail anna.virtanen@example.fi today", "mail […] today"),
        ("<mailto:anna@example.fi|anna@example.fi>", "[…]"),
        ("as @anna.v said", "as […] said"),
        ("Anna Virtanen and anna agreed", "[…] and […] agreed"),
        ("Kiitos Annalle!", "Kiitos […]!"),
        ("Annaleena is someone else", "Annaleena is someone else"),
        ("Ari said, Ari:n idea; arise", "[…] said, […] idea; arise"),
        ("  no names here  ", "no names here"),
        ("see https://intra.example.fi/page?x=1 or www.example.fi", "see […] or […]"),
        ("<https://example.fi|our page> and <#C0123|hr>", "[…] and […]"),
        ("call 040 123 4567 or +358 40 1234567", "call […] or […]"),
        ("in 2027 we met 3 times", "in 2027 we met 3 times"),
        ("ask <!here>", "ask […]"),
    ],
)
def test_quotes_are_scrubbed(text: str, expected: str) -> None:
    assert scrub(text, ["Anna", "Anna Virtanen", "Ari", ""]) == expected


def test_quote_order_does_not_depend_on_who_answered_first() -> None:
    quotes = [
        Quote(text, True, "org:1", "p1", f"m:{n}") for n, text in enumerate(("First", "Second", "Third", "Fourth"))
    ]
    orders = {
        tuple(q.text for q in filter_quotes(order, {("org:1", "p1"): 10}, POLICY)[0]) for order in permutations(quotes)
    }
    assert len(orders) == 1
    assert sorted(next(iter(orders))) == sorted(quote.text for quote in quotes)


def test_every_name_of_a_slack_profile_is_scrubbed() -> None:
    names = name_variants(["Anna-Liisa Korhonen", "annis"])
    assert {"Anna-Liisa Korhonen", "Anna-Liisa", "Korhonen", "Korhos", "annis"} <= set(names)
    text = "Anna-Liisa ja Korhosen tiimi, annis sanoi"
    assert scrub(text, names) == "[…] ja […] tiimi, […] sanoi"


def test_a_rate_of_none_or_everyone_is_withheld_and_not_derivable() -> None:
    cells = [
        Cell("cohort", "answers", 14, None, rate=(11, 14)),
        Cell("org:1", "answers", 5, None, rate=(5, 5)),  # everyone: would say what each did
        Cell("org:2", "answers", 9, None, rate=(6, 9)),
    ]
    shown, withheld = filter_cells(cells, POLICY, partition={"cohort": ["org:1", "org:2"]})
    assert [s.group for s in shown] == ["org:2"]  # the cohort less org:2 would be 5 of 5
    assert {(w.group, w.reason) for w in withheld} == {("org:1", "small_group"), ("cohort", "complementary")}
    cells[0] = Cell("cohort", "answers", 16, None, rate=(11, 16))
    cells.append(Cell("org:3", "answers", 2, None, rate=(0, 2)))
    shown, _ = filter_cells(cells, POLICY, partition={"cohort": ["org:1", "org:2", "org:3"]})
    assert {s.group for s in shown} == {"cohort", "org:2"}  # the rest, 5 of 7, says nothing about anyone


def test_buckets_leave_none_or_enough_people_unaccounted_for() -> None:
    everyone = frozenset(f"m:{i}" for i in range(9))
    parts = {"done": frozenset(f"m:{i}" for i in range(6)), "running": frozenset({"m:6", "m:7", "m:8"})}
    assert suppress_parts(everyone, parts, ["done"], 5) == ["done"]  # 9 less 6 would be the 3 still running
    assert suppress_parts(everyone, parts, ["done", "running"], 5) == []


# --- distributions --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([4], (4.0, 4.0, 4.0)),
        ([1, 5], (3.0, 2.0, 4.0)),
        ([3, 1, 2, 4], (2.5, 1.75, 3.25)),
        ([2, 3, 3, 4, 5], (3.0, 3.0, 4.0)),
    ],
)
def test_median_and_spread(values: list[int], expected: tuple[float, float, float] | None) -> None:
    assert median_and_spread(values) == expected


@pytest.mark.parametrize("values", [[1, 2, 2, 3, 5, 5], [5, 4, 4, 4, 1, 2, 3], [1, 1, 1, 1, 5, 5, 5, 5, 3]])
def test_median_and_spread_agree_with_the_standard_library(values: list[int]) -> None:
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    assert median_and_spread(values) == pytest.approx((median, q1, q3))
