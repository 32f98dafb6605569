"""Counting a cohort's answers for one period and filtering them through bot.privacy (stores nothing).

Every figure is a cell with the people behind *that* figure: each statement's ratings, each bucket of the
experiments by status, decision and goal, each prompt's answers. What a period counts (the rule HR's README states):

- figures about the period's own events — who answered which prompt, who was active, who met HR, assignments done —
  are counted over the mentors in the programme at the period's summary step (its membership snapshot);
- a figure about one prompt's answers or one check-in's ratings, once counted in an earlier period, is repeated
  exactly as it was shown or withheld then (``carried``), never recounted: a later leaver cannot be found by
  comparing the two;
- only figures that measure a state again (experiments) are compared with what HR saw before, and withheld when
  the people behind them changed by fewer than the threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session, col, select

from bot.peer_report import groups_met
from bot.privacy import (
    Cell,
    PrivacyPolicy,
    Quote,
    Withheld,
    filter_cells,
    filter_quotes,
    median_and_spread,
    name_variants,
    suppress_parts,
)
from bot.programmes import programme_by_id
from bot.programmes.model import Step
from bot.summaries.model import COHORT, EVENT_METRICS, Figure, SharedQuote, Summary, org_group, person_key
from bot.summaries.periods import meeting_window, period_steps, since_previous
from storage.models import Cohort, Goal, Member, Organisation, SlackUser
from storage.summary_queries import OrganisationFigures, organisation_figures

Parts = Sequence[OrganisationFigures]
Key = TypeVar("Key")
STATE_METRICS = ("experiments", "peers")  # measured again each period: compared with earlier summaries


@dataclass(frozen=True)
class Carried:
    """What earlier periods showed and withheld of the event figures, repeated as they were."""

    figures: tuple[Figure, ...] = ()
    withheld: tuple[tuple[str, str, str], ...] = ()

    @property
    def metrics(self) -> set[str]:
        return {f.metric for f in self.figures} | {w[1] for w in self.withheld}


@dataclass(frozen=True)
class _Period:
    """The steps one period counts, and the cohort's organisations and goals."""

    covered: list[Step]  # every prompt step up to the summary step
    fresh: list[Step]  # the prompt steps since the previous summary step
    organisations: list[Organisation]
    goals: dict[int, str]


def _people(ids: Iterable[int]) -> frozenset[str]:
    return frozenset(person_key(i) for i in ids)


def _union(parts: Parts, pick: Callable[[OrganisationFigures], set[int]]) -> set[int]:
    found: set[int] = set()
    for part in parts:
        found |= pick(part)
    return found


def _union_at(parts: Parts, table: Callable[[OrganisationFigures], Mapping[Key, set[int]]], key: Key) -> set[int]:
    """The people under `key` in each part's `table` (sent, answered, experiments…), together."""
    return _union(parts, lambda figures: table(figures).get(key, set()))


def _rate_cell(group: str, metric: str, people: set[int], value: dict[str, int], did: int, of: int) -> Cell:
    """A rate's cell: about the people asked, unanimous at 0 % and 100 %."""
    return Cell(group, metric, len(people), value, _people(people), rate=(did, of))


def _membership_cells(group: str, parts: Parts, fresh: Sequence[Step]) -> list[Cell]:
    """How many mentors there are, and how many of them answered at least one of the period's prompts."""
    mentors = _union(parts, lambda f: f.mentors)
    active = {m for step in fresh for m in _union_at(parts, lambda f: f.answered, step.id)} & mentors
    return [
        Cell(group, "mentors", len(mentors), {"mentors": len(mentors)}, _people(mentors)),
        _rate_cell(
            group, "active", mentors, {"active": len(active), "mentors": len(mentors)}, len(active), len(mentors)
        ),
    ]


def _answer_cells(group: str, parts: Parts, steps: Sequence[Step]) -> list[Cell]:
    """Per prompt: to how many it was sent and how many answered."""
    cells = []
    for step in steps:
        sent = _union_at(parts, lambda f: f.sent, step.id)
        answered = _union_at(parts, lambda f: f.answered, step.id)
        value = {"sent": len(sent), "answered": len(answered)}
        cells.append(_rate_cell(group, f"answers:{step.id}", sent, value, len(answered), len(sent)))
    return cells


def _assignment_cells(group: str, parts: Parts, fresh: Sequence[Step]) -> list[Cell]:
    """The period's assignments: how many were sent and done, about everyone they were sent to."""
    assignments = [step.id for step in fresh if step.kind == "assignment"]
    if not assignments:
        return []
    people = _union(parts, lambda f: set().union(*(f.sent.get(s, set()) for s in assignments)))
    sent = sum(len(f.sent.get(s, set())) for f in parts for s in assignments)
    done = sum(len(f.answered.get(s, set())) for f in parts for s in assignments)
    return [_rate_cell(group, "assignments", people, {"sent": sent, "done": done}, done, sent)]


def _hr_cells(group: str, parts: Parts) -> list[Cell]:
    """How many mentors met HR in the period, and how many meetings, about every mentor."""
    mentors = _union(parts, lambda f: f.mentors)
    met = _union(parts, lambda f: f.met_hr) & mentors
    value = {"mentors": len(met), "meetings": sum(f.hr_meetings for f in parts)}
    return [_rate_cell(group, "hr_meetings", mentors, value, len(met), len(mentors))]


def _experiment_cells(group: str, parts: Parts, goals: Mapping[int, str] | None) -> list[Cell]:
    """How many mentors run experiments, and each bucket by status, decision and (own organisation only) goal."""
    runners = _union(parts, lambda f: f.experimenters)
    cells = [Cell(group, "experiments", len(runners), {"mentors": len(runners)}, _people(runners))]
    keys = sorted({key for part in parts for key in part.experiments})
    for key in keys:
        people = _union_at(parts, lambda f: f.experiments, key)
        cells.append(Cell(group, f"experiments:{key}", len(people), {"mentors": len(people)}, _people(people)))
    for goal_id, text in sorted((goals or {}).items()):
        people = _union_at(parts, lambda f: f.experiments_by_goal, goal_id)
        if people:
            cells.append(
                Cell(
                    group,
                    f"experiments:goal:{goal_id}",
                    len(people),
                    {"goal": text, "mentors": len(people)},
                    _people(people),
                )
            )
    return cells


def _rating_cells(group: str, parts: Parts, checkpoints: Sequence[Step]) -> list[Cell]:
    """Per check-in and statement: median and middle half, about the people who rated *that* statement."""
    cells = []
    for step in checkpoints:
        for item in step.items:
            rated: dict[int, int] = {}
            for part in parts:
                rated.update(part.ratings.get((step.id, item), {}))
            spread = median_and_spread(list(rated.values()))
            if spread is not None:
                cells.append(
                    Cell(
                        group, f"se:{step.checkpoint}:{item}", len(rated), [round(x, 2) for x in spread], _people(rated)
                    )
                )
    return cells


def _group_cells(group: str, parts: Parts, period: _Period, goals: Mapping[int, str] | None) -> list[Cell]:
    """Every raw cell of one group (the cohort: every organisation's figures together)."""
    sent_steps = [step for step in period.covered if any(part.sent.get(step.id) for part in parts)]
    return [
        *_membership_cells(group, parts, period.fresh),
        *_answer_cells(group, parts, sent_steps),
        *_assignment_cells(group, parts, period.fresh),
        *_hr_cells(group, parts),
        *_experiment_cells(group, parts, goals),
        *_rating_cells(group, parts, [step for step in period.covered if step.checkpoint]),
    ]


def _cells(raw: Mapping[int | None, OrganisationFigures], period: _Period, carried: set[str]) -> list[Cell]:
    """The cohort's cells and each organisation's, leaving out the event figures carried from earlier periods."""
    cells = _group_cells(COHORT, list(raw.values()), period, None)
    for organisation in period.organisations:
        part = raw.get(organisation.id, OrganisationFigures())
        own = {gid: text for gid, text in period.goals.items() if gid in part.experiments_by_goal}
        cells += _group_cells(org_group(int(organisation.id or 0)), [part], period, own)
    return [cell for cell in cells if cell.metric not in carried]


def _within_groups(shown: list[Cell], min_group: int) -> list[Withheld]:
    """Buckets to withhold so that a group's experimenters in no shown bucket are none or enough."""
    withheld: list[Withheld] = []
    for total in [cell for cell in shown if cell.metric == "experiments"]:
        for dimension in ("status", "decision"):
            prefix = f"experiments:{dimension}:"
            parts = {
                c.metric: c.people or frozenset()
                for c in shown
                if c.group == total.group and c.metric.startswith(prefix)
            }
            for metric in suppress_parts(total.people or frozenset(), parts, sorted(parts), min_group):
                withheld.append(Withheld(total.group, metric, "complementary"))
    return withheld


def _filter(
    cells: list[Cell], period: _Period, policy: PrivacyPolicy, shown_before: Sequence[Cell]
) -> tuple[list[Figure], list[Withheld]]:
    """Filter the cells: threshold, subtraction between organisations and buckets, comparison over time."""
    partition = {COHORT: [org_group(int(o.id or 0)) for o in period.organisations]}
    history = [cell for cell in shown_before if cell.metric.startswith(STATE_METRICS)]
    shown, withheld = filter_cells(cells, policy, partition=partition, shown_before=history)
    keys = {(s.group, s.metric) for s in shown}
    shown_cells = [cell for cell in cells if (cell.group, cell.metric) in keys]
    more = _within_groups(shown_cells, policy.min_group)
    dropped = {(w.group, w.metric) for w in more}
    figures = [
        Figure(c.group, c.metric, c.value, c.respondents, tuple(sorted(c.people or ())))
        for c in shown_cells
        if (c.group, c.metric) not in dropped
    ]
    return figures, [*withheld, *more]


def names_to_scrub(session: Session, cohort_id: int) -> list[str]:
    """Every name a quote must not carry: the cohort's organisations and the Slack names of everyone in it."""
    organisations = session.exec(select(Organisation.name).where(Organisation.cohort_id == cohort_id))
    profiles = session.exec(
        select(SlackUser.real_name, SlackUser.display_name)
        .join(Member, (col(Member.team_id) == col(SlackUser.team_id)) & (col(Member.user_id) == col(SlackUser.user_id)))
        .where(Member.cohort_id == cohort_id)
    )
    people = [name for row in profiles for name in row if name]
    return [*organisations, *name_variants(people)]


def _quotes(
    session: Session, cohort: Cohort, fresh: Mapping[int | None, OrganisationFigures], policy: PrivacyPolicy
) -> tuple[list[SharedQuote], list[Withheld]]:
    """The period's consented quotes, each for its author's own organisation's HR only."""
    candidates: list[Quote] = []
    answered: dict[tuple[str, str], int] = {}
    for organisation_id, part in fresh.items():
        if organisation_id is None:
            continue  # a mentor without an organisation has no HR to quote them to
        group = org_group(organisation_id)
        answered |= {(group, step): len(ids) for step, ids in part.answered.items()}
        candidates += [Quote(text.strip(), True, group, step, person_key(member)) for step, member, text in part.quotes]
    shown, withheld = filter_quotes(candidates, answered, policy, names=names_to_scrub(session, int(cohort.id or 0)))
    unique: dict[tuple[str, str], SharedQuote] = {}
    for quote in shown:  # one quote for the same words, with every author (erasing any of them removes it)
        known = unique.get((quote.group, quote.text))
        authors = tuple(sorted({*(known.authors if known else ()), quote.author}))
        unique[quote.group, quote.text] = SharedQuote(quote.group, quote.text, authors, quote.prompt)
    return list(unique.values()), withheld


def _period(session: Session, cohort: Cohort, summary_step: Step) -> _Period:
    programme = programme_by_id(cohort.programme)
    organisations = list(
        session.exec(select(Organisation).where(Organisation.cohort_id == cohort.id).order_by(col(Organisation.id)))
    )
    goals = session.exec(select(Goal).where(col(Goal.organisation_id).in_([o.id for o in organisations])))
    return _Period(
        covered=period_steps(programme, summary_step),
        fresh=since_previous(programme, summary_step),
        organisations=organisations,
        goals={goal.id: goal.text for goal in goals if goal.id is not None},
    )


def compute_summary(
    session: Session,
    cohort: Cohort,
    summary_step: Step,
    *,
    policy: PrivacyPolicy,
    now: datetime,
    shown_before: Sequence[Cell] = (),
    carried: Carried = Carried(),
) -> Summary:
    """Count, filter and return the cohort's summary for the period of ``summary_step`` (stores nothing)."""
    period = _period(session, cohort, summary_step)
    cohort_id = int(cohort.id or 0)
    since, until = meeting_window(session, cohort, summary_step)
    raw = organisation_figures(
        session,
        cohort_id,
        [s.id for s in period.covered],
        [s.id for s in period.covered if s.checkpoint],
        meetings_from=since,
        meetings_until=until,
    )
    cells = [*_cells(raw, period, carried.metrics), *_peer_cells(session, cohort)]
    figures, withheld = _filter(cells, period, policy, shown_before)
    fresh = organisation_figures(session, cohort_id, [s.id for s in period.fresh], [])
    quotes, quotes_withheld = _quotes(session, cohort, fresh, policy)
    metrics = {cell.metric for cell in cells} | carried.metrics
    return Summary(
        cohort_id=cohort_id,
        cohort_name=cohort.name,
        language=cohort.language,
        programme=cohort.programme,
        period=str(summary_step.period),
        min_group=policy.min_group,
        computed_at=now.isoformat(),
        steps=tuple(step.id for step in period.covered if f"answers:{step.id}" in metrics),
        organisations={org_group(int(o.id or 0)): o.name for o in period.organisations},
        figures=(*carried.figures, *figures),
        withheld=(*carried.withheld, *((w.group, w.metric, w.reason) for w in [*withheld, *quotes_withheld])),
        quotes=tuple(quotes),
    )


def _peer_cells(session: Session, cohort: Cohort) -> list[Cell]:
    """Cohort-wide only (groups mix organisations): how many of the introduced peer groups met, as a rate of groups."""
    figure = groups_met(session, cohort)
    if figure is None:
        return []
    value = {"met": figure.met, "groups": figure.groups}
    return [Cell(COHORT, "peers", len(figure.people), value, _people(figure.people), rate=(figure.met, figure.groups))]


def is_event_metric(metric: str) -> bool:
    """True for figures counted once and then repeated (one prompt's answers, one check-in's ratings)."""
    return metric.startswith(EVENT_METRICS)
