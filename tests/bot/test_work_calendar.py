"""The programme calendar, as a mentor sees it: the local day and time a prompt arrives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.work_calendar import (
    NoSlotError,
    WorkPolicy,
    add_working_days,
    holidays_for,
    is_working_moment,
    next_slot,
    next_working_morning,
    nominal_moment,
)

HELSINKI = "Europe/Helsinki"
NEW_YORK = "America/New_York"
FINNISH = WorkPolicy()  # Helsinki, Mon–Fri 09:00–16:00, Finnish public holidays
IN_NEW_YORK = WorkPolicy(tz=NEW_YORK)  # a Finnish organisation's mentor who lives in New York


def at(text: str, tz: str = HELSINKI) -> datetime:
    """A local wall-clock moment, e.g. at("2027-01-15 16:30") in Helsinki."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def shown(moment: datetime, tz: str = HELSINKI) -> str:
    """What the mentor sees on their clock: 'Mon 2027-01-18 09:00'."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M")


def utc_offset(moment: datetime, tz: str = HELSINKI) -> timedelta | None:
    """The mentor's UTC offset at `moment`."""
    return moment.astimezone(ZoneInfo(tz)).utcoffset()


# --- working hours and weekends (week of Mon 11 – Sun 17 January 2027) -------------------------------------------


@pytest.mark.parametrize(
    ("due", "arrives"),
    [
        pytest.param("2027-01-16 10:00", "Mon 2027-01-18 09:00", id="Saturday → Monday morning"),
        pytest.param("2027-01-17 23:59", "Mon 2027-01-18 09:00", id="Sunday night → Monday morning"),
        pytest.param("2027-01-15 16:30", "Mon 2027-01-18 09:00", id="Friday after hours → Monday morning"),
        pytest.param("2027-01-15 16:00", "Mon 2027-01-18 09:00", id="end of hours is exclusive"),
        pytest.param("2027-01-12 07:00", "Tue 2027-01-12 09:00", id="Tuesday early → Tuesday 09:00"),
        pytest.param("2027-01-12 09:00", "Tue 2027-01-12 09:00", id="start of hours is inclusive"),
        pytest.param("2027-01-12 11:15", "Tue 2027-01-12 11:15", id="inside hours unchanged"),
        pytest.param("2027-01-12 15:59", "Tue 2027-01-12 15:59", id="last minute of the day unchanged"),
        pytest.param("2027-01-12 20:00", "Wed 2027-01-13 09:00", id="evening → next morning"),
    ],
)
def test_next_slot_keeps_to_working_hours_and_weekdays(due: str, arrives: str) -> None:
    assert shown(next_slot(at(due), FINNISH)) == arrives


def test_next_slot_returns_the_same_instant_in_utc() -> None:
    due = at("2027-01-12 11:15:42")
    slot = next_slot(due, FINNISH)
    assert slot == due
    assert slot.tzinfo is UTC


def test_next_slot_accepts_any_aware_zone() -> None:
    # 07:30 UTC on Tuesday is 09:30 in Helsinki (winter, +2)
    assert shown(next_slot(datetime(2027, 1, 12, 7, 30, tzinfo=UTC), FINNISH)) == "Tue 2027-01-12 09:30"


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        pytest.param("2027-01-12 08:59", False, id="before hours"),
        pytest.param("2027-01-12 09:00", True, id="start"),
        pytest.param("2027-01-12 15:59", True, id="last minute"),
        pytest.param("2027-01-12 16:00", False, id="end"),
        pytest.param("2027-01-16 10:00", False, id="Saturday"),
        pytest.param("2027-01-06 10:00", False, id="Epiphany"),
    ],
)
def test_is_working_moment(moment: str, working: bool) -> None:
    assert is_working_moment(at(moment), FINNISH) is working


# --- Finnish public holidays -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "arrives"),
    [
        pytest.param("2027-06-25 10:00", "Mon 2027-06-28 09:00", id="Midsummer Eve (Fri) → Monday"),
        pytest.param("2027-06-24 16:30", "Mon 2027-06-28 09:00", id="Thursday before Midsummer → Monday"),
        pytest.param("2027-12-23 16:30", "Mon 2027-12-27 09:00", id="before Christmas Eve (Fri) → Monday"),
        pytest.param("2029-12-24 10:00", "Thu 2029-12-27 09:00", id="Christmas Eve, Day, Boxing Day (Mon–Wed)"),
        pytest.param("2027-01-06 10:00", "Thu 2027-01-07 09:00", id="Epiphany (Wed) → Thursday"),
        pytest.param("2027-03-26 10:00", "Tue 2027-03-30 09:00", id="Good Friday → after Easter Monday"),
        pytest.param("2027-03-29 10:00", "Tue 2027-03-30 09:00", id="Easter Monday → Tuesday"),
        pytest.param("2026-05-01 10:00", "Mon 2026-05-04 09:00", id="May Day 2026 (Fri) → Monday"),
        pytest.param("2028-05-01 10:00", "Tue 2028-05-02 09:00", id="May Day 2028 (Mon) → Tuesday"),
        pytest.param("2027-05-06 10:00", "Fri 2027-05-07 09:00", id="Ascension Day (Thu) → Friday"),
        pytest.param("2027-12-06 10:00", "Tue 2027-12-07 09:00", id="Independence Day (Mon) → Tuesday"),
        pytest.param("2027-01-01 10:00", "Mon 2027-01-04 09:00", id="New Year's Day (Fri) → Monday"),
    ],
)
def test_no_prompt_on_finnish_public_holidays(due: str, arrives: str) -> None:
    assert shown(next_slot(at(due), FINNISH)) == arrives


def test_holidays_package_lists_the_finnish_eves_as_public_holidays() -> None:
    # Christmas Eve and Midsummer Eve are de facto days off in Finland; holidays>=0.109 lists both for FI, so the
    # calendar adds nothing of its own. If a release drops them, this fails and the calendar must add them.
    fi_2027 = holidays_for("FI", 2027)
    assert date(2027, 12, 24) in fi_2027  # jouluaatto
    assert date(2027, 6, 25) in fi_2027  # juhannusaatto, Friday
    assert date(2027, 6, 26) in fi_2027  # juhannuspäivä, Saturday
    assert date(2027, 12, 6) in fi_2027  # itsenäisyyspäivä
    assert date(2027, 2, 5) not in fi_2027  # Runeberg Day is a flag day, a working day


def test_holidays_are_cached_per_country_and_year() -> None:
    assert holidays_for("FI", 2027) is holidays_for("fi", [2027])
    both = holidays_for("FI", [2027, 2028])
    assert date(2027, 12, 24) in both
    assert date(2028, 12, 24) in both


# --- daylight saving time ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "offset_hours", "utc_hour"),
    [
        pytest.param(date(2027, 3, 26), 2, 7, id="Fri before the spring change: +2"),
        pytest.param(date(2027, 3, 29), 3, 6, id="Mon after the spring change (28 March): +3"),
        pytest.param(date(2027, 10, 29), 3, 6, id="Fri before the autumn change: +3"),
        pytest.param(date(2027, 11, 1), 2, 7, id="Mon after the autumn change (31 October): +2"),
    ],
)
def test_nine_oclock_stays_nine_oclock_across_dst(day: date, offset_hours: int, utc_hour: int) -> None:
    moment = nominal_moment(day, time(9, 0), HELSINKI)
    assert moment.astimezone(ZoneInfo(HELSINKI)).time() == time(9, 0)
    assert utc_offset(moment) == timedelta(hours=offset_hours)
    assert (moment.tzinfo, moment.hour) == (UTC, utc_hour)


@pytest.mark.parametrize(
    ("due", "arrives", "offset_hours"),
    [
        pytest.param("2027-03-25 16:30", "Tue 2027-03-30 09:00", 3, id="Easter weekend with the spring change"),
        pytest.param("2027-10-29 16:30", "Mon 2027-11-01 09:00", 2, id="weekend with the autumn change"),
    ],
)
def test_next_slot_across_a_dst_weekend(due: str, arrives: str, offset_hours: int) -> None:
    slot = next_slot(at(due), FINNISH)
    assert shown(slot) == arrives
    assert utc_offset(slot) == timedelta(hours=offset_hours)


def test_a_time_in_the_spring_gap_moves_forward_to_the_end_of_the_gap() -> None:
    # 28 March 2027: Helsinki clocks jump from 03:00 to 04:00, so 03:30 never happens
    moment = nominal_moment(date(2027, 3, 28), time(3, 30), HELSINKI)
    assert shown(moment) == "Sun 2027-03-28 04:00"
    assert moment == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_an_ambiguous_autumn_time_takes_its_first_occurrence() -> None:
    # 31 October 2027: Helsinki clocks go back from 04:00 to 03:00, so 03:30 happens twice (+3, then +2)
    moment = nominal_moment(date(2027, 10, 31), time(3, 30), HELSINKI)
    assert shown(moment) == "Sun 2027-10-31 03:30"
    assert utc_offset(moment) == timedelta(hours=3)
    assert moment == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


# --- a mentor in New York ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "new_york_utc_hour", "helsinki_utc_hour"),
    [
        pytest.param(date(2027, 3, 8), 14, 7, id="both on winter time: 7 h apart"),
        pytest.param(date(2027, 3, 15), 13, 7, id="US changed 14 March, EU not yet: 6 h apart"),
        pytest.param(date(2027, 3, 30), 13, 6, id="both on summer time: 7 h apart"),
        pytest.param(date(2027, 11, 1), 13, 7, id="EU changed 31 October, US not yet: 6 h apart"),
        pytest.param(date(2027, 11, 8), 14, 7, id="US changed 7 November: 7 h apart again"),
    ],
)
def test_us_and_eu_dst_change_on_different_dates(day: date, new_york_utc_hour: int, helsinki_utc_hour: int) -> None:
    in_new_york = nominal_moment(day, time(9, 0), NEW_YORK)
    in_helsinki = nominal_moment(day, time(9, 0), HELSINKI)
    assert shown(in_new_york, NEW_YORK) == day.strftime("%a %Y-%m-%d 09:00")
    assert (in_new_york.hour, in_helsinki.hour) == (new_york_utc_hour, helsinki_utc_hour)


@pytest.mark.parametrize(
    ("due", "arrives"),
    [
        pytest.param("2027-03-15 07:00", "Mon 2027-03-15 09:00", id="09:00 New York time in the US-only DST week"),
        pytest.param("2027-01-15 16:30", "Mon 2027-01-18 09:00", id="Friday after hours → Monday 09:00"),
        pytest.param("2027-01-06 10:00", "Thu 2027-01-07 09:00", id="Finnish Epiphany still applies"),
        pytest.param("2027-11-25 10:00", "Thu 2027-11-25 10:00", id="US Thanksgiving does not (country is FI)"),
    ],
)
def test_a_mentor_in_new_york_gets_new_york_hours_and_finnish_holidays(due: str, arrives: str) -> None:
    assert shown(next_slot(at(due, NEW_YORK), IN_NEW_YORK), NEW_YORK) == arrives


def test_an_organisation_in_the_us_gets_us_holidays() -> None:
    american = WorkPolicy(tz=NEW_YORK, country="US")
    assert shown(next_slot(at("2027-11-25 10:00", NEW_YORK), american), NEW_YORK) == "Fri 2027-11-26 09:00"


def test_holidays_follow_the_mentors_local_date() -> None:
    # 23:30 UTC on Tue 5 January is already Wednesday 6 January (Epiphany) in Helsinki
    assert shown(next_slot(datetime(2027, 1, 5, 23, 30, tzinfo=UTC), FINNISH)) == "Thu 2027-01-07 09:00"


# --- pause, snooze, reminders ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paused_until", "due", "arrives"),
    [
        pytest.param(date(2027, 1, 13), "2027-01-11 10:00", "Thu 2027-01-14 09:00", id="nothing before the day after"),
        pytest.param(date(2027, 1, 13), "2027-01-13 15:00", "Thu 2027-01-14 09:00", id="the last day is paused too"),
        pytest.param(date(2027, 1, 13), "2027-01-14 10:00", "Thu 2027-01-14 10:00", id="after the pause unchanged"),
        pytest.param(date(2027, 1, 15), "2027-01-12 10:00", "Mon 2027-01-18 09:00", id="pause to Friday → Monday"),
        pytest.param(date(2027, 1, 5), "2027-01-04 10:00", "Thu 2027-01-07 09:00", id="pause then Epiphany"),
    ],
)
def test_nothing_while_a_mentor_has_paused(paused_until: date, due: str, arrives: str) -> None:
    assert shown(next_slot(at(due), replace(FINNISH, paused_until=paused_until))) == arrives


@pytest.mark.parametrize(
    ("snoozed", "wakes"),
    [
        pytest.param("2027-01-15 14:00", "Mon 2027-01-18 09:00", id="Friday afternoon → Monday"),
        pytest.param("2027-01-12 07:00", "Wed 2027-01-13 09:00", id="early Tuesday → Wednesday, not Tuesday"),
        pytest.param("2027-01-05 11:00", "Thu 2027-01-07 09:00", id="day before Epiphany → the day after it"),
        pytest.param("2027-06-24 11:00", "Mon 2027-06-28 09:00", id="day before Midsummer Eve → Monday"),
        pytest.param("2027-10-29 11:00", "Mon 2027-11-01 09:00", id="across the autumn DST change"),
    ],
)
def test_snooze_to_the_next_working_morning(snoozed: str, wakes: str) -> None:
    assert shown(next_working_morning(at(snoozed), FINNISH)) == wakes


@pytest.mark.parametrize(
    ("sent", "days", "reminded"),
    [
        pytest.param("2027-01-12 10:30", 0, "Tue 2027-01-12 10:30", id="0 days: next slot"),
        pytest.param("2027-01-12 10:30", 2, "Thu 2027-01-14 10:30", id="2 days within a week"),
        pytest.param("2027-01-14 10:30", 2, "Mon 2027-01-18 10:30", id="over a weekend"),
        pytest.param("2027-01-05 10:30", 1, "Thu 2027-01-07 10:30", id="over Epiphany"),
        pytest.param("2027-06-24 11:00", 1, "Mon 2027-06-28 11:00", id="over Midsummer"),
        pytest.param("2027-03-25 10:00", 2, "Wed 2027-03-31 10:00", id="over Easter and the spring change"),
        pytest.param("2027-01-16 10:30", 1, "Mon 2027-01-18 10:30", id="from a Saturday"),
        pytest.param("2027-01-15 17:00", 1, "Tue 2027-01-19 09:00", id="after hours, then the next slot"),
    ],
)
def test_add_working_days_for_reminders(sent: str, days: int, reminded: str) -> None:
    assert shown(add_working_days(at(sent), days, FINNISH)) == reminded


def test_add_working_days_skips_a_pause() -> None:
    paused = replace(FINNISH, paused_until=date(2027, 1, 13))
    assert shown(add_working_days(at("2027-01-11 10:00"), 1, paused)) == "Thu 2027-01-14 10:00"


# --- custom hours and quiet periods ------------------------------------------------------------------------------

MORNINGS_MON_TO_THU = WorkPolicy(start=time(8, 0), end=time(12, 0), workdays=frozenset({0, 1, 2, 3}))
QUIET_JULY = WorkPolicy(quiet_periods=((date(2027, 7, 1), date(2027, 7, 31)),))


@pytest.mark.parametrize(
    ("policy", "due", "arrives"),
    [
        pytest.param(MORNINGS_MON_TO_THU, "2027-01-13 07:30", "Wed 2027-01-13 08:00", id="08–12: early → 08:00"),
        pytest.param(MORNINGS_MON_TO_THU, "2027-01-13 11:59", "Wed 2027-01-13 11:59", id="08–12: inside unchanged"),
        pytest.param(MORNINGS_MON_TO_THU, "2027-01-13 12:00", "Thu 2027-01-14 08:00", id="08–12: noon → tomorrow"),
        pytest.param(MORNINGS_MON_TO_THU, "2027-01-14 12:30", "Mon 2027-01-18 08:00", id="Mon–Thu: Thursday → Monday"),
        pytest.param(MORNINGS_MON_TO_THU, "2027-01-15 09:00", "Mon 2027-01-18 08:00", id="Mon–Thu: Friday is off"),
        pytest.param(QUIET_JULY, "2027-06-30 16:30", "Mon 2027-08-02 09:00", id="July quiet → Monday 2 August"),
        pytest.param(QUIET_JULY, "2027-07-15 10:00", "Mon 2027-08-02 09:00", id="mid-July → August"),
        pytest.param(QUIET_JULY, "2027-06-30 15:00", "Wed 2027-06-30 15:00", id="30 June unchanged"),
    ],
)
def test_custom_hours_and_quiet_periods(policy: WorkPolicy, due: str, arrives: str) -> None:
    assert shown(next_slot(at(due), policy)) == arrives


def test_several_quiet_periods() -> None:
    policy = WorkPolicy(quiet_periods=((date(2027, 7, 1), date(2027, 7, 31)), (date(2027, 12, 20), date(2028, 1, 6))))
    assert shown(next_slot(at("2027-12-17 16:30"), policy)) == "Fri 2028-01-07 09:00"  # quiet to Epiphany (Thu)
    assert shown(next_slot(at("2027-12-17 15:00"), policy)) == "Fri 2027-12-17 15:00"


def test_a_weekend_only_mentor_gets_weekend_prompts() -> None:
    weekends = WorkPolicy(workdays=frozenset({5, 6}))
    assert shown(next_slot(at("2027-01-12 10:00"), weekends)) == "Sat 2027-01-16 09:00"


# --- refusals ----------------------------------------------------------------------------------------------------

NAIVE = datetime(2027, 1, 12, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: next_slot(NAIVE, FINNISH), id="next_slot"),
        pytest.param(lambda: is_working_moment(NAIVE, FINNISH), id="is_working_moment"),
        pytest.param(lambda: next_working_morning(NAIVE, FINNISH), id="next_working_morning"),
        pytest.param(lambda: add_working_days(NAIVE, 1, FINNISH), id="add_working_days"),
    ],
)
def test_naive_moments_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"start": time(16, 0), "end": time(9, 0)}, "start before they end", id="start after end"),
        pytest.param({"start": time(9, 0), "end": time(9, 0)}, "start before they end", id="empty hours"),
        pytest.param({"start": time(9, 0, tzinfo=UTC)}, "without a time zone", id="aware start"),
        pytest.param({"workdays": frozenset()}, "at least one working day", id="no workdays"),
        pytest.param({"workdays": frozenset({1, 7})}, r"0 \(Monday\) … 6 \(Sunday\), got \[7\]", id="day 7"),
        pytest.param({"country": "XX"}, "unknown country 'XX'", id="unknown country"),
        pytest.param({"country": ""}, "ISO 3166", id="empty country"),
        pytest.param({"subdivision": "99"}, "unknown subdivision '99' of country 'FI'", id="unknown subdivision"),
        pytest.param({"tz": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'", id="unknown tz"),
        pytest.param(
            {"quiet_periods": ((date(2027, 7, 31), date(2027, 7, 1)),)},
            "ends before it starts: 2027-07-31 … 2027-07-01",
            id="reversed quiet period",
        ),
    ],
)
def test_impossible_policies_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(FINNISH, **changes)


def test_country_codes_are_normalised() -> None:
    assert WorkPolicy(country=" fi ").country == "FI"


def test_unknown_country_in_holidays_for() -> None:
    with pytest.raises(ValueError, match="unknown country 'XX'"):
        holidays_for("XX", 2027)


def test_a_policy_without_any_working_day_in_reach_fails_clearly() -> None:
    quiet_for_two_years = WorkPolicy(quiet_periods=((date(2027, 1, 1), date(2028, 12, 31)),))
    with pytest.raises(NoSlotError, match="no working day in the 400 days from 2027-01-13"):
        next_slot(at("2027-01-12 16:30"), quiet_for_two_years)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="days must be a whole number"):
        add_working_days(at("2027-01-12 10:00"), -1, FINNISH)


def test_nominal_moment_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Helsinky'"):
        nominal_moment(date(2027, 1, 12), time(9, 0), "Europe/Helsinky")
    with pytest.raises(ValueError, match="without a time zone"):
        nominal_moment(date(2027, 1, 12), time(9, 0, tzinfo=UTC), HELSINKI)


# -- a moment for a group: inside everyone's working hours --------------------------------------------------------


def test_a_group_gets_the_first_moment_inside_everyones_hours() -> None:
    from bot.work_calendar import common_slot

    helsinki = WorkPolicy()  # 09–16 Helsinki = 07–14 UTC in winter
    london = WorkPolicy(tz="Europe/London")  # 09–16 London = 09–16 UTC
    monday_early = datetime(2027, 1, 11, 6, 0, tzinfo=UTC)
    assert common_slot(monday_early, [helsinki, london]) == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    inside = datetime(2027, 1, 11, 10, 15, tzinfo=UTC)
    assert common_slot(inside, [helsinki, london]) == inside  # already inside both: at once
    friday_late = datetime(2027, 1, 15, 15, 0, tzinfo=UTC)  # past Helsinki's day; the weekend follows
    assert common_slot(friday_late, [helsinki, london]) == datetime(2027, 1, 18, 9, 0, tzinfo=UTC)


def test_hours_that_never_overlap_get_the_best_moment_there_is() -> None:
    from bot.work_calendar import common_slot, is_working_moment

    helsinki, honolulu = WorkPolicy(), WorkPolicy(tz="Pacific/Honolulu", country="US")
    tokyo = WorkPolicy(tz="Asia/Tokyo", country="JP")
    start = datetime(2027, 1, 11, 6, 0, tzinfo=UTC)
    moment = common_slot(start, [helsinki, honolulu, tokyo])
    # No moment suits all three: the earliest that suits two is chosen. Tokyo's and Honolulu's days overlap at
    # 00–02 UTC, and Monday 11 January is a public holiday in Japan, so it is Tuesday 09:00 in Tokyo.
    assert sum(is_working_moment(moment, p) for p in (helsinki, honolulu, tokyo)) == 2
    assert moment == datetime(2027, 1, 12, 0, 0, tzinfo=UTC)
