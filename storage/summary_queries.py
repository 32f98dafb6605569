"""Aggregates behind HR summaries, counted in SQL per organisation.

Rows leave the database grouped per mentor at most (who was sent and who answered a step; who met HR; whose
experiments are in which state) — the member ids are needed only so that the privacy filter can count the people
behind each figure and compare with earlier ones, and are never shown. The exceptions are self-efficacy ratings
(needed for medians) and consented quote texts, neither with any identity beyond the member id the filter needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
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
    """Raw figures for one organisation, with the member ids behind each, before any privacy filtering."""

    mentors: set[int] = field(default_factory=set)
    sent: dict[str, set[int]] = field(default_factory=dict)  # step → mentors it was sent to
    answered: dict[str, set[int]] = field(default_factory=dict)  # step → mentors who answered it
    met_hr: set[int] = field(default_factory=set)  # mentors with an HR meeting in the window
    hr_meetings: int = 0
    experiments: dict[str, set[int]] = field(default_factory=dict)  # "status:running" / "decision:spread" → mentors
    experiments_by_goal: dict[int, set[int]] = field(default_factory=dict)  # goal id → mentors
    ratings: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)  # (step, item) → mentor → value
    quotes: list[tuple[str, int, str]] = field(default_factory=list)  # (step, mentor, text) shared with consent

    @property
    def experimenters(self) -> set[int]:
        """Mentors with at least one experiment (every experiment has a status)."""
        return set().union(*(ids for key, ids in self.experiments.items() if key.startswith("status:")))


def organisation_figures(
    session: Session,
    cohort_id: int,
    step_ids: Iterable[str],
    rating_steps: Iterable[str],
    *,
    meetings_from: datetime | None = None,
    meetings_until: datetime | None = None,
) -> dict[int | None, OrganisationFigures]:
    """Every raw figure of the cohort's active mentors, by organisation id, for the deliveries of ``step_ids``.

    HR meetings count those known at ``meetings_until`` (held before its day and logged before it) that were not
    known at ``meetings_from``: held on or after its day, or logged after it (a meeting logged late is counted once,
    in the period it was logged in).
    """
    steps = list(step_ids)
    figures: dict[int | None, OrganisationFigures] = defaultdict(OrganisationFigures)
    _mentors(session, cohort_id, figures)
    _activity(session, cohort_id, steps, figures)
    _hr_meetings(session, cohort_id, figures, meetings_from, meetings_until)
    _experiments(session, cohort_id, figures)
    _ratings(session, cohort_id, list(rating_steps), figures)
    _quotes(session, cohort_id, steps, figures)
    return dict(figures)


def _mentor_filter(cohort_id: int) -> Any:
    return and_(
        col(Member.cohort_id) == cohort_id, col(Member.role) == Role.MENTOR, col(Member.status) == MemberStatus.ACTIVE
    )


def _mentors(session: Session, cohort_id: int, figures: dict[int | None, OrganisationFigures]) -> None:
    for organisation_id, member_id in session.exec(
        select(col(Member.organisation_id), col(Member.id)).where(_mentor_filter(cohort_id))
    ):
        figures[organisation_id].mentors.add(int(member_id or 0))


def _activity(
    session: Session, cohort_id: int, steps: list[str], figures: dict[int | None, OrganisationFigures]
) -> None:
    if not steps:
        return
    answered = func.count(col(Answer.id))
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
        .group_by(col(Member.organisation_id), col(Delivery.step_id), col(Delivery.member_id))
    )
    for organisation_id, step_id, member_id, answers in rows:
        org = figures[organisation_id]
        org.sent.setdefault(step_id, set()).add(member_id)
        if answers:
            org.answered.setdefault(step_id, set()).add(member_id)


def _hr_meetings(
    session: Session,
    cohort_id: int,
    figures: dict[int | None, OrganisationFigures],
    since: datetime | None,
    until: datetime | None,
) -> None:
    query = (
        select(Member.organisation_id, HrMeeting.member_id, func.count())
        .join(Member, col(Member.id) == col(HrMeeting.member_id))
        .where(_mentor_filter(cohort_id))
        .group_by(col(Member.organisation_id), col(HrMeeting.member_id))
    )
    if until is not None:
        query = query.where(col(HrMeeting.held_on) < until.date(), col(HrMeeting.created_at) < until)
    if since is not None:
        query = query.where(or_(col(HrMeeting.held_on) >= since.date(), col(HrMeeting.created_at) >= since))
    for organisation_id, member_id, meetings in session.exec(query):
        figures[organisation_id].met_hr.add(member_id)
        figures[organisation_id].hr_meetings += meetings


def _experiments(session: Session, cohort_id: int, figures: dict[int | None, OrganisationFigures]) -> None:
    rows = session.exec(
        select(
            col(Member.organisation_id),
            col(Experiment.member_id),
            col(Experiment.status),  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
            col(Experiment.decision),
            col(Experiment.goal_id),
        )
        .join(Member, col(Member.id) == col(Experiment.member_id))
        .where(_mentor_filter(cohort_id))
    )
    for organisation_id, member_id, status, decision, goal_id in rows:
        org = figures[organisation_id]
        org.experiments.setdefault(f"status:{status}", set()).add(member_id)
        if decision is not None:
            org.experiments.setdefault(f"decision:{decision}", set()).add(member_id)
        if goal_id is not None:
            org.experiments_by_goal.setdefault(goal_id, set()).add(member_id)


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
        for item, value in (ratings or {}).items():
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
                figures[organisation_id].ratings.setdefault((step_id, item), {})[member_id] = value


def _quotes(session: Session, cohort_id: int, steps: list[str], figures: dict[int | None, OrganisationFigures]) -> None:
    if not steps:
        return
    rows = session.exec(
        select(Member.organisation_id, Delivery.step_id, Answer.member_id, Answer.text)
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
    for organisation_id, step_id, member_id, text in rows:
        figures[organisation_id].quotes.append((step_id, member_id, text or ""))  # the query keeps texts only
