"""Aggregates behind HR summaries, counted in SQL per organisation.

Rows leave the database grouped per mentor at most (who was sent and who answered a step; who met HR; who runs an
experiment) — the member ids are needed only for the privacy filter's check over time and are never shown. The
exceptions are self-efficacy ratings (needed for medians) and consented quote texts, neither with any identity
beyond the member id the filter needs.
"""

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
    """Raw figures for one organisation, with the member ids behind them, before any privacy filtering."""

    mentors: set[int] = field(default_factory=set)
    active: set[int] = field(default_factory=set)  # mentors with at least one answer to the period's steps
    sent: dict[str, set[int]] = field(default_factory=dict)  # step → mentors it was sent to
    answered: dict[str, set[int]] = field(default_factory=dict)  # step → mentors who answered it
    met_hr: set[int] = field(default_factory=set)  # mentors with at least one HR meeting
    hr_meetings: int = 0
    experimenters: set[int] = field(default_factory=set)  # mentors with at least one experiment
    experiments: dict[str, int] = field(default_factory=dict)  # "status:running" / "decision:spread" → mentors
    experiments_by_goal: dict[int, int] = field(default_factory=dict)  # goal id → mentors
    ratings: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (step, item) → values
    raters: dict[str, set[int]] = field(default_factory=dict)  # rating step → mentors who rated
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
    for organisation_id, member_id in session.exec(select(Member.organisation_id, Member.id).where(
        _mentor_filter(cohort_id)
    )):  # fmt: skip
        figures[organisation_id].mentors.add(int(member_id or 0))


def _activity(
    session: Session, cohort_id: int, steps: list[str], figures: dict[int | None, OrganisationFigures]
) -> None:
    if not steps:
        return
    answered = func.count(Answer.id)
    rows = session.exec(
        select(Member.organisation_id, Delivery.step_id, Delivery.member_id, answered)
        .join(Member, col(Member.id) == col(Delivery.member_id))
        .outerjoin(Answer, col(Answer.delivery_id) == col(Delivery.id))
        .where(
            _mentor_filter(cohort_id),
            Delivery.cohort_id == cohort_id,
            col(Delivery.step_id).in_(steps),
            col(Delivery.status).in_(SENT_STATES),
        )
        .group_by(Member.organisation_id, Delivery.step_id, Delivery.member_id)
    )
    for organisation_id, step_id, member_id, answers in rows:
        org = figures[organisation_id]
        org.sent.setdefault(step_id, set()).add(member_id)
        if answers:
            org.answered.setdefault(step_id, set()).add(member_id)
            org.active.add(member_id)


def _hr_meetings(session: Session, cohort_id: int, figures: dict[int | None, OrganisationFigures]) -> None:
    rows = session.exec(
        select(Member.organisation_id, HrMeeting.member_id, func.count())
        .join(Member, col(Member.id) == col(HrMeeting.member_id))
        .where(_mentor_filter(cohort_id))
        .group_by(Member.organisation_id, HrMeeting.member_id)
    )
    for organisation_id, member_id, meetings in rows:
        figures[organisation_id].met_hr.add(member_id)
        figures[organisation_id].hr_meetings += meetings


def _experiments(session: Session, cohort_id: int, figures: dict[int | None, OrganisationFigures]) -> None:
    for organisation_id, member_id in session.exec(
        select(Member.organisation_id, Experiment.member_id)
        .join(Member, col(Member.id) == col(Experiment.member_id))
        .where(_mentor_filter(cohort_id))
        .group_by(Member.organisation_id, Experiment.member_id)
    ):
        figures[organisation_id].experimenters.add(member_id)
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
        select(Member.organisation_id, Delivery.step_id, Answer.member_id, Answer.ratings)
        .join(Delivery, col(Delivery.id) == col(Answer.delivery_id))
        .join(Member, col(Member.id) == col(Answer.member_id))
        .where(_mentor_filter(cohort_id), Delivery.cohort_id == cohort_id, col(Delivery.step_id).in_(steps))
    )
    for organisation_id, step_id, member_id, ratings in rows:
        values = {item: value for item, value in (ratings or {}).items() if isinstance(value, int) and 1 <= value <= 5}
        if values:
            figures[organisation_id].raters.setdefault(step_id, set()).add(member_id)
        for item, value in values.items():
            figures[organisation_id].ratings.setdefault((step_id, item), []).append(value)


def _quotes(session: Session, cohort_id: int, steps: list[str], figures: dict[int | None, OrganisationFigures]) -> None:
    if not steps:
        return
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
