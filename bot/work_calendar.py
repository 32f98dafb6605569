"""The programme calendar: when a mentor may receive a prompt (working hours, time zones, holidays, pauses).

Pure functions on aware datetimes. Day arithmetic is done on the mentor's local wall-clock dates and datetimes are
rebuilt with `zoneinfo`, so a step at 09:00 stays at 09:00 local across a DST change. Every returned moment is aware
and in UTC: a local datetime inside an autumn fold compares unequal to the same instant in another zone (PEP 495),
so UTC is the only safe form to store and compare.

Public holidays are those of the *organisation's* country (`WorkPolicy.country`), never guessed from the mentor's
time zone: a Finnish agency's mentor working from New York gets prompts at 09:00 New York time, is left alone on
Finnish holidays, and is not left alone on US ones, because their employer's calendar decides their days off.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

SEARCH_DAYS = 400  # the longest gap between two working days we accept before calling a policy impossible
ONE_DAY = timedelta(days=1)


class NoSlotError(ValueError):
    """No working day within SEARCH_DAYS days: the policy leaves the mentor no time at all."""


@dataclass(frozen=True)
class WorkPolicy:
    """When one mentor may receive a prompt; checked when built, so an impossible policy fails at once."""

    tz: str = "Europe/Helsinki"  # the mentor's IANA time zone (from Slack users.info)
    start: time = time(9, 0)  # working hours, local
    end: time = time(16, 0)  # exclusive: nothing is sent at or after `end`
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    country: str = "FI"  # public holidays of the organisation's country (`holidays` package), not the mentor's tz
    subdivision: str | None = None
    paused_until: date | None = None  # inclusive: no prompt on or before this date (mentor's holiday)
    quiet_periods: tuple[tuple[date, date], ...] = ()  # optional inclusive ranges, e.g. Finnish July

    def __post_init__(self) -> None:
        """Normalise the collections and country code, then refuse a policy that cannot work."""
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "quiet_periods", tuple((first, last) for first, last in self.quiet_periods))
        object.__setattr__(self, "country", _country_code(self.country))
        _zone(self.tz)
        _check_hours(self.start, self.end)
        _check_workdays(self.workdays)
        _check_quiet_periods(self.quiet_periods)
        _check_region(self.country, self.subdivision)


def _country_code(country: str) -> str:
    """The country code in the form `holidays` expects ("fi" → "FI")."""
    if not isinstance(country, str) or not country.strip():
        raise ValueError(f"country must be an ISO 3166 code such as 'FI', got {country!r}")
    return country.strip().upper()


def _check_hours(start: time, end: time) -> None:
    """Working hours are two naive local times with start before end."""
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError(f"working hours are local wall-clock times without a time zone, got {start!r}–{end!r}")
    if not start < end:
        raise ValueError(f"working hours must start before they end, got {start:%H:%M}–{end:%H:%M}")


def _check_workdays(workdays: frozenset[int]) -> None:
    """At least one workday, each a weekday number 0 (Monday) … 6 (Sunday)."""
    if not workdays:
        raise ValueError("workdays is empty: a mentor needs at least one working day (Monday=0 … Sunday=6)")
    wrong = sorted(day for day in workdays if not isinstance(day, int) or not 0 <= day <= 6)
    if wrong:
        raise ValueError(f"workdays must be weekday numbers 0 (Monday) … 6 (Sunday), got {wrong}")


def _check_quiet_periods(periods: tuple[tuple[date, date], ...]) -> None:
    """Each quiet period is an inclusive (first, last) pair of dates in order."""
    for first, last in periods:
        if first > last:
            raise ValueError(f"quiet period ends before it starts: {first.isoformat()} … {last.isoformat()}")


def _check_region(country: str, subdivision: str | None) -> None:
    """The `holidays` package knows the country and, if given, the subdivision."""
    supported = _supported_regions()
    if country not in supported:
        raise ValueError(f"unknown country {country!r}: the holidays package has no public holidays for it")
    if subdivision is not None and subdivision not in supported[country]:
        raise ValueError(f"unknown subdivision {subdivision!r} of country {country!r}")


@lru_cache(maxsize=1)
def _supported_regions() -> dict[str, frozenset[str]]:
    """Country codes the `holidays` package supports, each with its subdivisions (and their aliases)."""
    return {code: frozenset(subdivisions) for code, subdivisions in holidays.list_supported_countries().items()}


@lru_cache(maxsize=512)
def _zone(tz: str) -> ZoneInfo:
    """The IANA time zone `tz`, or a ValueError naming it."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(f"unknown time zone {tz!r}: expected an IANA name such as 'Europe/Helsinki'") from error


@lru_cache(maxsize=1024)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """One year of public holidays, loaded once per (country, subdivision, year)."""
    # For FI, holidays>=0.109 already lists Christmas Eve (jouluaatto, 24 Dec) and Midsummer Eve (juhannusaatto,
    # the Friday between 19 and 25 June) as public holidays: both are de facto days off in Finland, so nothing is
    # added here. tests/bot/test_work_calendar.py fails if a future release drops them.
    _check_region(country, subdivision)
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def holidays_for(country: str, years: int | Iterable[int], subdivision: str | None = None) -> frozenset[date]:
    """The public holidays of `country` in `years` (one year or several), cached per (country, subdivision, year)."""
    code = _country_code(country)
    _check_region(code, subdivision)
    wanted = [years] if isinstance(years, int) else sorted(set(years))
    if len(wanted) == 1:
        return _holiday_dates(code, subdivision, wanted[0])
    return frozenset().union(*(_holiday_dates(code, subdivision, year) for year in wanted))


def is_working_day(day: date, policy: WorkPolicy) -> bool:
    """A local date on which the mentor may get prompts: a workday, no holiday, not paused, not quiet."""
    if day.weekday() not in policy.workdays:
        return False
    if policy.paused_until is not None and day <= policy.paused_until:
        return False
    if any(first <= day <= last for first, last in policy.quiet_periods):
        return False
    return day not in _holiday_dates(policy.country, policy.subdivision, day.year)


def is_working_moment(moment: datetime, policy: WorkPolicy) -> bool:
    """Whether `moment` (aware) falls inside the mentor's working hours on one of their working days."""
    local = _local(moment, policy)
    return is_working_day(local.date(), policy) and policy.start <= local.time() < policy.end


def next_slot(moment: datetime, policy: WorkPolicy) -> datetime:
    """The earliest moment >= `moment` inside the mentor's working hours on a working day, in UTC."""
    local = _local(moment, policy)
    day, clock = local.date(), local.time()
    if is_working_day(day, policy):
        if policy.start <= clock < policy.end:
            return moment.astimezone(UTC)
        if clock < policy.start:
            return _morning(day, policy)
    return _morning(_first_working_day(day + ONE_DAY, policy), policy)


def common_slot(
    moment: datetime, policies: Sequence[WorkPolicy], *, days: int = 14, step: timedelta = timedelta(minutes=30)
) -> datetime:
    """The earliest moment >= `moment` inside every policy's working hours (UTC); when their hours never overlap
    within `days`, the earliest moment inside the hours of as many of them as possible."""
    if not policies:
        return moment.astimezone(UTC)
    best, best_count = moment.astimezone(UTC), -1
    candidate = next_slot(moment, policies[0])
    end = moment + timedelta(days=days)
    while candidate <= end:
        count = sum(is_working_moment(candidate, policy) for policy in policies)
        if count == len(policies):
            return candidate.astimezone(UTC)
        if count > best_count:
            best, best_count = candidate, count
        candidate = _next_step(candidate, step)
    return best.astimezone(UTC)


def _next_step(moment: datetime, step: timedelta) -> datetime:
    """The next moment on the `step` grid after `moment` (so that checks fall on whole and half hours)."""
    seconds = step.total_seconds()
    stamp = moment.timestamp()
    return datetime.fromtimestamp((stamp // seconds + 1) * seconds, UTC)


def next_working_morning(moment: datetime, policy: WorkPolicy) -> datetime:
    """Snooze: the start of the first working day strictly after the local date of `moment`, in UTC."""
    day = _local(moment, policy).date()
    return _morning(_first_working_day(day + ONE_DAY, policy), policy)


def add_working_days(moment: datetime, days: int, policy: WorkPolicy) -> datetime:
    """The same local time `days` working days after the local date of `moment`, then `next_slot` of that (UTC)."""
    if not isinstance(days, int) or days < 0:
        raise ValueError(f"days must be a whole number of working days >= 0, got {days!r}")
    if days == 0:
        return next_slot(moment, policy)
    local = _local(moment, policy)
    day = local.date()
    for _ in range(days):
        day = _first_working_day(day + ONE_DAY, policy)
    return next_slot(nominal_moment(day, local.time(), policy.tz), policy)


def nominal_moment(day: date, at: time, tz: str) -> datetime:
    """A step's local date and wall-clock time in `tz`, as an aware UTC datetime, correct across DST."""
    # A time in a spring-forward gap (03:30 on 28 March 2027 in Helsinki) moves forward to the first valid instant,
    # the end of the gap (04:00); an ambiguous time in an autumn fold takes its first occurrence (fold=0).
    if at.tzinfo is not None:
        raise ValueError(f"the time of a step is a local wall-clock time without a time zone, got {at!r}")
    zone = _zone(tz)
    wall = datetime.combine(day, at.replace(fold=0))
    first = wall.replace(tzinfo=zone)  # fold=0: the first occurrence of an ambiguous time
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    return _end_of_gap(wall, zone, first.replace(fold=1).astimezone(UTC), instant)


def _end_of_gap(wall: datetime, zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first instant whose local time is at or after the non-existent `wall`: the DST transition itself."""
    # `low` (wall read with the later offset) falls before the transition and `high` (the earlier offset) after it;
    # transitions are on whole seconds, so a binary search on whole seconds finds the transition exactly.
    low, high = low.replace(microsecond=0), high.replace(microsecond=0) + timedelta(seconds=1)
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low) // timedelta(seconds=2))
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high


def _local(moment: datetime, policy: WorkPolicy) -> datetime:
    """`moment` on the mentor's wall clock; refuses naive datetimes."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"moment must be timezone-aware (e.g. datetime.now(UTC)), got naive {moment!r}")
    return moment.astimezone(_zone(policy.tz))


def _morning(day: date, policy: WorkPolicy) -> datetime:
    """The start of working hours on local `day`, in UTC."""
    return nominal_moment(day, policy.start, policy.tz)


def _first_working_day(day: date, policy: WorkPolicy) -> date:
    """The first working day on or after `day` (past any pause); NoSlotError after SEARCH_DAYS days without one."""
    if policy.paused_until is not None and day <= policy.paused_until:
        day = policy.paused_until + ONE_DAY
    for offset in range(SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate, policy):
            return candidate
    raise NoSlotError(
        f"no working day in the {SEARCH_DAYS} days from {day.isoformat()}: check the workdays "
        f"{sorted(policy.workdays)}, quiet periods and pause of this policy"
    )
