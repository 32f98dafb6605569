"""One reminder for an unanswered prompt, in the prompt's thread, with a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine, update
from sqlmodel import col

from bot.programmes import programme_by_id
from bot.settings import Settings
from bot.work_calendar import WorkPolicy, next_working_morning
from schedules import jobs
from storage.db import session_scope
from storage.models import Delivery, DeliveryStatus, Member
from tests.support import outbox_world as world
from tests.support.fake_slack import FakeSlack

HELSINKI = ZoneInfo("Europe/Helsinki")
FRIDAY_DATES = (date(2026, 12, 25), date(2027, 1, 22), date(2027, 2, 19))  # sessions on Fridays
FRIDAY_PROMPT = "s1-goal"  # day 21: Friday 15 January, 09:00
NEXT_PROMPT = "s1-pulse-se5"  # day 24: Monday 18 January, 09:00


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


@pytest.fixture
def sending(settings: Settings, engine: Engine, fake_slack: FakeSlack) -> Iterator[jobs.JobContext]:
    with world.registered(world.context(settings, engine, fake_slack)) as ctx:
        yield ctx


def arrange(
    engine: Engine, fake: FakeSlack, *mentors: str, keep: tuple[str, ...] = (FRIDAY_PROMPT,), **seed: Any
) -> world.Seeded:
    """Block 1 planned for `mentors`, with only the steps in `keep` left to go out; Friday's prompt sent."""
    world.add_people(fake, list(mentors))
    seeded = world.seed(engine, dates=FRIDAY_DATES, mentors=list(mentors), **seed)
    world.plan(engine, seeded.cohort, 1, local("2026-12-25 14:00"))
    with session_scope(engine) as session:
        session.exec(
            update(Delivery)
            .where(col(Delivery.cohort_id) == seeded.cohort, col(Delivery.step_id).not_in(keep))
            .values(status=DeliveryStatus.CANCELLED)
        )
    at(local("2027-01-15 09:00"), jobs.send_due)
    return seeded


def at(moment: datetime, job: Any) -> Any:
    with freeze_time(moment):
        return job()


def reminders(fake: FakeSlack) -> list[dict[str, Any]]:
    return [m for m in fake.messages if m.get("thread_ts")]


def test_one_reminder_two_working_days_later_in_the_prompts_thread(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = arrange(engine, fake_slack, "UM01")
    prompt = world.delivery(engine, seeded.members["UM01"], FRIDAY_PROMPT)
    assert prompt.status == DeliveryStatus.SENT
    for moment in ("2027-01-16 10:00", "2027-01-18 10:00", "2027-01-19 08:59"):  # Saturday, Monday, Tuesday early
        assert at(local(moment), jobs.remind) == 0
    assert at(local("2027-01-19 09:00"), jobs.remind) == 1
    [reply] = reminders(fake_slack)
    assert (reply["channel"], reply["thread_ts"]) == (prompt.channel_id, prompt.message_ts)
    call = fake_slack.calls_to("chat.postMessage")[-1]
    assert call.args["reply_broadcast"] in (True, "1", "true")  # also shown in the DM, so the mentor notices
    assert programme_by_id("feeniks").step(FRIDAY_PROMPT).label.en in reply["text"]
    assert world.delivery(engine, seeded.members["UM01"], FRIDAY_PROMPT).reminded_at == local("2027-01-19 09:00")
    for moment in ("2027-01-19 10:00", "2027-01-20 09:00", "2027-01-25 09:00"):
        assert at(local(moment), jobs.remind) == 0
    assert len(reminders(fake_slack)) == 1


def test_no_reminder_after_an_answer_or_a_skip(engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext) -> None:
    seeded = arrange(engine, fake_slack, "UANSWERED", "USKIPPED", "USILENT")
    with session_scope(engine) as session:
        for user, status in (("UANSWERED", DeliveryStatus.ANSWERED), ("USKIPPED", DeliveryStatus.SKIPPED)):
            session.exec(
                update(Delivery)
                .where(col(Delivery.member_id) == seeded.members[user], col(Delivery.step_id) == FRIDAY_PROMPT)
                .values(status=status)
            )
    assert at(local("2027-01-19 09:00"), jobs.remind) == 1
    assert [m["channel"] for m in reminders(fake_slack)] == [FakeSlack.dm_id("USILENT")]


def test_no_reminder_once_the_next_prompt_has_gone_out(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = arrange(engine, fake_slack, "UM01", keep=(FRIDAY_PROMPT, NEXT_PROMPT))
    at(local("2027-01-18 09:00"), jobs.send_due)
    monday = world.delivery(engine, seeded.members["UM01"], NEXT_PROMPT)
    assert monday.status == DeliveryStatus.SENT
    assert at(local("2027-01-19 09:00"), jobs.remind) == 0  # Friday's would be due now, but Monday's went out
    assert at(local("2027-01-20 09:00"), jobs.remind) == 1  # Monday's own, two working days later
    assert [m["thread_ts"] for m in reminders(fake_slack)] == [monday.message_ts]


def test_a_snoozed_prompt_is_reminded_on_the_next_working_morning_instead(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = arrange(engine, fake_slack, "UM01")
    member = seeded.members["UM01"]
    snoozed_at = local("2027-01-15 14:00")  # Friday afternoon: the Snooze button
    moment = next_working_morning(snoozed_at, WorkPolicy())
    assert moment == local("2027-01-18 09:00")
    with session_scope(engine) as session:
        session.exec(update(Delivery).where(col(Delivery.member_id) == member).values(snoozed_until=moment))
    assert at(local("2027-01-18 08:59"), jobs.remind) == 0
    assert at(local("2027-01-18 09:00"), jobs.remind) == 1
    assert at(local("2027-01-19 09:00"), jobs.remind) == 0  # the usual moment passes without a second one
    assert len(reminders(fake_slack)) == 1


def test_a_snooze_before_epiphany_reminds_on_the_thursday(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    world.add_people(fake_slack, ["UM01"])
    seeded = world.seed(
        engine, dates=(date(2026, 12, 29), date(2027, 1, 26), date(2027, 2, 23)), mentors=["UM01"], usual_quiet=False
    )  # Epiphany as a public holiday, not in the Christmas quiet period
    world.plan(engine, seeded.cohort, 1, local("2026-12-29 08:00"))
    at(local("2026-12-29 09:05"), jobs.send_due)  # the T0 check-in, after the kickoff on Tuesday 29 December
    row = world.delivery(engine, seeded.members["UM01"], "s1-self-efficacy-t0")
    assert row.status == DeliveryStatus.SENT
    moment = next_working_morning(local("2027-01-05 15:00"), WorkPolicy())  # snoozed on Tuesday 5 January
    assert moment == local("2027-01-07 09:00")  # Wednesday 6 January is Epiphany
    with session_scope(engine) as session:
        session.exec(update(Delivery).where(col(Delivery.id) == row.id).values(snoozed_until=moment))
    assert at(local("2027-01-06 09:00"), jobs.remind) == 0
    assert at(local("2027-01-07 09:00"), jobs.remind) == 1
    assert reminders(fake_slack)[-1]["thread_ts"] == row.message_ts


def test_no_reminder_while_the_mentor_is_paused(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = arrange(engine, fake_slack, "UM01")
    with session_scope(engine) as session:
        member = session.get(Member, seeded.members["UM01"])
        assert member is not None
        member.paused_until = date(2027, 1, 20)  # Monday to Wednesday off
        session.add(member)
    for moment in ("2027-01-19 09:00", "2027-01-20 09:00", "2027-01-20 15:00"):
        assert at(local(moment), jobs.remind) == 0
    assert at(local("2027-01-22 09:00"), jobs.remind) == 1  # two working days after Friday, counting from Thursday


def test_a_cohort_without_reminders_gets_none(engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext) -> None:
    arrange(engine, fake_slack, "UM01", reminder_days=0)
    for day in range(18, 23):
        assert at(local(f"2027-01-{day} 09:00"), jobs.remind) == 0
    assert reminders(fake_slack) == []


def test_a_kickoff_is_not_reminded(engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext) -> None:
    world.add_people(fake_slack, ["UM01"])
    seeded = world.seed(engine, dates=FRIDAY_DATES, mentors=["UM01"])
    world.plan(engine, seeded.cohort, 1, local("2027-01-08 14:00"))
    with session_scope(engine) as session:
        session.exec(
            update(Delivery)
            .where(col(Delivery.cohort_id) == seeded.cohort, col(Delivery.step_id) != "s1-kickoff")
            .values(status=DeliveryStatus.CANCELLED)
        )
    at(local("2027-01-08 14:00"), jobs.send_due)
    assert world.delivery(engine, seeded.members["UM01"], "s1-kickoff").status == DeliveryStatus.SENT
    for moment in ("2027-01-12 14:00", "2027-01-13 09:00", "2027-01-14 09:00"):
        assert at(local(moment), jobs.remind) == 0
    assert reminders(fake_slack) == []
