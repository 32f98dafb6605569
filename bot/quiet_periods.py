"""Changing a cohort's calendar: `/mentori cohort quiet` and the cohort form; prompts not yet sent move at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlmodel import Session, col, delete

from bot.cohort_calendar import write_workdays
from bot.cohorts import Invalid, parse_day, require_active
from bot.planning import replan_cohort
from storage.models import Cohort, QuietPeriod

LONGEST_QUIET = 366  # days; a longer quiet period is a typo in a year


def parse_period(first: str, last: str, *, field: str | None = None) -> tuple[date, date]:
    """Two dates written strictly (YYYY-MM-DD or D.M.YYYY), in order, at most a year apart."""
    start, end = parse_day(first, field=field), parse_day(last, field=field)
    if end < start:
        raise Invalid("calendar.error.order", field=field, first=start.isoformat(), last=end.isoformat())
    if (end - start).days >= LONGEST_QUIET:
        raise Invalid("calendar.error.too_long", field=field, first=start.isoformat(), last=end.isoformat())
    return start, end


def add_quiet_period(session: Session, cohort: Cohort, first: date, last: date, *, now: datetime) -> int:
    """Add a quiet period and move the prompts not yet sent; returns how many prompts moved or were skipped."""
    require_active(cohort)
    session.add(QuietPeriod(team_id=cohort.team_id, cohort_id=cohort.id, first_day=first, last_day=last))  # type: ignore[arg-type]
    session.flush()
    return replan_cohort(session, cohort, now)


def clear_quiet_periods(session: Session, cohort: Cohort, *, now: datetime) -> int:
    """No quiet period at all for the cohort, the usual ones included; the prompts not yet sent move back."""
    require_active(cohort)
    session.exec(delete(QuietPeriod).where(col(QuietPeriod.cohort_id) == cohort.id))  # type: ignore[call-overload]
    cohort.usual_quiet = False
    session.add(cohort)
    session.flush()
    return replan_cohort(session, cohort, now)


def set_calendar(session: Session, cohort: Cohort, *, workdays: Iterable[int], usual_quiet: bool,
                 periods: Sequence[tuple[date, date]], now: datetime | None = None) -> int:  # fmt: skip
    """Set the work days, the usual quiet periods and the cohort's own ones at once (the cohort form)."""
    days = frozenset(workdays)
    if not days:
        raise Invalid("calendar.error.no_workdays", field="workdays")
    cohort.workdays, cohort.usual_quiet = write_workdays(days), usual_quiet
    session.add(cohort)
    session.exec(delete(QuietPeriod).where(col(QuietPeriod.cohort_id) == cohort.id))  # type: ignore[call-overload]
    for first, last in periods:
        session.add(QuietPeriod(team_id=cohort.team_id, cohort_id=cohort.id, first_day=first, last_day=last))  # type: ignore[arg-type]
    session.flush()
    return replan_cohort(session, cohort, now) if now is not None else 0
