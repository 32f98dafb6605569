"""Which summary period a cohort has reached, and which programme steps a period covers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot.i18n import t
from bot.programmes import programme_by_id
from bot.programmes.model import SUMMARY_PERIODS, Programme, Step
from bot.programmes.timeline import step_moment
from storage.models import Cohort, ProgrammeSession

INTERIM = "interim"  # asked for before the first summary step: the prompts sent so far, counted once


def session_dates(session: Session, cohort: Cohort) -> dict[int, Any]:
    rows = session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id))
    return {row.number: row.date for row in rows}


def summary_steps(programme: Programme) -> list[Step]:
    return [step for step in programme.steps if step.kind == "summary" and step.period in SUMMARY_PERIODS]


def current_period(session: Session, cohort: Cohort, now: datetime) -> Step | None:
    """The latest summary step whose moment (in the cohort's time zone) has passed, or None."""
    dates = session_dates(session, cohort)
    reached = [
        step
        for step in summary_steps(programme_by_id(cohort.programme))
        if step.session in dates and step_moment(step, dates, cohort.timezone) <= now
    ]
    return reached[-1] if reached else None


def next_period_moment(session: Session, cohort: Cohort) -> datetime | None:
    dates = session_dates(session, cohort)
    moments = [
        step_moment(step, dates, cohort.timezone)
        for step in summary_steps(programme_by_id(cohort.programme))
        if step.session in dates
    ]
    return min(moments) if moments else None


def earlier_periods(period: str) -> tuple[str, ...]:
    """The periods before ``period``, earliest first: an interim summary comes before every scheduled one."""
    if period not in SUMMARY_PERIODS:
        return ()
    return (INTERIM, *SUMMARY_PERIODS[: SUMMARY_PERIODS.index(period)])


def first_period(session: Session, cohort: Cohort) -> Step | None:
    """The cohort's first summary step whose session has a date (what an interim summary counts towards)."""
    dates = session_dates(session, cohort)
    steps = [step for step in summary_steps(programme_by_id(cohort.programme)) if step.session in dates]
    return steps[0] if steps else None


def period_label(programme_id: str, period: str, language: str) -> str:
    """The period's name as its summary step is labelled in the programme (e.g. "Summary for HR before session 2")."""
    if period == INTERIM:
        return t(language, "summary.interim_period")
    for step in summary_steps(programme_by_id(programme_id)):
        if step.period == period:
            return step.label.get(language)
    return period


def period_steps(programme: Programme, summary_step: Step) -> list[Step]:
    """The questions a period covers: those before its summary step in the programme (kickoffs ask nothing)."""
    index = programme.steps.index(summary_step)
    return [step for step in programme.steps[:index] if step.is_question]


def since_previous(programme: Programme, summary_step: Step) -> list[Step]:
    """The questions after the previous summary step: quotes are fresh in each post, never repeated."""
    index = programme.steps.index(summary_step)
    earlier = [i for i, step in enumerate(programme.steps[:index]) if step.kind == "summary"]
    start = earlier[-1] + 1 if earlier else 0
    return [step for step in programme.steps[start:index] if step.is_question]


def meeting_window(session: Session, cohort: Cohort, summary_step: Step) -> tuple[datetime | None, datetime | None]:
    """The period's span: from the previous summary step's moment (None for the first) to this one's."""
    dates = session_dates(session, cohort)
    steps = [step for step in summary_steps(programme_by_id(cohort.programme)) if step.session in dates]
    if summary_step not in steps:
        return None, None
    index = steps.index(summary_step)
    until = step_moment(summary_step, dates, cohort.timezone)
    since = step_moment(steps[index - 1], dates, cohort.timezone) if index else None
    return since, until
