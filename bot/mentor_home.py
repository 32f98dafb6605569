"""What a mentor's App Home shows, gathered from the database as plain values for the Block Kit builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from statistics import fmean

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.answers import mentor_zone, open_prompts, question
from bot.experiments import experiments_of, goals_for
from bot.hr_meetings import meetings_of
from bot.mentor_prefs import Membership, mentor_memberships, paused_until
from bot.programmes import programme_by_id
from bot.programmes.model import CHECKPOINTS
from storage.models import Answer, Delivery, DeliveryStatus, Experiment, Goal, ProgrammeSession
from storage.types import AwareDateTime

OPEN_SHOWN = 5
PAST_SHOWN = 8
EXPERIMENTS_SHOWN = 8
MEETINGS_SHOWN = 5


@dataclass(frozen=True)
class Place:
    """Where one cohort's programme is for the mentor."""

    cohort: str
    session: int | None  # the newest session kicked off
    session_date: date | None
    next_session: int | None
    next_session_date: date | None
    next_prompt: str | None  # the label of the next prompt planned for the mentor
    next_prompt_at: datetime | None  # local time


@dataclass(frozen=True)
class OpenPrompt:
    delivery_id: int
    label: str
    question: str
    sent_on: date | None
    snoozed_until: datetime | None = None  # local time of the reminder the mentor snoozed it to


@dataclass(frozen=True)
class PastAnswer:
    label: str
    answered_on: date
    text: str | None
    rated: int  # how many ratings the answer holds


@dataclass(frozen=True)
class ExperimentRow:
    id: int
    title: str
    status: str
    goal: str | None
    plan_when: str | None
    plan_then: str | None
    outcome: str | None
    decision: str | None


@dataclass(frozen=True)
class MeetingRow:
    held_on: date
    notes: str | None


@dataclass(frozen=True)
class TrendItem:
    item_id: str
    text: str
    values: tuple[int | None, ...]  # one per checkpoint T0, T1, T2


@dataclass(frozen=True)
class MentorHome:
    places: list[Place]
    paused_until: date | None
    today: date
    open_prompts: list[OpenPrompt]
    more_open: int
    past_answers: list[PastAnswer]
    more_past: int
    experiments: list[ExperimentRow]
    more_experiments: int
    meetings: list[MeetingRow]
    more_meetings: int
    trend: list[TrendItem] = field(default_factory=list)
    means: tuple[float | None, ...] = ()


def mentor_home(session: Session, *, team_id: str, user_id: str, language: str, now: datetime) -> MentorHome | None:
    """The mentor's Home, or None when the user is no mentor in an active cohort."""
    memberships = mentor_memberships(session, team_id=team_id, user_id=user_id)
    if not memberships:
        return None
    newest = memberships[0]
    zone = mentor_zone(session, newest.cohort, newest.member)
    today = now.astimezone(zone).date()
    member_ids = [int(m.member.id or 0) for m in memberships]
    prompts = open_prompts(session, team_id=team_id, user_id=user_id)
    opened = [
        OpenPrompt(
            p.delivery_id,
            p.step.label.get(language),
            question(session, p, language, now=now),
            p.delivery.sent_at.astimezone(zone).date() if p.delivery.sent_at else None,
            p.delivery.snoozed_until.astimezone(zone) if p.delivery.snoozed_until else None,
        )
        for p in prompts
    ]
    past = _past_answers(session, memberships, language, zone)
    experiments = [_experiment_row(session, e) for e in experiments_of(session, member_ids)]
    meetings = [MeetingRow(m.held_on, m.notes) for m in meetings_of(session, member_ids)]
    trend, means = _trend(session, memberships, language)
    return MentorHome(
        places=[_place(session, m, language, zone) for m in memberships[:3]],
        paused_until=paused_until(memberships, today),
        today=today,
        open_prompts=opened[:OPEN_SHOWN],
        more_open=max(0, len(opened) - OPEN_SHOWN),
        past_answers=past[:PAST_SHOWN],
        more_past=max(0, len(past) - PAST_SHOWN),
        experiments=experiments[:EXPERIMENTS_SHOWN],
        more_experiments=max(0, len(experiments) - EXPERIMENTS_SHOWN),
        meetings=meetings[:MEETINGS_SHOWN],
        more_meetings=max(0, len(meetings) - MEETINGS_SHOWN),
        trend=trend,
        means=means,
    )


def _place(session: Session, membership: Membership, language: str, zone: tzinfo) -> Place:
    cohort, member = membership.cohort, membership.member
    sessions = list(session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id)))
    started = sorted((s for s in sessions if s.started_at is not None), key=lambda s: s.number)
    waiting = sorted((s for s in sessions if s.started_at is None), key=lambda s: s.number)
    earliest = func.min(Delivery.not_before, type_=AwareDateTime)
    row = session.exec(
        select(Delivery.step_id, earliest)
        .where(Delivery.member_id == member.id, Delivery.status == DeliveryStatus.PLANNED)
        .group_by(Delivery.step_id)
        .order_by(earliest)
    ).first()
    label, moment = None, None
    if row is not None:
        try:
            label = programme_by_id(cohort.programme).step(row[0]).label.get(language)
            moment = row[1].astimezone(zone)
        except KeyError:
            label = None
    return Place(
        cohort=cohort.name,
        session=started[-1].number if started else None,
        session_date=started[-1].date if started else None,
        next_session=waiting[0].number if waiting else None,
        next_session_date=waiting[0].date if waiting else None,
        next_prompt=label,
        next_prompt_at=moment,
    )


def _past_answers(session: Session, memberships: list[Membership], language: str, zone: tzinfo) -> list[PastAnswer]:
    cohorts = {m.member.id: m.cohort for m in memberships}
    rows = session.exec(
        select(Answer, Delivery)
        .join(Delivery, col(Delivery.id) == col(Answer.delivery_id))
        .where(col(Answer.member_id).in_(list(cohorts)))
        .order_by(col(Answer.updated_at).desc(), col(Answer.id).desc())
    ).all()
    past = []
    for answer, delivery in rows:
        try:
            label = programme_by_id(cohorts[answer.member_id].programme).step(delivery.step_id).label.get(language)
        except KeyError:
            continue
        past.append(
            PastAnswer(label, answer.updated_at.astimezone(zone).date(), answer.text, len(answer.ratings or {}))
        )
    return past


def _experiment_row(session: Session, experiment: Experiment) -> ExperimentRow:
    goal = session.get(Goal, experiment.goal_id) if experiment.goal_id else None
    return ExperimentRow(
        id=int(experiment.id or 0),
        title=experiment.title,
        status=experiment.status,
        goal=goal.text if goal else None,
        plan_when=experiment.plan_when,
        plan_then=experiment.plan_then,
        outcome=experiment.outcome,
        decision=experiment.decision,
    )


def _trend(
    session: Session, memberships: list[Membership], language: str
) -> tuple[list[TrendItem], tuple[float | None, ...]]:
    """The mentor's self-efficacy ratings at T0, T1 and T2, per item and as a mean, from their newest cohort."""
    membership = memberships[0]
    programme = programme_by_id(membership.cohort.programme)
    checkpoints = {step.id: step.checkpoint for step in programme.steps if step.checkpoint in CHECKPOINTS}
    if not checkpoints:
        return [], ()
    rows = session.exec(
        select(Delivery.step_id, Answer.ratings)
        .join(Answer, col(Answer.delivery_id) == col(Delivery.id))
        .where(Delivery.member_id == membership.member.id, col(Delivery.step_id).in_(list(checkpoints)))
    ).all()
    by_checkpoint = {checkpoints[step_id]: ratings or {} for step_id, ratings in rows}
    if not by_checkpoint:
        return [], ()
    items = []
    for item in programme.items:
        values = tuple(_rating(by_checkpoint.get(cp, {}).get(item.id)) for cp in CHECKPOINTS)
        if any(v is not None for v in values):
            items.append(TrendItem(item.id, item.text.get(language), values))
    means = []
    for index in range(len(CHECKPOINTS)):
        present = [item.values[index] for item in items if item.values[index] is not None]
        means.append(fmean(present) if present else None)  # type: ignore[arg-type]  # None values are left out of `present`
    return items, tuple(means)


def _rating(value: object) -> int | None:
    return value if isinstance(value, int) and 1 <= value <= 5 else None


def goal_choices(session: Session, membership: Membership) -> list[tuple[int, str]]:
    return [(int(goal.id or 0), goal.text) for goal in goals_for(session, membership.member)]
