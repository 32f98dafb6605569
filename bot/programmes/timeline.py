"""Where each step of a programme falls, given the dates of a cohort's sessions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.programmes.model import Programme, Step

SESSION_INTERVAL = timedelta(weeks=4)


@dataclass(frozen=True)
class TimelineEntry:
    step: Step
    moment: datetime  # aware, in the cohort's time zone


def default_session_dates(first: date, interval: timedelta = SESSION_INTERVAL) -> dict[int, date]:
    """Sessions 1–3 at the programme's usual rhythm, from the first session's date."""
    return {number: first + interval * (number - 1) for number in (1, 2, 3)}


def step_moment(step: Step, session_dates: Mapping[int, date], tz: str) -> datetime:
    """The nominal local moment of a step: its session's date plus its days, at its time."""
    day = session_dates[step.session] + timedelta(days=step.days)
    return datetime.combine(day, step.at, tzinfo=ZoneInfo(tz))


def timeline(programme: Programme, session_dates: Mapping[int, date], tz: str) -> list[TimelineEntry]:
    """Every step of the programme with its moment, in time order."""
    entries = [TimelineEntry(step, step_moment(step, session_dates, tz)) for step in programme.steps]
    return sorted(entries, key=lambda entry: (entry.moment, entry.step.kind != "kickoff", entry.step.id))
