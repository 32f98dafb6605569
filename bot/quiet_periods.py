"""Changing a cohort's calendar: `/mentori cohort quiet` and the cohort form; prompts not yet sent move at once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, delete

from bot.authz import Actor, require_manager
from bot.cohort_admin import Caller
from bot.cohort_calendar import own_periods, read_workdays, session_years, usual_quiet_periods, write_workdays
from bot.cohorts import Invalid, get_cohort, parse_day, require_active
from bot.planning import replan_cohort
from storage.db import session_scope
from storage.models import Cohort, QuietPeriod

LONGEST_QUIET = 366  # days; a longer quiet period is a typo in a year
MAX_PERIODS = 20
DASHES = re.compile(r"\s+[–—-]\s+|[–—]")  # "2027-04-01 – 2027-04-05" as well as "2027-04-01 2027-04-05"


@dataclass(frozen=True)
class CalendarOverview:
    """What a coach sees of a cohort's calendar."""

    cohort_id: int
    cohort: str
    workdays: frozenset[int]
    usual_quiet: bool
    usual: tuple[tuple[date, date], ...]  # the summer and Christmas periods that touch the programme
    own: tuple[tuple[date, date], ...]


def overview(session: Session, cohort: Cohort) -> CalendarOverview:
    """The cohort's work days and quiet periods, the usual ones listed for the years of its programme."""
    years = session_years(session, cohort.id)  # type: ignore[arg-type]
    usual: tuple[tuple[date, date], ...] = ()
    if cohort.usual_quiet and years:
        first, last = min(years), max(years)
        usual = tuple(p for p in usual_quiet_periods(range(first, last + 1)) if p[1].year >= first)
    own = tuple((p.first_day, p.last_day) for p in own_periods(session, cohort.id))  # type: ignore[arg-type]
    return CalendarOverview(cohort.id, cohort.name, read_workdays(cohort.workdays), cohort.usual_quiet, usual, own)  # type: ignore[arg-type]


def parse_periods(text: str, *, field: str | None = None) -> list[tuple[date, date]]:
    """Quiet periods written one a line, `<from> <to>` (YYYY-MM-DD or D.M.YYYY); empty lines are left out."""
    periods = []
    for line in (text or "").splitlines():
        words = DASHES.sub(" ", line).split()
        if not words:
            continue
        if len(words) != 2:
            raise Invalid("calendar.error.line", field=field, line=line.strip()[:60])
        periods.append(parse_period(*words, field=field))
    if len(periods) > MAX_PERIODS:
        raise Invalid("calendar.error.too_many", field=field, max=MAX_PERIODS)
    return periods


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
    session.exec(delete(QuietPeriod).where(col(QuietPeriod.cohort_id) == cohort.id))
    cohort.usual_quiet = False
    session.add(cohort)
    session.flush()
    return replan_cohort(session, cohort, now)


def set_calendar(
    session: Session,
    cohort: Cohort,
    *,
    workdays: Iterable[int],
    usual_quiet: bool,
    periods: Sequence[tuple[date, date]],
    now: datetime | None = None,
) -> int:
    """Set the work days, the usual quiet periods and the cohort's own ones at once (the cohort form)."""
    days = frozenset(workdays)
    if not days:
        raise Invalid("calendar.error.no_workdays", field="workdays")
    cohort.workdays, cohort.usual_quiet = write_workdays(days), usual_quiet
    session.add(cohort)
    session.exec(delete(QuietPeriod).where(col(QuietPeriod.cohort_id) == cohort.id))
    for first, last in periods:
        session.add(QuietPeriod(team_id=cohort.team_id, cohort_id=cohort.id, first_day=first, last_day=last))  # type: ignore[arg-type]
    session.flush()
    return replan_cohort(session, cohort, now) if now is not None else 0


@dataclass(frozen=True)
class QuietResult:
    """What `/mentori cohort quiet` did: "shown", "added" (with the period) or "cleared", and the calendar now."""

    done: str
    calendar: CalendarOverview
    moved: int = 0
    period: tuple[date, date] | None = None


def quiet_command(session: Session, cohort: Cohort, words: Sequence[str], *, now: datetime) -> QuietResult:
    """`cohort quiet <cohort>` shows the calendar; `… <from> <to>` adds a quiet period; `… clear` removes all.

    `words` are what follows the cohort's name; the caller has checked that the actor manages the cohort.
    """
    if not words:
        return QuietResult("shown", overview(session, cohort))
    if len(words) == 1 and words[0].lower() == "clear":
        moved = clear_quiet_periods(session, cohort, now=now)
        return QuietResult("cleared", overview(session, cohort), moved)
    if len(words) != 2:
        raise Invalid("calendar.usage.quiet")
    first, last = parse_period(*words)
    moved = add_quiet_period(session, cohort, first, last, now=now)
    return QuietResult("added", overview(session, cohort), moved, (first, last))


def run_quiet(caller: Caller, actor: Actor, cohort: Cohort, words: Sequence[str]) -> QuietResult:
    """`quiet_command` in one transaction, the cohort authorised again inside it (it may have changed meanwhile)."""
    with session_scope(caller.deps.engine) as session:
        fresh = get_cohort(session, caller.team_id, cohort.id)  # type: ignore[arg-type]
        require_manager(actor, fresh)
        require_active(fresh)
        return quiet_command(session, fresh, words, now=caller.deps.now())
