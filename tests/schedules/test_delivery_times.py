"""When prompts reach mentors, with a frozen clock: planned for the right moment, and sent then — not a minute earlier.

Each case places one programme step on a day (by choosing session 1's date), plans block 1 as a kickoff would, and
runs the `send_due` job just before and at the expected moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine

from bot.planning import replan_member
from bot.programmes import programme_by_id
from bot.settings import Settings
from schedules import jobs
from storage.db import session_scope
from storage.models import Cohort, DeliveryStatus, Member, SlackUser
from tests.support import outbox_world as world
from tests.support.fake_slack import FakeSlack

HELSINKI, NEW_YORK = "Europe/Helsinki", "America/New_York"
FEENIKS = programme_by_id("feeniks")


@pytest.fixture
def sending(settings: Settings, engine: Engine, fake_slack: FakeSlack) -> Iterator[jobs.JobContext]:
    with world.registered(world.context(settings, engine, fake_slack)) as ctx:
        yield ctx


def local(text: str, tz: str = HELSINKI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def arrange(engine: Engine, fake: FakeSlack, step_id: str, day: date, *mentors: world.Mentor) -> world.Seeded:
    """A cohort whose session 1 puts `step_id` on `day`; block 1 planned the day before session 1."""
    step = FEENIKS.step(step_id)
    assert step.session == 1
    first = day - timedelta(days=step.days)
    world.add_people(fake, list(mentors))
    seeded = world.seed(
        engine,
        dates=(first, first + timedelta(weeks=4), first + timedelta(weeks=8)),
        mentors=list(mentors),
        usual_quiet=False,
    )  # public holidays alone
    world.plan(engine, seeded.cohort, 1, datetime.combine(first - timedelta(days=1), datetime.min.time(), UTC))
    return seeded


def send_at(moment: datetime) -> None:
    with freeze_time(moment):
        jobs.send_due()


CASES = [
    pytest.param("s1-peer-learning", date(2027, 1, 16), HELSINKI, "2027-01-18 09:00", id="Saturday → Monday"),
    pytest.param("s1-assignment-1", date(2027, 6, 25), HELSINKI, "2027-06-28 09:00",
                 id="Midsummer Eve and Midsummer Day → Monday"),
    pytest.param("s1-assignment-1", date(2026, 12, 24), HELSINKI, "2026-12-28 09:00",
                 id="Christmas Eve, Christmas, St Stephen's Day → Monday"),
    pytest.param("s1-assignment-1", date(2027, 1, 6), HELSINKI, "2027-01-07 09:00",
                 id="Epiphany → Thursday"),
    pytest.param("s1-assignment-1", date(2026, 3, 30), HELSINKI, "2026-03-30 09:00",
                 id="the Monday after the March change: 09:00 summer time"),
    pytest.param("s1-assignment-1", date(2027, 3, 29), HELSINKI, "2027-03-30 09:00",
                 id="Easter Monday, the day after the March change → Tuesday, 09:00 summer time"),
    pytest.param("s1-assignment-1", date(2027, 11, 1), HELSINKI, "2027-11-01 09:00",
                 id="the Monday after the October change: 09:00 winter time"),
    pytest.param("s1-assignment-1", date(2027, 3, 15), NEW_YORK, "2027-03-15 09:00",
                 id="New York after the US change (Helsinki not yet changed)"),
    pytest.param("s1-assignment-1", date(2027, 1, 6), NEW_YORK, "2027-01-07 09:00",
                 id="New York: the Finnish organisation's Epiphany is a day off"),
    pytest.param("s1-assignment-1", date(2027, 1, 18), NEW_YORK, "2027-01-18 09:00",
                 id="New York: a US holiday is a working day for a Finnish organisation"),
]  # fmt: skip


@pytest.mark.parametrize(("step_id", "day", "tz", "arrives"), CASES)
def test_a_prompt_is_planned_for_and_sent_at_the_mentors_first_working_moment(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext, step_id: str, day: date, tz: str, arrives: str
) -> None:
    seeded = arrange(engine, fake_slack, step_id, day, world.Mentor("UM01", tz=tz))
    expected = local(arrives, tz)
    row = world.delivery(engine, seeded.members["UM01"], step_id)
    assert row.not_before == expected
    assert row.not_before.astimezone(ZoneInfo(tz)).strftime("%H:%M") == "09:00"

    nominal_day = datetime.combine(day, datetime.min.time(), ZoneInfo(tz)) + timedelta(hours=10)
    for moment in sorted({nominal_day, expected - timedelta(minutes=1)}):
        if moment < expected:
            send_at(moment)
    assert world.delivery(engine, seeded.members["UM01"], step_id).status == DeliveryStatus.PLANNED
    assert row.id not in world.prompt_ids(fake_slack)

    send_at(expected)
    sent = world.delivery(engine, seeded.members["UM01"], step_id)
    assert sent.status == DeliveryStatus.SENT and sent.sent_at == expected
    assert world.prompt_ids(fake_slack).count(row.id) == 1
    message = next(m for m in world.prompts_in(fake_slack) if m["ts"] == sent.message_ts)
    assert message["channel"] == sent.channel_id == FakeSlack.dm_id("UM01")


def test_nine_oclock_stays_nine_oclock_on_the_mentors_clock_across_both_changes(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    spring = arrange(engine, fake_slack, "s1-goal", date(2026, 3, 27), world.Mentor("UM01"))  # Friday 27 March
    friday = world.delivery(engine, spring.members["UM01"], "s1-goal")
    monday = world.delivery(engine, spring.members["UM01"], "s1-pulse-se5")  # three days later: Monday 30 March
    assert (friday.not_before.hour, monday.not_before.hour) == (7, 6)  # UTC: +2 before, +3 after
    autumn = world.seed(
        engine,
        name="Autumn",
        dates=(date(2027, 10, 8), date(2027, 11, 5), date(2027, 12, 3)),
        mentors=[world.Mentor("UM02")],
    )
    world.plan(engine, autumn.cohort, 1, datetime(2027, 10, 7, tzinfo=UTC))
    before = world.delivery(engine, autumn.members["UM02"], "s1-goal")  # Friday 29 October
    after = world.delivery(engine, autumn.members["UM02"], "s1-pulse-se5")  # Monday 1 November
    assert (before.not_before.hour, after.not_before.hour) == (6, 7)


def test_mentors_in_helsinki_and_new_york_get_the_same_step_at_their_own_nine(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = arrange(
        engine, fake_slack, "s1-assignment-1", date(2027, 1, 19), world.Mentor("UFI"), world.Mentor("UNY", tz=NEW_YORK)
    )
    helsinki = world.delivery(engine, seeded.members["UFI"], "s1-assignment-1")
    new_york = world.delivery(engine, seeded.members["UNY"], "s1-assignment-1")
    assert (helsinki.not_before, new_york.not_before) == (
        datetime(2027, 1, 19, 7, 0, tzinfo=UTC),
        datetime(2027, 1, 19, 14, 0, tzinfo=UTC),
    )
    send_at(datetime(2027, 1, 19, 7, 0, tzinfo=UTC))
    assert helsinki.id in world.prompt_ids(fake_slack) and new_york.id not in world.prompt_ids(fake_slack)
    send_at(datetime(2027, 1, 19, 14, 0, tzinfo=UTC))
    assert world.prompt_ids(fake_slack).count(new_york.id) == 1 and world.prompt_ids(fake_slack).count(helsinki.id) == 1


# -- pauses ----------------------------------------------------------------------------------------------------------


def _pause(engine: Engine, member_id: int, until: date, now: datetime, *, replan: bool = True) -> None:
    """What `/mentori pause` stores; `replan=False` leaves the waiting prompts as they were."""
    with session_scope(engine) as session:
        member = session.get(Member, member_id)
        assert member is not None
        member.paused_until = until
        session.add(member)
        session.flush()
        cohort = session.get(Cohort, member.cohort_id)
        assert cohort is not None
        if replan:
            replan_member(session, cohort, member, now)


def test_a_paused_mentor_gets_nothing_during_the_pause_and_the_next_prompt_after_it(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    # Session 1 on Monday 11 January: Mon 18 falls in the pause (until Wed 20), Mon 25 after it.
    seeded = arrange(
        engine, fake_slack, "s1-assignment-1", date(2027, 1, 18), world.Mentor("UAWAY"), world.Mentor("UHERE")
    )
    away, here = seeded.members["UAWAY"], seeded.members["UHERE"]
    _pause(engine, away, date(2027, 1, 20), datetime(2027, 1, 14, 10, 0, tzinfo=UTC))
    row = world.delivery(engine, away, "s1-assignment-1")
    assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED, "paused")
    assert world.delivery(engine, away, "s1-peer-learning").not_before == local("2027-01-25 09:00")

    for moment in ("2027-01-18 09:00", "2027-01-19 09:00", "2027-01-25 09:00"):
        send_at(local(moment))
    got = set(world.prompt_ids(fake_slack))
    assert {world.delivery(engine, here, s).id for s in ("s1-assignment-1", "s1-peer-learning")} <= got
    assert world.delivery(engine, away, "s1-assignment-1").id not in got
    assert world.delivery(engine, away, "s1-peer-learning").status == DeliveryStatus.SENT


def test_a_pause_stored_without_re_planning_is_still_respected_when_sending(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = arrange(engine, fake_slack, "s1-assignment-1", date(2027, 1, 18), world.Mentor("UAWAY"))
    away = seeded.members["UAWAY"]
    _pause(engine, away, date(2027, 1, 20), datetime(2027, 1, 14, 10, 0, tzinfo=UTC), replan=False)
    send_at(local("2027-01-18 09:00"))
    row = world.delivery(engine, away, "s1-assignment-1")
    assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED, "paused")
    assert row.id not in world.prompt_ids(fake_slack)
    assert world.delivery(engine, away, "s1-peer-learning").not_before == local("2027-01-25 09:00")


def test_the_sent_prompt_reads_in_the_mentors_language_with_their_organisations_goal(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = arrange(
        engine, fake_slack, "s1-goal", date(2027, 1, 19), world.Mentor("UFI", language="fi"), world.Mentor("UEN")
    )
    send_at(local("2027-01-19 09:00"))
    by_channel = {
        m["channel"]: m
        for m in world.prompts_in(fake_slack)
        if m["metadata"]["event_payload"]["delivery_id"]
        in {world.delivery(engine, seeded.members[u], "s1-goal").id for u in ("UFI", "UEN")}
    }
    finnish, english = by_channel[FakeSlack.dm_id("UFI")], by_channel[FakeSlack.dm_id("UEN")]
    assert world.GOAL in finnish["text"] and "Organisaatiosi" in finnish["text"]
    assert "Valmennuskerta 1 → 2, viikko 4" in finnish["blocks"][0]["elements"][0]["text"]
    assert "Session 1 → 2, week 4" in english["blocks"][0]["elements"][0]["text"]
    assert not fake_slack.invalid and not fake_slack.warnings


def test_a_time_zone_this_machine_does_not_know_falls_back_to_the_cohorts_and_blocks_no_one(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = arrange(engine, fake_slack, "s1-assignment-1", date(2027, 1, 18), world.Mentor("UM01"))
    with session_scope(engine) as session:
        cached = session.get(SlackUser, (world.TEAM, "UM01"))
        assert cached is not None
        cached.tz = "Mars/Olympus_Mons"
        session.add(cached)
    send_at(local("2027-01-18 09:00"))
    assert world.delivery(engine, seeded.members["UM01"], "s1-assignment-1").status == DeliveryStatus.SENT
