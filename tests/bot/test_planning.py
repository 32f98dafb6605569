"""Re-planning what has not been sent: a session date moves, a cohort is archived, a mentor leaves, pauses or moves
to another time zone. What was sent — or is being sent right now — stays as it is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time
from sqlalchemy import Engine
from sqlmodel import select

from bot.planning import cancel_open, replan_cohort, replan_member
from bot.settings import Settings
from schedules import jobs
from schedules.outbox import claim_due
from storage.db import session_scope
from storage.models import Cohort, Delivery, DeliveryStatus, Member, ProgrammeSession, SlackUser
from tests.support import outbox_world as world
from tests.support.fake_slack import FakeSlack

HELSINKI, NEW_YORK = ZoneInfo("Europe/Helsinki"), ZoneInfo("America/New_York")
DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
KICKOFF = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
TUESDAY = datetime(2027, 1, 12, 7, 0, tzinfo=UTC)  # the T0 check-in, right after the kickoff, has gone out by now


def kicked_off(engine: Engine, fake: FakeSlack, *mentors: str) -> world.Seeded:
    world.add_people(fake, list(mentors))
    seeded = world.seed(engine, dates=DATES, mentors=list(mentors))
    world.plan(engine, seeded.cohort, 1, KICKOFF)
    return seeded


def send(settings: Settings, engine: Engine, fake: FakeSlack, moment: datetime) -> None:
    with world.registered(world.context(settings, engine, fake)), freeze_time(moment):
        jobs.send_due()


def by_step(engine: Engine, member_id: int) -> dict[str, Delivery]:
    return {row.step_id: row for row in world.deliveries(engine, Delivery.member_id == member_id)}


def test_moving_a_session_date_moves_every_prompt_not_yet_sent(
    settings: Settings, engine: Engine, fake_slack: FakeSlack
) -> None:
    seeded = kicked_off(engine, fake_slack, "UM01")
    send(settings, engine, fake_slack, KICKOFF)
    send(settings, engine, fake_slack, TUESDAY)
    before = by_step(engine, seeded.members["UM01"])
    with session_scope(engine) as session:  # the coach moves session 1 from Monday to Wednesday 13 January
        first = session.exec(
            select(ProgrammeSession).where(ProgrammeSession.cohort_id == seeded.cohort, ProgrammeSession.number == 1)
        ).one()
        first.date = date(2027, 1, 13)
        session.add(first)
        session.flush()
        cohort = session.get(Cohort, seeded.cohort)
        assert cohort is not None
        moved = replan_cohort(session, cohort, TUESDAY)
    after = by_step(engine, seeded.members["UM01"])
    for step_id in ("s1-kickoff", "s1-self-efficacy-t0"):  # already sent: untouched
        assert after[step_id].status == DeliveryStatus.SENT and after[step_id].not_before == before[step_id].not_before
    assert after["s1-assignment-1"].not_before == datetime(2027, 1, 20, 9, 0, tzinfo=HELSINKI)
    assert after["s1-peer-learning"].not_before == datetime(2027, 1, 27, 9, 0, tzinfo=HELSINKI)
    assert moved == len([row for row in after.values() if row.status == DeliveryStatus.PLANNED])


def test_archiving_a_cohort_cancels_what_waits_and_keeps_what_was_sent(
    settings: Settings, engine: Engine, fake_slack: FakeSlack
) -> None:
    seeded = kicked_off(engine, fake_slack, "UM01", "UM02")
    send(settings, engine, fake_slack, KICKOFF)
    with session_scope(engine) as session:
        cancelled = cancel_open(session, Delivery.cohort_id == seeded.cohort)
    rows = world.deliveries(engine, Delivery.cohort_id == seeded.cohort)
    assert {row.status for row in rows if row.step_id == "s1-kickoff"} == {DeliveryStatus.SENT}
    assert {row.status for row in rows if row.step_id != "s1-kickoff"} == {DeliveryStatus.CANCELLED}
    assert cancelled == len(rows) - 2
    send(settings, engine, fake_slack, TUESDAY)
    assert len(world.prompts_in(fake_slack)) == 2  # nothing more went out


def test_removing_a_mentor_cancels_only_their_waiting_prompts(engine: Engine, fake_slack: FakeSlack) -> None:
    seeded = kicked_off(engine, fake_slack, "UGONE", "USTAYS")
    with session_scope(engine) as session:
        cancel_open(session, Delivery.member_id == seeded.members["UGONE"])
    assert {row.status for row in by_step(engine, seeded.members["UGONE"]).values()} == {DeliveryStatus.CANCELLED}
    assert {row.status for row in by_step(engine, seeded.members["USTAYS"]).values()} == {DeliveryStatus.PLANNED}


def _set_pause(engine: Engine, member_id: int, until: date | None, now: datetime) -> int:
    with session_scope(engine) as session:
        member = session.get(Member, member_id)
        cohort = session.get(Cohort, member.cohort_id) if member else None
        assert member is not None and cohort is not None
        member.paused_until = until
        session.add(member)
        session.flush()
        return replan_member(session, cohort, member, now)


def test_a_pause_skips_the_prompts_inside_it_and_a_resume_keeps_them_skipped(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    seeded = kicked_off(engine, fake_slack, "UM01")
    member = seeded.members["UM01"]
    _set_pause(engine, member, date(2027, 1, 19), KICKOFF + timedelta(days=2))  # until Tuesday 19 January
    rows = by_step(engine, member)
    row = rows["s1-assignment-1"]  # Monday 18
    assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED, "paused")
    assert rows["s1-peer-learning"].status == DeliveryStatus.PLANNED  # Monday 25: after the pause
    _set_pause(engine, member, None, KICKOFF + timedelta(days=3))
    assert by_step(engine, member)["s1-assignment-1"].status == DeliveryStatus.SKIPPED
    assert by_step(engine, member)["s1-peer-learning"].not_before == datetime(2027, 1, 25, 9, 0, tzinfo=HELSINKI)


def test_a_prompt_being_sent_is_left_alone_by_a_re_plan(engine: Engine, fake_slack: FakeSlack) -> None:
    seeded = kicked_off(engine, fake_slack, "UM01")
    [claim] = claim_due(engine, worker="sender", now=KICKOFF, limit=1)  # the kickoff DM, in flight
    _set_pause(engine, seeded.members["UM01"], date(2027, 1, 31), KICKOFF)
    with session_scope(engine) as session:
        cancel_open(session, Delivery.member_id == seeded.members["UM01"])
    rows = by_step(engine, seeded.members["UM01"])
    assert (rows["s1-kickoff"].id, rows["s1-kickoff"].status) == (claim.id, DeliveryStatus.SENDING)
    others = {row.status for step, row in rows.items() if step != "s1-kickoff"}
    assert others == {DeliveryStatus.SKIPPED, DeliveryStatus.CANCELLED}  # inside the pause, then after it


def test_a_mentor_who_moved_to_new_york_gets_the_waiting_prompts_at_nine_there(
    settings: Settings, engine: Engine, fake_slack: FakeSlack
) -> None:
    seeded = kicked_off(engine, fake_slack, "UMOVED", "USTAYED")
    with session_scope(engine) as session:  # both cached two days ago; only one is still fresh enough to skip
        for user, checked in (("UMOVED", KICKOFF - timedelta(days=2)), ("USTAYED", KICKOFF - timedelta(hours=2))):
            cached = session.get(SlackUser, (world.TEAM, user))
            assert cached is not None
            cached.checked_at = checked
            session.add(cached)
    fake_slack.users["UMOVED"].tz = "America/New_York"
    with world.registered(world.context(settings, engine, fake_slack)), freeze_time(KICKOFF):
        moved = jobs.refresh_timezones(pause=0)
    assert moved == 1
    assert [call.args["user"] for call in fake_slack.calls_to("users.info")] == ["UMOVED"]
    rows = by_step(engine, seeded.members["UMOVED"])
    assert rows["s1-assignment-1"].not_before == datetime(2027, 1, 18, 9, 0, tzinfo=NEW_YORK)
    stayed = by_step(engine, seeded.members["USTAYED"])
    assert stayed["s1-assignment-1"].not_before == datetime(2027, 1, 18, 9, 0, tzinfo=HELSINKI)


def test_the_baseline_follows_the_kickoff_even_when_the_kickoff_comes_days_after_the_session(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    world.add_people(fake_slack, ["UM01"])
    seeded = world.seed(engine, dates=DATES, mentors=["UM01"])
    thursday = datetime(2027, 1, 14, 11, 0, tzinfo=UTC)  # session 1 was on Monday; the coach kicks off on Thursday
    world.plan(engine, seeded.cohort, 1, thursday)
    rows = by_step(engine, seeded.members["UM01"])
    assert rows["s1-kickoff"].not_before == thursday
    assert rows["s1-self-efficacy-t0"].not_before == thursday + timedelta(minutes=2)  # right after, not Monday
    with session_scope(engine) as session:  # moving the (past) session date leaves the baseline with the kickoff
        cohort = session.get(Cohort, seeded.cohort)
        assert cohort is not None
        replan_cohort(session, cohort, thursday + timedelta(minutes=1))
    assert by_step(engine, seeded.members["UM01"])["s1-self-efficacy-t0"].not_before == thursday + timedelta(minutes=2)
