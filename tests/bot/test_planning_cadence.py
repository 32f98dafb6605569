"""Cadence: one prompt a week by default and never more than two in a calendar week, kickoff weeks included —
for any start date and any template, after weekends, public holidays and late kickoffs have moved prompts."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.planning import MAX_PROMPTS_A_WEEK, later_kickoffs, schedule_block, week_of
from bot.programmes import Step, Text, default_programme
from bot.programmes.timeline import default_session_dates
from bot.work_calendar import WorkPolicy
from storage.models import Delivery
from tests.support import outbox_world as world

HELSINKI = "Europe/Helsinki"
LABEL = Text("x", "x", "x")
POLICIES = {
    "Helsinki": WorkPolicy(tz=HELSINKI, start=time(8), end=time(16), country="FI"),
    "Stockholm": WorkPolicy(tz="Europe/Stockholm", start=time(9), end=time(17), country="SE"),
    "New York": WorkPolicy(tz="America/New_York", start=time(9), end=time(17), country="US"),
}


def _run(steps: tuple[Step, ...], dates: dict[int, date], policy: WorkPolicy, kickoff_delay: timedelta) -> Counter:
    """Every block planned at its kickoff (the session's afternoon, or hours later): prompts per ISO week."""
    programme = replace(default_programme(), steps=steps)
    busy: Counter[tuple[int, int]] = Counter()
    moments = []
    for block in (1, 2, 3):
        kickoff = (datetime.combine(dates[block], time(13), tzinfo=ZoneInfo(policy.tz)) + kickoff_delay).astimezone(UTC)
        in_block = [step for step in steps if step.block == block and step.is_prompt]
        reserved = later_kickoffs(programme, block, dates, policy.tz)
        moments += [slot for _, _, slot in schedule_block(in_block, dates, policy, kickoff, busy, reserved)]
    return Counter(week_of(moment, policy.tz) for moment in moments)


starts = st.dates(min_value=date(2026, 1, 1), max_value=date(2031, 12, 31))
policies = st.sampled_from(sorted(POLICIES))
delays = st.sampled_from([timedelta(0), timedelta(hours=3), timedelta(hours=9)])  # the session's day, into evening


@settings(max_examples=300, deadline=None)
@given(start=starts, where=policies, delay=delays)
def test_the_feeniks_programme_never_sends_more_than_two_prompts_in_a_week(start, where, delay) -> None:
    weeks = _run(default_programme().steps, default_session_dates(start), POLICIES[where], delay)
    assert max(weeks.values()) <= MAX_PROMPTS_A_WEEK, sorted(weeks.items())
    assert sum(weeks.values()) == sum(1 for step in default_programme().steps if step.is_prompt)


def _step(block: int, index: int, days: int, hour: int) -> Step:
    kind = "kickoff" if days == 0 and index == 0 else "reflection"
    return Step(
        id=f"s{block}-{index}", kind=kind, session=block, days=days, at=time(hour), label=LABEL, text=LABEL, why=LABEL
    )


@st.composite
def templates(draw) -> tuple[Step, ...]:
    """A kickoff per session and up to twelve prompts after each, on any day and hour: crowded on purpose."""
    steps = []
    for block in (1, 2, 3):
        offsets = draw(st.lists(st.integers(0, 45), max_size=12))
        hours = draw(st.lists(st.integers(6, 18), min_size=len(offsets), max_size=len(offsets)))
        steps.append(_step(block, 0, 0, 13))
        steps += [_step(block, i + 1, days, hour) for i, (days, hour) in enumerate(zip(offsets, hours, strict=True))]
    return tuple(steps)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=templates(),
    start=starts,
    where=policies,
    delay=delays,
    gaps=st.tuples(st.integers(7, 42), st.integers(7, 42)),
)
def test_any_template_and_any_session_dates_keep_to_two_prompts_a_week(steps, start, where, delay, gaps) -> None:
    dates = {1: start, 2: start + timedelta(days=gaps[0]), 3: start + timedelta(days=gaps[0] + gaps[1])}
    weeks = _run(steps, dates, POLICIES[where], delay)
    assert max(weeks.values()) <= MAX_PROMPTS_A_WEEK, sorted(weeks.items())
    assert sum(weeks.values()) == len(steps)  # moved to a later week, never dropped


def test_most_weeks_of_the_feeniks_programme_have_one_prompt() -> None:
    weeks = _run(
        default_programme().steps, default_session_dates(date(2027, 1, 11)), POLICIES["Helsinki"], timedelta(0)
    )
    kickoff_weeks = {
        week_of(datetime.combine(day, time(13), tzinfo=ZoneInfo(HELSINKI)), HELSINKI)
        for day in default_session_dates(date(2027, 1, 11)).values()
    }
    assert all(weeks[week] == 2 for week in kickoff_weeks)  # the kickoff and the check-in or plan right after it
    others = [count for week, count in weeks.items() if week not in kickoff_weeks]
    assert others.count(1) >= 3 * others.count(2), sorted(weeks.items())
    assert sum(weeks.values()) == 20


def test_a_christmas_holiday_does_not_pile_three_prompts_into_one_week(engine: Engine, fake_slack) -> None:
    """Session 2 on Monday 21 December 2026: the plan due on Christmas Eve moves to Monday 28 December, which
    already holds assignment 2, so the HR-meeting nudge of Thursday 31 December waits for the next week."""
    world.add_people(fake_slack, ["UM01"])
    seeded = world.seed(
        engine, dates=(date(2026, 11, 23), date(2026, 12, 21), date(2027, 1, 18)), mentors=["UM01"], usual_quiet=False
    )  # public holidays alone, without the Christmas quiet period
    for block, kickoff in ((1, datetime(2026, 11, 23, 11, tzinfo=UTC)), (2, datetime(2026, 12, 21, 11, tzinfo=UTC))):
        world.plan(engine, seeded.cohort, block, kickoff)
    rows = world.deliveries(engine, Delivery.member_id == seeded.members["UM01"])
    weeks = Counter(week_of(row.not_before, HELSINKI) for row in rows)
    assert max(weeks.values()) <= 2, sorted(weeks.items())
    local = {row.step_id: row.not_before.astimezone(ZoneInfo(HELSINKI)).date() for row in rows}
    assert local["s2-if-then-plan"] == local["s2-assignment-2"] == date(2026, 12, 28)
    assert local["s2-hr-meeting"] == local["s2-experiment-what-happened"] == date(2027, 1, 4)
