"""The cohort calendar: the usual quiet periods, work days, and the rule for steps that fall in a quiet period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine

from bot.cohort_calendar import (
    QUIET,
    CohortCalendar,
    keep_moved,
    latest_useful,
    read_workdays,
    usual_quiet_periods,
    write_workdays,
)
from bot.cohorts import Invalid
from bot.quiet_periods import add_quiet_period, parse_period
from schedules.coach_reports import report_to_coaches
from storage.db import session_scope
from storage.models import Cohort, Delivery, DeliveryStatus
from tests.support import outbox_world as world

HELSINKI = ZoneInfo("Europe/Helsinki")
SUMMER_2027 = (date(2027, 7, 12), date(2027, 8, 8))  # Monday of ISO week 28 to Sunday of week 31
# Session 1 the week before the summer weeks, session 2 the week after them: block 1 falls in the quiet weeks.
DATES = (date(2027, 7, 5), date(2027, 8, 16), date(2027, 9, 13))
KICKOFF = datetime(2027, 7, 5, 11, tzinfo=UTC)


def test_the_usual_quiet_periods_are_the_finnish_summer_weeks_and_christmas() -> None:
    periods = usual_quiet_periods([2027])
    assert SUMMER_2027 in periods
    assert (date(2026, 12, 24), date(2027, 1, 6)) in periods and (date(2027, 12, 24), date(2028, 1, 6)) in periods
    assert usual_quiet_periods([]) == ()


def test_work_days_are_stored_as_iso_weekday_digits() -> None:
    assert read_workdays("12345") == frozenset(range(5))
    assert read_workdays("1234") == frozenset(range(4))
    assert read_workdays("") == frozenset(range(5))
    assert write_workdays({0, 1, 2, 3}) == "1234"


def test_a_step_in_a_quiet_period_moves_if_still_useful_else_is_skipped() -> None:
    calendar = CohortCalendar(quiet=(SUMMER_2027,))
    due = datetime(2027, 7, 26, 6, tzinfo=UTC)  # Monday of week 30, 09:00 in Helsinki
    after = datetime(2027, 8, 9, 6, tzinfo=UTC)  # the first working day after the summer weeks
    assert latest_useful(due, None, "Europe/Helsinki") == due + timedelta(days=14)
    assert keep_moved(due, after, date(2027, 7, 26), calendar, None, "Europe/Helsinki")
    early = datetime(2027, 7, 12, 6, tzinfo=UTC)  # four weeks from the end of the quiet period
    assert not keep_moved(early, after, date(2027, 7, 12), calendar, None, "Europe/Helsinki")
    # never past the next session's day, even within two weeks
    assert not keep_moved(due, after, date(2027, 7, 26), calendar, date(2027, 8, 2), "Europe/Helsinki")
    # a step merely moved over a weekend is never skipped by this rule
    assert keep_moved(due, after + timedelta(days=30), date(2027, 7, 3), calendar, None, "Europe/Helsinki")


def _local(moment: datetime) -> date:
    return moment.astimezone(HELSINKI).date()


def test_planning_moves_steps_out_of_the_summer_or_skips_them_and_tells_the_coaches(engine: Engine, fake_slack) -> None:
    world.add_people(fake_slack, ["UM01"])
    seeded = world.seed(engine, dates=DATES, mentors=["UM01"])
    with freeze_time(KICKOFF):
        world.plan(engine, seeded.cohort, 1, KICKOFF)
    rows = world.deliveries(engine, Delivery.member_id == seeded.members["UM01"])
    planned = [row for row in rows if row.status == DeliveryStatus.PLANNED]
    skipped = [row for row in rows if row.status == DeliveryStatus.SKIPPED]
    assert planned and skipped
    assert all(SUMMER_2027[0] <= _local(row.due_at) <= SUMMER_2027[1] for row in skipped)
    assert {row.last_error for row in skipped} == {QUIET}
    assert not [row for row in planned if SUMMER_2027[0] <= _local(row.not_before) <= SUMMER_2027[1]]
    moved = [row for row in planned if SUMMER_2027[0] <= _local(row.due_at) <= SUMMER_2027[1]]
    assert moved and all(row.not_before - row.due_at <= timedelta(days=14) for row in moved)

    with freeze_time(KICKOFF + timedelta(minutes=1)):
        reports = report_to_coaches(engine, now=KICKOFF + timedelta(minutes=1))
    report = reports[seeded.cohort]
    assert report.quiet == len(skipped) and report.quiet_mentors == 1
    assert [label.en for label in report.quiet_steps]


def test_a_quiet_period_added_later_moves_the_prompts_not_yet_sent(engine: Engine, fake_slack) -> None:
    world.add_people(fake_slack, ["UM01"])
    seeded = world.seed(engine, dates=(date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8)), mentors=["UM01"])
    now = datetime(2027, 1, 11, 11, tzinfo=UTC)
    world.plan(engine, seeded.cohort, 1, now)
    with session_scope(engine) as session:
        cohort = session.get(Cohort, seeded.cohort)
        assert cohort is not None
        add_quiet_period(session, cohort, date(2027, 1, 25), date(2027, 1, 29), now=now)  # a week of the block
    rows = world.deliveries(engine, Delivery.member_id == seeded.members["UM01"])
    waiting = [row for row in rows if row.status == DeliveryStatus.PLANNED]
    assert waiting
    assert not [row for row in waiting if date(2027, 1, 25) <= _local(row.not_before) <= date(2027, 1, 29)]


@pytest.mark.parametrize(
    ("first", "last", "key"),
    [
        ("2027-07-32", "2027-08-01", "cohorts.error.date_format"),
        ("12.7.27", "2027-08-01", "cohorts.error.date_format"),
        ("2027-08-01", "2027-07-01", "calendar.error.order"),
        ("2027-01-01", "2028-06-01", "calendar.error.too_long"),
    ],
)
def test_a_quiet_period_is_read_strictly(first: str, last: str, key: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse_period(first, last)
    assert raised.value.key == key
    assert parse_period("2027-07-12", "8.8.2027") == SUMMER_2027
