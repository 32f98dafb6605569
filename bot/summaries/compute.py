"""Counting a cohort's answers for one period and filtering them through bot.privacy (stores nothing)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.privacy import Cell, PrivacyPolicy, Quote, filter_cells, filter_quotes, median_and_spread
from bot.programmes import programme_by_id
from bot.programmes.model import Step
from bot.summaries.model import COHORT, Figure, Summary, org_group, person_key
from bot.summaries.periods import period_steps, since_previous
from storage.models import Cohort, Goal, Organisation
from storage.summary_queries import OrganisationFigures, organisation_figures


def _people(ids: Iterable[int]) -> frozenset[str]:
    return frozenset(person_key(i) for i in ids)


def _union(figures: Iterable[OrganisationFigures], pick: Callable[[OrganisationFigures], set[int]]) -> set[int]:
    found: set[int] = set()
    for figure in figures:
        found |= pick(figure)
    return found


def _cells_for(
    group: str,
    parts: Sequence[OrganisationFigures],
    steps: Sequence[Step],
    checkpoints: Mapping[str, Step],
    goals: Mapping[int, str] | None,
) -> list[Cell]:
    """The raw cells of one group (the cohort: every organisation's figures together)."""
    mentors = _union(parts, lambda f: f.mentors)
    active = _union(parts, lambda f: f.active)
    cells = [Cell(group, "mentors", len(mentors), {"mentors": len(mentors), "active": len(active)}, _people(mentors))]
    for step in steps:
        sent = _union(parts, lambda f, s=step.id: f.sent.get(s, set()))
        answered = _union(parts, lambda f, s=step.id: f.answered.get(s, set()))
        cells.append(Cell(group, f"answers:{step.id}", len(sent), {"sent": len(sent), "answered": len(answered)},
                          _people(sent)))  # fmt: skip
    assignments = [step for step in steps if step.kind == "assignment"]
    if assignments:
        sent_any = _union(parts, lambda f: set().union(*(f.sent.get(s.id, set()) for s in assignments)))
        sent = sum(len(f.sent.get(s.id, set())) for f in parts for s in assignments)
        done = sum(len(f.answered.get(s.id, set())) for f in parts for s in assignments)
        cells.append(Cell(group, "assignments", len(sent_any), {"sent": sent, "done": done}, _people(sent_any)))
    met = _union(parts, lambda f: f.met_hr)
    meetings = sum(f.hr_meetings for f in parts)
    cells.append(Cell(group, "hr_meetings", len(mentors), {"mentors": len(met), "meetings": meetings},
                      _people(mentors)))  # fmt: skip
    runners = _union(parts, lambda f: f.experimenters)
    experiments: dict[str, Any] = {"mentors": len(runners), "status": {}, "decision": {}}
    for part in parts:
        for key, count in part.experiments.items():
            kind, value = key.split(":", 1)
            experiments[kind][value] = experiments[kind].get(value, 0) + count
    if goals is not None:  # goals belong to one organisation: by goal only in its own figures, never cohort-wide
        by_goal: dict[str, int] = {}
        for part in parts:
            for goal_id, count in part.experiments_by_goal.items():
                if goal_id in goals:
                    by_goal[goals[goal_id]] = by_goal.get(goals[goal_id], 0) + count
        experiments["goal"] = by_goal
    cells.append(Cell(group, "experiments", len(runners), experiments, _people(runners)))
    for checkpoint, step in checkpoints.items():
        raters = _union(parts, lambda f, s=step.id: f.raters.get(s, set()))
        items: dict[str, list[float]] = {}
        for item in step.items:
            values = [v for part in parts for v in part.ratings.get((step.id, item), [])]
            spread = median_and_spread(values)
            if spread is not None:
                items[item] = [round(x, 2) for x in spread]
        cells.append(Cell(group, f"se:{checkpoint}", len(raters), {"items": items}, _people(raters)))
    return cells


def compute_summary(
    session: Session, cohort: Cohort, summary_step: Step, *, policy: PrivacyPolicy, now: datetime,
    shown_before: Sequence[Cell] = (),
) -> Summary:  # fmt: skip
    """Count, filter and return the cohort's summary for the period of ``summary_step`` (stores nothing)."""
    programme = programme_by_id(cohort.programme)
    covered = period_steps(programme, summary_step)
    checkpoints = {step.checkpoint: step for step in covered if step.checkpoint}
    organisations = list(session.exec(
        select(Organisation).where(Organisation.cohort_id == cohort.id).order_by(col(Organisation.id))
    ))  # fmt: skip
    rating_steps = [step.id for step in checkpoints.values()]
    raw = organisation_figures(session, int(cohort.id or 0), [step.id for step in covered], rating_steps)
    fresh = {step.id for step in since_previous(programme, summary_step)}
    quoted = organisation_figures(session, int(cohort.id or 0), sorted(fresh), []) if fresh else {}
    for organisation_id, figures in raw.items():
        figures.quotes = quoted[organisation_id].quotes if organisation_id in quoted else []
    everyone = list(raw.values())
    sent_steps = [step for step in covered if any(f.sent.get(step.id) for f in everyone)]
    goals = {
        goal.id: goal.text
        for goal in session.exec(select(Goal).where(col(Goal.organisation_id).in_([o.id for o in organisations])))
        if goal.id is not None
    }
    cells = _cells_for(COHORT, everyone, sent_steps, checkpoints, None)
    for organisation in organisations:
        part = raw.get(organisation.id, OrganisationFigures())
        own = {gid: text for gid, text in goals.items() if gid in part.experiments_by_goal}
        cells += _cells_for(org_group(int(organisation.id or 0)), [part], sent_steps, checkpoints, own)
    partition = {COHORT: [org_group(int(o.id or 0)) for o in organisations]}
    shown, withheld = filter_cells(cells, policy, partition=partition, shown_before=shown_before)
    people = {(c.group, c.metric): tuple(sorted(c.people or ())) for c in cells}
    figures = tuple(Figure(s.group, s.metric, s.value, s.respondents, people[s.group, s.metric]) for s in shown)
    active = _union(quoted.values(), lambda f: f.active)  # who could have written a quote
    texts = list(dict.fromkeys(text.strip() for f in everyone for text in f.quotes if text.strip()))
    quotes, quotes_withheld = filter_quotes(
        [Quote(text, True, COHORT) for text in texts], len(active), policy, names=[o.name for o in organisations]
    )
    return Summary(
        cohort_id=int(cohort.id or 0),
        cohort_name=cohort.name,
        language=cohort.language,
        programme=cohort.programme,
        period=str(summary_step.period),
        min_group=policy.min_group,
        computed_at=now.isoformat(),
        steps=tuple(step.id for step in sent_steps),
        organisations={org_group(int(o.id or 0)): o.name for o in organisations},
        figures=figures,
        withheld=tuple((w.group, w.metric, w.reason) for w in [*withheld, *quotes_withheld]),
        quotes=tuple(quotes),
    )
