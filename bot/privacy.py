"""The privacy filter: every figure and quote meant for anyone but the mentor passes through here first.

Pure, deterministic functions over plain values; bot.privacy_gate applies them for an audience, and the texts
explaining the reason codes are localised elsewhere. HR may see a figure only when the distinct people behind *that*
figure reach ``min_group`` (default 5, never below 3), never a figure that lets a hidden group be worked out by
subtraction, whether from the other figures of the same summary or from figures shown in earlier ones, and free text
only as consented, scrubbed, unattributed quotes (see ``filter_quotes``).

Reason codes:

- ``small_group``: the figure is about fewer than ``min_group`` people. This includes a group of 0: a zero about
  nobody is withheld too, so that "nobody in org X answered" cannot be read off and an empty group looks like a small
  one. A rate of 0 % or 100 % is withheld for the same reason: the people who did not (or did) number zero, and the
  rate would tell what each person in the group did.
- ``complementary``: fine on its own, but with the other figures of the summary it would let a hidden group be derived
  by subtraction.
- ``small_change``: fine within this summary, but compared with figures shown in earlier summaries it would single out
  fewer than ``min_group`` people (someone joined, left or deleted their data).
- ``small_group_quotes``: quotes to a prompt that fewer than ``min_group`` people of the organisation answered (one
  entry per organisation, however many quotes, so that neither the number of answers nor of consents is told).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import gcd, lcm
from typing import Final

REASONS: Final = ("small_group", "complementary", "small_change", "small_group_quotes")
QUOTES_METRIC: Final = "quotes"
PLACEHOLDER: Final = "[…]"
# Sets of people checked per audit over time before giving up and withholding (safe, but less is shown).
SEARCH_BUDGET: Final = 50_000
Kernel = list[list[int]]  # a basis of the vectors over atoms that no combination of shown figures can tell apart


@dataclass(frozen=True)
class PrivacyPolicy:
    """How many people must be behind a figure, or have answered a prompt, before HR sees it or a quote to it."""

    min_group: int = 5

    def __post_init__(self) -> None:
        """Refuse a threshold under 3."""
        if self.min_group < 3:
            raise ValueError(f"min_group must be at least 3, not {self.min_group}")


@dataclass(frozen=True)
class Cell:
    """One figure about one group, before filtering; ``people`` (ids, never shown) is needed for checks over time."""

    group: str
    metric: str
    respondents: int
    value: object
    people: frozenset[str] | None = None
    rate: tuple[int, int] | None = None  # (did, of) when the value is a rate: how many of how many did it

    def __post_init__(self) -> None:
        """Refuse a negative count, or ids that do not match the count."""
        if self.respondents < 0:
            raise ValueError(f"{self.group} {self.metric}: respondents must not be negative")
        if self.people is not None:
            object.__setattr__(self, "people", frozenset(self.people))
            if len(self.people) != self.respondents:
                raise ValueError(
                    f"{self.group} {self.metric}: {len(self.people)} people, {self.respondents} respondents"
                )

    @property
    def unanimous(self) -> bool:
        """A rate of 0 % or 100 %: it would tell what each person in the group did."""
        return self.rate is not None and self.rate[0] in (0, self.rate[1])


@dataclass(frozen=True)
class Shown:
    """A figure HR may see."""

    group: str
    metric: str
    value: object
    respondents: int


@dataclass(frozen=True)
class Withheld:
    """A figure or quote HR may not see, and why (one of REASONS)."""

    group: str
    metric: str
    reason: str

    def __post_init__(self) -> None:
        """Accept only the known reason codes, so every one has a localised text."""
        if self.reason not in REASONS:
            raise ValueError(f"unknown reason {self.reason!r}")


@dataclass(frozen=True)
class Quote:
    """Free text a mentor wrote to one prompt, whether they agreed to HR seeing it, and their organisation's group.

    ``author`` (an id, never shown) lets the quote be removed when its author stops sharing or is erased.
    """

    text: str
    consent: bool
    group: str
    prompt: str = ""
    author: str = ""


def filter_cells(
    cells: Sequence[Cell],
    policy: PrivacyPolicy,
    *,
    partition: Mapping[str, Sequence[str]],
    shown_before: Sequence[Cell] = (),
) -> tuple[list[Shown], list[Withheld]]:
    """Split figures into those HR may see and those withheld (with a reason), each list in input order.

    Per metric, the groups with a figure form a forest: ``partition`` maps a group to the groups it is the sum of, and
    a group's parent is its nearest listed ancestor that has a figure. A group's people in none of its children with a
    figure ("the rest": mentors without an organisation, or a listed child without a figure) are one more part of it,
    never shown. A child with more respondents than its parent, or a group in two places, is a ValueError.

    1. ``small_group``: every figure about fewer than ``min_group`` respondents, including 0.
    2. ``complementary``: what HR can compute from the shown figures is exactly, for each shown group, its figure minus
       those of its nearest shown subgroups: its *gap*, the people in no shown group below it. Gaps of different shown
       groups never overlap, so it is enough that each gap is empty or holds at least ``min_group`` respondents. While
       a gap is too small (deepest group first, then by key) one more of that group's nearest shown subgroups is
       withheld, preferring one not shown with the same people before, then one that adds people to the gap, then
       the fewest respondents, then the group key. So with organisations of 7 and 3 both are withheld and the cohort's
       10 is shown; with 5, 9 and 2, the 2 and then the 5. The parent is withheld only if it has no shown subgroup
       left, which cannot happen for a parent of ``min_group`` or more (kept as a guard).
    3. ``small_change``: ``shown_before`` is every cell shown in earlier summaries, with ``people``; HR knows those
       figures too. Taking each figure as a sum over its people, shown cells are withheld one at a time (those
       touching the exposed people first, then the fewest respondents) until nothing HR can compute from the earlier
       and current figures together says more than the earlier ones alone about any set of fewer than ``min_group``
       people: one person joining, leaving or deleting their data is caught, a change of ``min_group`` people is not.
       Steps 2 and 3 repeat until neither withholds more.
    4. A cell whose ``rate`` is 0 % or 100 % is withheld as ``small_group`` from the start; a shown group whose rate
       less its shown subgroups' rates is 0 % or 100 % of the people left is withheld as ``complementary``.

    Values are treated as sums even when they are medians or rates: suppressing such figures the same way is safe.
    """
    _check_unique(cells)
    parents = _parents(partition)
    reasons: dict[tuple[str, str], str] = {}
    for metric in dict.fromkeys(cell.metric for cell in cells):
        mine = [cell for cell in cells if cell.metric == metric]
        history = [cell for cell in shown_before if cell.metric == metric]
        for group, reason in _filter_metric(mine, history, policy.min_group, parents).items():
            reasons[group, metric] = reason
    shown = [Shown(c.group, c.metric, c.value, c.respondents) for c in cells if (c.group, c.metric) not in reasons]
    withheld = [Withheld(c.group, c.metric, reasons[key]) for c in cells if (key := (c.group, c.metric)) in reasons]
    return shown, withheld


def suppress_parts(
    whole: frozenset[str], parts: Mapping[str, frozenset[str]], shown: Sequence[str], min_group: int
) -> list[str]:
    """Return the shown parts to withhold so that the people of ``whole`` in no shown part are none or enough.

    ``parts`` are buckets of one distribution within one group (experiments by status, say): with the group's total
    shown, the people in no shown bucket could otherwise be worked out, and they must be 0 or at least ``min_group``.
    The smallest shown bucket (then by key) goes first.
    """
    keep = list(shown)
    dropped: list[str] = []
    while keep:
        rest = whole - frozenset().union(*(parts[key] for key in keep))
        if not rest or len(rest) >= min_group:
            break
        smallest = min(keep, key=lambda key: (len(parts[key]), key))
        keep.remove(smallest)
        dropped.append(smallest)
    return dropped


def explain_withheld(withheld: Sequence[Withheld]) -> dict[str, int]:
    """Count withheld figures and quotes per reason code, in the order of REASONS, leaving out reasons with none."""
    counts = Counter(item.reason for item in withheld)
    return {reason: counts[reason] for reason in REASONS if counts[reason]}


def filter_quotes(
    quotes: Sequence[Quote],
    answered: Mapping[tuple[str, str], int],
    policy: PrivacyPolicy,
    *,
    names: Sequence[str] = (),
) -> tuple[list[Quote], list[Withheld]]:
    """Return the scrubbed quotes HR may see, ordered by a hash of their text, and what was withheld.

    ``answered`` counts, per (group, prompt), the people of that group who answered the prompt. A quote is shown only
    with consent, only when at least ``min_group`` people of its group answered its prompt, and scrubbed (see
    ``scrub``); each quote keeps its group, so it reaches that organisation's HR only. A group with a quote withheld
    for its size gets one ``small_group_quotes`` entry, however many quotes.
    """
    shown: list[Quote] = []
    small: list[str] = []
    for quote in quotes:
        if not quote.consent:
            continue
        if answered.get((quote.group, quote.prompt), 0) < policy.min_group:
            small.append(quote.group)
            continue
        text = scrub(quote.text, names)
        if text and text != PLACEHOLDER:
            shown.append(Quote(text, True, quote.group, quote.prompt, quote.author))
    withheld = [Withheld(group, QUOTES_METRIC, "small_group_quotes") for group in dict.fromkeys(small)]
    return sorted(shown, key=lambda quote: _order_key(quote.text)), withheld


def scrub(text: str, names: Sequence[str] = ()) -> str:
    """Replace mentions, links, e-mail addresses, phone numbers, @handles and the given names with PLACEHOLDER.

    A name of four or more letters also matches with up to four letters appended (Finnish case endings: "Annalle");
    shorter names match as whole words or with a colon ending ("Ari:n"). Matching ignores case.
    """
    longest_first = sorted({name.strip() for name in names if len(name.strip()) >= 2}, key=len, reverse=True)
    for pattern in (*_SLACK_PATTERNS, *map(_name_pattern, longest_first)):
        text = pattern.sub(PLACEHOLDER, text)
    return text.strip()


def name_variants(full_names: Iterable[str]) -> list[str]:
    """Every name worth scrubbing from a person's Slack names: the names, each word in them, and the stem Finnish
    surnames in -nen take when inflected."""
    found: dict[str, None] = {}
    for full in full_names:
        clean = " ".join(re.sub(r"[^\w\s'’-]", " ", full or "").split())
        if len(clean) >= 2:
            found[clean] = None
        for word in clean.split():
            if len(word) >= 2:
                found[word] = None
            if len(word) >= 6 and word.lower().endswith("nen"):
                found[word[:-3] + "s"] = None  # Finnish: Korhonen → Korhosen, Korhoselle
    return list(found)


def median_and_spread(values: Sequence[int]) -> tuple[float, float, float] | None:
    """Return (median, lower quartile, upper quartile), interpolating linearly (QUARTILE.INC); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return _quantile(ordered, 0.5), _quantile(ordered, 0.25), _quantile(ordered, 0.75)


# --- one summary: primary and complementary suppression over a forest of groups --------------------------------------


@dataclass(frozen=True)
class _Tree:
    """One metric's groups with a figure, as a forest, with each group's "rest" (None when it has nobody to hide)."""

    respondents: dict[str, int]
    children: dict[str, list[str]]
    depth: dict[str, int]
    rest: dict[str, int | None]


def _check_unique(cells: Sequence[Cell]) -> None:
    """Refuse two figures for the same group and metric."""
    seen: set[tuple[str, str]] = set()
    for cell in cells:
        if (cell.group, cell.metric) in seen:
            raise ValueError(f"two figures for {cell.group} {cell.metric}")
        seen.add((cell.group, cell.metric))


def _parents(partition: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Map each child group to its parent, refusing a group listed twice and cycles."""
    parents: dict[str, str] = {}
    for parent, children in partition.items():
        if isinstance(children, str):
            raise TypeError(f"the children of {parent} must be a list of groups, not a string")
        for child in children:
            if child == parent or child in parents:
                raise ValueError(f"{child} is listed more than once in the partition")
            parents[child] = parent
    for group in parents:
        seen = {group}
        while (group := parents.get(group, "")) and group not in seen:
            seen.add(group)
        if group:
            raise ValueError(f"the partition has a cycle through {group}")
    return parents


def _tree(cells: Sequence[Cell], parents: Mapping[str, str]) -> _Tree:
    """Build the forest of one metric's groups and the size of each group's rest."""
    respondents = {cell.group: cell.respondents for cell in cells}

    def nearest(group: str) -> str | None:
        """Return the nearest ancestor of ``group`` that has a figure."""
        parent = parents.get(group)
        while parent is not None and parent not in respondents:
            parent = parents.get(parent)
        return parent

    up = {group: nearest(group) for group in respondents}
    children = {group: sorted(child for child in respondents if up[child] == group) for group in respondents}
    missing_under = {nearest(group) for group in {*parents, *parents.values()} if group not in respondents}
    depth: dict[str, int] = {}
    rest: dict[str, int | None] = {}
    for group, count in respondents.items():
        depth[group] = len(_ancestors(up, group))
        left = count - sum(respondents[child] for child in children[group])
        if left < 0:
            raise ValueError(f"{cells[0].metric}: the groups in {group} have more respondents ({count - left}) than it")
        rest[group] = left if left or not children[group] or group in missing_under else None
    return _Tree(respondents, children, depth, rest)


def _ancestors(up: Mapping[str, str | None], group: str) -> list[str]:
    """Return the groups with a figure above ``group``, nearest first."""
    found: list[str] = []
    while (parent := up[group]) is not None:
        found.append(parent)
        group = parent
    return found


def _gap(tree: _Tree, group: str, hidden: Mapping[str, str]) -> int | None:
    """Respondents of ``group`` in no shown group below it; None when there is nobody there at all."""
    parts = [tree.rest[group], *(_gap(tree, child, hidden) for child in tree.children[group] if child in hidden)]
    present = [part for part in parts if part is not None]
    return sum(present) if present else None


def _frontier(tree: _Tree, group: str, hidden: Mapping[str, str]) -> list[str]:
    """Return the nearest shown groups below ``group``."""
    found: list[str] = []
    for child in tree.children[group]:
        found += _frontier(tree, child, hidden) if child in hidden else [child]
    return found


def _first_breach(tree: _Tree, hidden: Mapping[str, str], min_group: int) -> str | None:
    """Return the deepest shown group whose gap is not empty but under min_group, or None."""
    for group in sorted(tree.respondents, key=lambda group: (-tree.depth[group], group)):
        if group in hidden:
            continue
        gap = _gap(tree, group, hidden)
        if gap is not None and gap < min_group:
            return group
    return None


def _suppress_complementary(tree: _Tree, hidden: dict[str, str], min_group: int, pinned: set[str]) -> None:
    """Withhold subgroups (or, as a last resort, the group) until every shown group's gap is empty or large enough."""
    while (breach := _first_breach(tree, hidden, min_group)) is not None:
        candidates = _frontier(tree, breach, hidden)
        if not candidates:
            hidden[breach] = "complementary"
            continue

        def cost(group: str) -> tuple[bool, bool, int, str]:
            """Prefer a group not already known, one whose withholding helps, then the smallest."""
            return group in pinned, _gap(tree, group, hidden) is None, tree.respondents[group], group

        hidden[min(candidates, key=cost)] = "complementary"


def _filter_metric(
    cells: Sequence[Cell], history: Sequence[Cell], min_group: int, parents: Mapping[str, str]
) -> dict[str, str]:
    """Return the withheld groups of one metric with their reasons."""
    if history and any(cell.people is None for cell in (*cells, *history)):
        raise ValueError(f"{cells[0].metric}: comparing with earlier summaries needs the people behind every figure")
    tree = _tree(cells, parents)
    hidden = {cell.group: "small_group" for cell in cells if cell.respondents < min_group or cell.unanimous}
    known = {(old.group, old.people) for old in history}
    pinned = {cell.group for cell in cells if (cell.group, cell.people) in known}
    rates = {cell.group: cell.rate for cell in cells if cell.rate is not None}
    while True:
        _suppress_complementary(tree, hidden, min_group, pinned)
        if (victim := _unanimous_gap(tree, hidden, rates)) is not None:
            hidden[victim] = "complementary"
            continue
        victim = _history_victim([c for c in cells if c.group not in hidden], history, min_group) if history else None
        if victim is None:
            return hidden
        hidden[victim] = "small_change"


def _unanimous_gap(tree: _Tree, hidden: Mapping[str, str], rates: Mapping[str, tuple[int, int]]) -> str | None:
    """Return the deepest shown group whose rate, less its shown subgroups' rates, is 0 % or 100 % of someone."""
    for group in sorted(rates, key=lambda group: (-tree.depth[group], group)):
        if group in hidden:
            continue
        below = [rates[child] for child in _frontier(tree, group, hidden) if child in rates]
        did = rates[group][0] - sum(rate[0] for rate in below)
        of = rates[group][1] - sum(rate[1] for rate in below)
        if below and of > 0 and did in (0, of):
            return group
    return None


# --- over time: what the earlier and current figures tell together, as sums over people ------------------------------


def _history_victim(shown: Sequence[Cell], history: Sequence[Cell], min_group: int) -> str | None:
    """Return the shown group to withhold so the figures tell nothing new about fewer than min_group people, or None."""
    old = [cell.people or frozenset() for cell in history]
    new = [cell.people or frozenset() for cell in shown]
    if set(new) <= set(old):
        return None  # every figure was shown before with the same people
    atoms = _atoms([*old, *new])
    before = _kernel(atoms, old)
    exposed = _new_isolation(atoms, before, _kernel(atoms, [*old, *new]), min_group)
    if exposed is None:
        return None
    people = frozenset().union(*(atoms[index] for index in exposed))
    order = sorted(shown, key=lambda cell: (not (cell.people or frozenset()) & people, cell.respondents, cell.group))
    for cell in order:
        rest = [other.people or frozenset() for other in shown if other is not cell]
        if _rank(_kernel(atoms, [*old, *rest]), exposed) >= _rank(before, exposed):
            return cell.group
    return order[0].group


def _atoms(rows: Sequence[frozenset[str]]) -> list[frozenset[str]]:
    """Split everyone in the rows into classes of people who are in exactly the same rows."""
    classes: dict[tuple[int, ...], set[str]] = {}
    for person in sorted(frozenset().union(*rows)):
        classes.setdefault(tuple(i for i, row in enumerate(rows) if person in row), set()).add(person)
    return [frozenset(classes[key]) for key in sorted(classes)]


def _new_isolation(
    atoms: Sequence[frozenset[str]], before: Kernel, after: Kernel, min_group: int
) -> tuple[int, ...] | None:
    """Return atoms, under min_group people in all, that HR learns more about from ``after`` than from ``before``."""
    small = [index for index, atom in enumerate(atoms) if len(atom) < min_group]
    checked = 0
    for size in range(1, min_group):
        for subset in combinations(small, size):
            if sum(len(atoms[index]) for index in subset) >= min_group:
                continue
            checked += 1
            if checked > SEARCH_BUDGET:
                return tuple(small)  # cannot prove it safe in time: treat as exposed, so something is withheld
            if _rank(after, subset) < _rank(before, subset):
                return subset
    return None


def _kernel(atoms: Sequence[frozenset[str]], rows: Sequence[frozenset[str]]) -> Kernel:
    """Return a basis of the integer vectors over atoms orthogonal to every row (a sum over the row's atoms)."""
    reduced, pivots = _eliminate([[int(atom <= row) for atom in atoms] for row in rows])
    scale = lcm(*(reduced[r][column] for r, column in enumerate(pivots)))
    basis = []
    for free in (column for column in range(len(atoms)) if column not in pivots):
        vector = [0] * len(atoms)
        vector[free] = scale
        for r, column in enumerate(pivots):
            vector[column] = -scale * reduced[r][free] // reduced[r][column]
        basis.append(vector)
    return basis


def _rank(kernel: Kernel, subset: Sequence[int]) -> int:
    """Return the rank of the kernel's columns for ``subset`` (below len(subset): HR learns something about them)."""
    return len(_eliminate([[vector[index] for vector in kernel] for index in subset])[1])


def _eliminate(matrix: list[list[int]]) -> tuple[list[list[int]], list[int]]:
    """Reduce an integer matrix exactly, without fractions; return its non-zero rows and their pivot columns."""
    rows = [row for row in matrix if any(row)]
    pivots: list[int] = []
    for column in range(len(rows[0]) if rows else 0):
        found = next((r for r in range(len(pivots), len(rows)) if rows[r][column]), None)
        if found is None:
            continue
        top = len(pivots)
        rows[top], rows[found] = rows[found], rows[top]
        pivot = rows[top]
        for r, row in enumerate(rows):
            if r != top and row[column]:
                combined = [pivot[column] * a - row[column] * b for a, b in zip(row, pivot, strict=True)]
                divisor = gcd(*combined) or 1
                rows[r] = [value // divisor for value in combined]
        pivots.append(column)
    return rows[: len(pivots)], pivots


# --- quotes and distributions ----------------------------------------------------------------------------------------

_SLACK_PATTERNS: Final = (
    re.compile(r"<[@#!][^>]*>"),  # user, channel, user group and special mentions (<!here>)
    re.compile(r"<(?:mailto|https?|tel|ftp):[^>]*>"),  # links as Slack sends them
    re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE),  # links typed as plain text
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail address
    re.compile(r"(?<![\w@])@\w[\w.-]*"),  # @handle typed as plain text
    re.compile(r"(?<![\w+])\+?\(?\d(?:[\s().-]*\d){6,}(?!\w)"),  # phone number: seven digits or more
)


def _name_pattern(name: str) -> re.Pattern[str]:
    """Match a name as a word, with Finnish case endings for names of four letters or more."""
    words = r"\s+".join(re.escape(word) for word in name.split())
    ending = r"(?:[:'’]?\w{0,4})" if len(name.strip()) >= 4 else r"(?:[:'’]\w{1,4})?"
    return re.compile(rf"(?<!\w){words}{ending}(?!\w)", re.IGNORECASE)


def _order_key(text: str) -> tuple[str, str]:
    """Order quotes by a hash of their text: stable, and unrelated to who answered first."""
    return hashlib.sha256(text.encode()).hexdigest(), text


def _quantile(ordered: Sequence[int], share: float) -> float:
    """Return the quantile of sorted values at ``share`` by linear interpolation between neighbours."""
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
