"""Aggregates behind HR summaries: counted in SQL per organisation, never a row per person leaving the database
except self-efficacy ratings (needed for medians) and consented quotes — both without any identity."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, distinct, func
from sqlmodel import Session, col, select

from storage.models import (
    Answer,
    Delivery,
    DeliveryStatus,
    Experiment,
    HrMeeting,
    Member,
    MemberStatus,
    Role,
)

SENT_STATES = (DeliveryStatus.SENT, DeliveryStatus.ANSWERED)


@dataclass
class OrganisationFigures:
    """Raw figures for one organisation: counts of people and things, before any privacy filtering."""

    mentors: int = 0
    active: int = 0  # mentors with at least one answer in the period
    per_step: dict[str, tuple[int, int]] = field(default_factory=dict)  # step → (sent, answered) mentors
    hr_meetings: tuple[int, int] = (0, 0)  # (mentors who met HR, meetings)
    experiments: dict[str, int] = field(default_factory=dict)  # "status:running" / "decision:spread" → mentors
    experiments_by_goal: dict[int, int] = field(default_factory=dict)  # goal id → mentors
    ratings: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (step, item) → values
    quotes: list[str] = field(default_factory=list)


def organisation_figures(
    session: Session, cohort_id: int, step_ids: Iterable[str], rating_steps: Iterable[str]
) -> dict[int | None, OrganisationFigures]:
    """Every raw figure of the cohort, by organisation id, for the deliveries of `step_ids`."""
    steps = list(step_ids)
    figures: dict[int | None, OrganisationFigures] = defaultdict(OrganisationFigures)
    _mentors(session, cohort_id, figures)
    _activity(session, cohort_id, steps, figures)
    _hr_meetings(session, cohort_id, figures)
    _experiments(session, cohort_id, figures)
    _ratings(session, cohort_id, list(rating_steps), figures)
    _quotes(session, cohort_id, steps, figures)
    return dict(figures)


def _mentor_filter(cohort_id: int) -> Any:
    return and_(Member.cohort_id == cohort_id, Member.role == Role.MENTOR, Member.status == MemberStatus.ACTIVE)


def _mentors(session: Session, cohort_id: int, figures: dict[int | None, OrganisationFigures]) -> None:
    rows = session.exec(
        select(Member.organisation_id, func.count()).where(_mentor_filter(cohort_id)).group_by(Member.organisation_id)
    )
    for organisation_id, count in rows:
        figures[organisation_id].mentors = count


def _activity(
    session: Session, cohort_id: int, steps: list[str], figures: dict[int | None, OrganisationFigures]
) -> None:
    sent = func.count(distinct(Delivery.member_id))
    answered = func.count(distinct(Answer.member_id))
    rows = session.exec(
        select(Member.organisation_id, Delivery.step_id, sent, answered)
        .join(Member, col(Member.id) == col(Delivery.member_id))
        .outerjoin(Answer, col(Answer.delivery_id) == col(Delivery.id))
        .where(
            _mentor_filter(cohort_id),
            Delivery.cohort_id == cohort_id,
            col(Delivery.step_id).in_(steps),
            col(Delivery.status).in_(SENT_STATES),
        )
        .group_by(Member.organisation_id, Delivery.step_id)
    )
    for organisation_id, step_id, sent_count, answered_count in rows:
        figures[organisation_id].per_step[step_id] = (sent_count, answered_count)
    active = session.exec(
        select(Member.organisation_id, func.count(distinct(Answer.member_id)))
        .join(Member, col(Member.id) == col(Answer.member_id))
        .join(Delivery, col(Delivery.id) == col(Answer.delivery_id))
        .where(_mentor_filter(cohort_id), Delivery.cohort_id == cohort_id, col(Delivery.step_id).in_(steps))
        .group_by(Member.organisation_id)
    )
    for organisation_id, count in active:
        figures[organisation_id].active = count


def _hr_meetings(session: Session, cohort_id: int, figures: dict[int | None, OrganisationFigures]) -> None:
    rows = session.exec(
        select(Member.organisation_id, func.count(distinct(HrMeeting.member_id)), func.count())
        .join(Member, col(Member.id) == col(HrMeeting.member_id))
        .where(_mentor_filter(cohort_id))
        .group_by(Member.organisation_id)
    )
    for organisation_id, people, meetings in rows:
        figures[organisation_id].hr_meetings = (people, meetings)


def _experiments(session: Session, cohort_id: int, figures: dict[int | None, OrganisationFigures]) -> None:
    for column, prefix in ((Experiment.status, "status"), (Experiment.decision, "decision")):
        rows = session.exec(
            select(Member.organisation_id, column, func.count(distinct(Experiment.member_id)))
            .join(Member, col(Member.id) == col(Experiment.member_id))
            .where(_mentor_filter(cohort_id), col(column).is_not(None))
            .group_by(Member.organisation_id, column)
        )
        for organisation_id, value, count in rows:
            figures[organisation_id].experiments[f"{prefix}:{value}"] = count
    rows = session.exec(
        select(Member.organisation_id, Experiment.goal_id, func.count(distinct(Experiment.member_id)))
        .join(Member, col(Member.id) == col(Experiment.member_id))
        .where(_mentor_filter(cohort_id), col(Experiment.goal_id).is_not(None))
        .group_by(Member.organisation_id, Experiment.goal_id)
    )
    for organisation_id, goal_id, count in rows:
        figures[organisation_id].experiments_by_goal[goal_id] = count


def _ratings(
    session: Session, cohort_id: int, steps: list[str], figures: dict[int | None, OrganisationFigures]
) -> None:
    if not steps:
        return
    rows = session.exec(
        select(Member.organisation_id, Delivery.step_id, Answer.ratings)
        .join(Delivery, col(Delivery.id) == col(Answer.delivery_id))
        .join(Member, col(Member.id) == col(Answer.member_id))
        .where(_mentor_filter(cohort_id), Delivery.cohort_id == cohort_id, col(Delivery.step_id).in_(steps))
    )
    for organisation_id, step_id, ratings in rows:
        for item, value in (ratings or {}).items():
            if isinstance(value, int) and 1 <= value <= 5:
                figures[organisation_id].ratings.setdefault((step_id, item), []).append(value)


def _quotes(session: Session, cohort_id: int, steps: list[str], figures: dict[int | None, OrganisationFigures]) -> None:
    rows = session.exec(
        select(Member.organisation_id, Answer.text)
        .join(Delivery, col(Delivery.id) == col(Answer.delivery_id))
        .join(Member, col(Member.id) == col(Answer.member_id))
        .where(
            _mentor_filter(cohort_id),
            Delivery.cohort_id == cohort_id,
            col(Delivery.step_id).in_(steps),
            col(Answer.consent_to_quote).is_(True),
            col(Answer.text).is_not(None),
        )
    )
    for organisation_id, text in rows:
        figures[organisation_id].quotes.append(text)
