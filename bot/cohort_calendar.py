"""A cohort's calendar: the days its mentors work, and the quiet periods in which no prompt goes out.

By default a cohort is quiet in the Finnish summer (ISO weeks 28–31) and from 24 December to 6 January; a coach may
add quiet periods of their own, turn the usual ones off, and choose the work days. A step whose moment falls on a day
off moves to the next working day, as on a weekend; one that falls in a quiet period moves to the first working day
after it if that is still within the step's latest useful time (two weeks, and never past the next session's day),
and is otherwise skipped and reported to the coaches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from bot.work_calendar import nominal_moment
from storage.models import Cohort, ProgrammeSession, QuietPeriod

QUIET = "quiet_period"  # the skip reason of a step that could not move out of a quiet period in time
SUMMER_WEEKS = (28, 31)  # ISO weeks of the Finnish summer holidays, inclusive
CHRISTMAS = ((12, 24), (1, 6))  # 24 December to 6 January
MOVE_AT_MOST = timedelta(days=14)  # a step moved later than this has lost its moment in the programme
ISO_DAYS = "1234567"


@dataclass(frozen=True)
class CohortCalendar:
    """Work days (Monday=0) and quiet periods (inclusive date ranges) of one cohort."""

    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    quiet: tuple[tuple[date, date], ...] = ()


def usual_quiet_periods(years: Iterable[int]) -> tuple[tuple[date, date], ...]:
    """The Finnish summer weeks and Christmas of each year (and the Christmas leading into the first)."""
    wanted = sorted(set(years))
    if not wanted:
        return ()
    periods = [(date(wanted[0] - 1, *CHRISTMAS[0]), date(wanted[0], *CHRISTMAS[1]))]
    for year in wanted:
        periods.append((date.fromisocalendar(year, SUMMER_WEEKS[0], 1), date.fromisocalendar(year, SUMMER_WEEKS[1], 7)))
        periods.append((date(year, *CHRISTMAS[0]), date(year + 1, *CHRISTMAS[1])))
    return tuple(periods)


def read_workdays(text: str) -> frozenset[int]:
    """'12345' (ISO weekday digits) → {0, 1, 2, 3, 4}; unknown characters are ignored, empty means Monday–Friday."""
    days = frozenset(ISO_DAYS.index(c) for c in text if c in ISO_DAYS)
    return days or frozenset(range(5))


def write_workdays(days: Iterable[int]) -> str:
    """{0, 1, 2, 3, 4} → '12345'."""
    return "".join(ISO_DAYS[day] for day in sorted(set(days)) if 0 <= day <= 6)


def is_quiet(day: date, calendar: CohortCalendar) -> bool:
    """Whether `day` falls in one of the cohort's quiet periods (a day off merely moves a step, as a weekend does)."""
    return any(first <= day <= last for first, last in calendar.quiet)


def latest_useful(due: datetime, next_session: date | None, tz: str) -> datetime:
    """The last moment a step due at `due` may still go out: two weeks on, never past the next session's day."""
    limit = due + MOVE_AT_MOST
    if next_session is not None:
        limit = min(limit, nominal_moment(next_session, time(0), tz))
    return limit


def keep_moved(
    due: datetime, slot: datetime, local_due: date, calendar: CohortCalendar, next_session: date | None, tz: str
) -> bool:
    """Whether a step due on `local_due` and moved to `slot` still goes out; False (skip it) only for a step due in a
    quiet period that could not move out of it while still useful."""
    if not is_quiet(local_due, calendar):
        return True
    return slot <= latest_useful(due, next_session, tz)


# -- reading and changing a cohort's calendar ------------------------------------------------------------------


def own_periods(session: Session, cohort_id: int) -> list[QuietPeriod]:
    return list(
        session.exec(select(QuietPeriod).where(QuietPeriod.cohort_id == cohort_id).order_by(col(QuietPeriod.first_day)))
    )


def session_years(session: Session, cohort_id: int) -> list[int]:
    """The years of the cohort's session dates."""
    dates = session.exec(select(col(ProgrammeSession.date)).where(ProgrammeSession.cohort_id == cohort_id))
    return [day.year for day in dates]


def calendar_of(session: Session, cohort: Cohort) -> CohortCalendar:
    """The cohort's work days and every quiet period that can touch its programme."""
    periods = [(p.first_day, p.last_day) for p in own_periods(session, cohort.id)]  # type: ignore[arg-type]
    if cohort.usual_quiet:
        years = session_years(session, cohort.id)  # type: ignore[arg-type]
        if years:
            periods.extend(usual_quiet_periods(range(min(years), max(years) + 2)))
    return CohortCalendar(read_workdays(cohort.workdays), tuple(sorted(periods)))
