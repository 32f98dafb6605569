"""The outbox: every prompt reaches its mentor once — across restarts, retries, Slack's errors and a second sender."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.blocks.prompt import prompt_metadata
from bot.settings import Settings
from schedules import jobs
from schedules.outbox import claim_due
from schedules.sender import Sender
from storage.db import make_engine, session_scope
from storage.models import Cohort, CohortStatus, Delivery, DeliveryStatus, Member, MemberStatus, SlackUser
from tests.support import outbox_world as world
from tests.support.fake_slack import FakeSlack

DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))
KICKOFF = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)  # Monday, 14:00 in Helsinki: the kickoff DMs are due at once
MENTORS = [f"UM{number:02d}" for number in range(1, 21)]


@pytest.fixture
def sending(settings: Settings, engine: Engine, fake_slack: FakeSlack) -> Iterator[jobs.JobContext]:
    with world.registered(world.context(settings, engine, fake_slack)) as ctx:
        yield ctx


def kicked_off(engine: Engine, fake: FakeSlack, mentors: list[str] = MENTORS, **seed: Any) -> world.Seeded:
    """A cohort whose session 1 was just kicked off: one kickoff DM per mentor is due now."""
    world.add_people(fake, mentors)
    seeded = world.seed(engine, dates=DATES, mentors=mentors, **seed)
    world.plan(engine, seeded.cohort, 1, KICKOFF)
    return seeded


def kickoffs(engine: Engine) -> list[Delivery]:
    return world.deliveries(engine, Delivery.step_id == "s1-kickoff")


def sender(
    engine: Engine,
    fake: FakeSlack,
    *,
    worker: str = "sender-a",
    at: datetime = KICKOFF,
    timeout: float = 5,
    **options: Any,
) -> Sender:
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test", base_url=fake.url, timeout=timeout, retry_handlers=[])
    return Sender(engine=engine, client_for=lambda _team: client, now=lambda: at, worker=worker, **options)


def assert_each_prompt_once(engine: Engine, fake: FakeSlack, rows: list[Delivery]) -> None:
    """Every row is sent, its one message is in the mentor's DM, and its ts is the one stored."""
    posted = Counter(world.prompt_ids(fake))
    assert {row.id: posted[row.id] for row in rows} == {row.id: 1 for row in rows}
    with Session(engine) as session:
        for row in rows:
            stored = session.get(Delivery, row.id)
            assert stored is not None and stored.status == DeliveryStatus.SENT
            message = next(m for m in world.prompts_in(fake) if m["metadata"]["event_payload"]["delivery_id"] == row.id)
            assert (stored.channel_id, stored.message_ts) == (message["channel"], message["ts"])


# -- claiming ------------------------------------------------------------------------------------------------------


def test_two_senders_with_their_own_connections_claim_disjoint_rows(database_url: str, fake_slack: FakeSlack) -> None:
    setup = make_engine(database_url)
    kicked_off(setup, fake_slack)
    setup.dispose()
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def claim_all(name: str) -> None:
        engine = make_engine(database_url)
        start.wait()
        while batch := claim_due(engine, worker=name, now=KICKOFF, limit=3):
            claimed[name] += [claim.id for claim in batch]
        engine.dispose()

    threads = [threading.Thread(target=claim_all, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(claimed["a"]) & set(claimed["b"])
    assert sorted(claimed["a"] + claimed["b"]) == sorted(row.id for row in kickoffs(make_engine(database_url)))


def test_two_sender_processes_send_every_prompt_exactly_once(database_url: str, fake_slack: FakeSlack) -> None:
    mentors = [f"UM{number:02d}" for number in range(1, 61)]
    setup = make_engine(database_url)
    kicked_off(setup, fake_slack, mentors)
    fake_slack.latency = 0.03
    engines = [make_engine(database_url), make_engine(database_url)]
    runs = [
        sender(engine, fake_slack, worker=name, concurrency=3, batch=4)
        for engine, name in zip(engines, ("sender-a", "sender-b"), strict=True)
    ]
    start = threading.Barrier(2)

    def together(run: Sender) -> None:
        start.wait()
        run.run()

    threads = [threading.Thread(target=together, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = kickoffs(setup)
    assert len(rows) == 60
    assert_each_prompt_once(setup, fake_slack, rows)
    assert {row.claimed_by for row in rows} == {"sender-a", "sender-b"}  # both took part
    assert len(fake_slack.calls_to("chat.postMessage")) == 60
    for engine in [*engines, setup]:
        engine.dispose()


# -- restarts --------------------------------------------------------------------------------------------------------


def test_a_restart_in_the_middle_of_a_fan_out_recovers_without_duplicates(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    kicked_off(engine, fake_slack)
    # A sender claimed 12 rows, posted 5 of them and died before storing anything.
    dead = claim_due(engine, worker="dead-sender", now=KICKOFF, limit=12)
    with Session(engine) as session:
        users = {m.id: m.user_id for m in session.exec(select(Member))}
    client = world.posting_client(fake_slack)
    for claim in dead[:5]:
        client.chat_postMessage(channel=users[claim.member_id], text="kickoff", metadata=prompt_metadata(claim.id))

    with freeze_time(KICKOFF + timedelta(minutes=1)):  # its lease has not run out: its rows wait
        report = jobs.send_due()
    assert report.sent == len(MENTORS) - 12
    assert {row.status for row in kickoffs(engine) if row.id in {c.id for c in dead}} == {DeliveryStatus.SENDING}

    with freeze_time(KICKOFF + timedelta(minutes=3)):  # also due now: the T0 check-ins that follow the kickoffs
        report = jobs.send_due()
    assert (report.claimed, report.sent, report.found) == (12 + len(MENTORS), 12 + len(MENTORS), 5)
    assert_each_prompt_once(engine, fake_slack, kickoffs(engine))
    # the kickoffs: 5 by the dead sender, 15 after it; then one T0 check-in each
    assert len(fake_slack.calls_to("chat.postMessage")) == 2 * len(MENTORS)
    assert len(fake_slack.calls_to("conversations.history")) == 12  # each taken-over row looked for in its DM


def test_stopping_gives_back_what_was_not_sent_and_the_next_run_sends_it_once(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    kicked_off(engine, fake_slack)
    fake_slack.latency = 0.05
    stop = threading.Event()
    run = sender(engine, fake_slack, concurrency=2, batch=4, stop=stop)

    def stop_once_posting_began() -> None:  # mid-run whatever the machine's speed: the first post is in flight
        deadline = time.monotonic() + 60
        while not fake_slack.calls_to("chat.postMessage") and time.monotonic() < deadline:
            time.sleep(0.002)
        stop.set()

    threading.Thread(target=stop_once_posting_began, daemon=True).start()
    report = run.run()
    assert 0 < report.sent < len(MENTORS) and report.released > 0
    waiting = [row for row in kickoffs(engine) if row.status == DeliveryStatus.PLANNED]
    assert len([row for row in waiting if row.last_error == "stopped"]) == report.released
    assert {row.claimed_by for row in waiting} == {None}  # given back before posting: no need to look in the DM
    sender(engine, fake_slack, worker="sender-b").run()
    assert_each_prompt_once(engine, fake_slack, kickoffs(engine))
    assert fake_slack.calls_to("conversations.history") == []  # given back unposted: nothing to look for


# -- transient errors ----------------------------------------------------------------------------------------------


def test_a_burst_of_429s_is_retried_after_retry_after_and_nothing_is_sent_twice(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    kicked_off(engine, fake_slack, MENTORS[:10])
    fake_slack.script("chat.postMessage", *[{"status": 429, "retry_after": 1}] * 6)
    started = time.monotonic()
    report = sender(engine, fake_slack, concurrency=4).run()
    elapsed = time.monotonic() - started
    assert report.sent == 10 and report.retries == 6
    assert fake_slack.ratelimited == 6 and len(fake_slack.calls_to("chat.postMessage")) == 16
    assert elapsed >= 1.0  # no post was retried before its Retry-After
    assert fake_slack.calls_to("conversations.history") == []  # a 429 means it was not posted: no need to look
    assert_each_prompt_once(engine, fake_slack, kickoffs(engine))


def test_a_retry_after_longer_than_the_runs_patience_leaves_the_prompt_for_the_next_run(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    kicked_off(engine, fake_slack, MENTORS[:1])
    fake_slack.script("chat.postMessage", {"status": 429, "retry_after": 90})
    report = sender(engine, fake_slack).run()
    assert (report.sent, report.released) == (0, 1)
    [row] = kickoffs(engine)
    assert (row.status, row.last_error, row.claimed_by) == (DeliveryStatus.PLANNED, "ratelimited", None)
    sender(engine, fake_slack, at=KICKOFF + timedelta(minutes=2)).run()
    assert_each_prompt_once(engine, fake_slack, kickoffs(engine))


def test_a_post_that_timed_out_but_reached_slack_is_found_in_the_dm_not_posted_again(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    kicked_off(engine, fake_slack, MENTORS[:2])
    fake_slack.script("chat.postMessage", {"delay": 1.5})  # Slack posts it, but answers after the client gave up
    report = sender(engine, fake_slack, timeout=0.5, settle=2.0).run()
    assert (report.sent, report.found) == (2, 1)
    assert_each_prompt_once(engine, fake_slack, kickoffs(engine))
    assert len(fake_slack.calls_to("conversations.history")) == 1


def test_a_server_error_is_retried_after_looking_in_the_dm(engine: Engine, fake_slack: FakeSlack) -> None:
    kicked_off(engine, fake_slack, MENTORS[:1])
    fake_slack.script("chat.postMessage", {"status": 503, "error": "service_unavailable"})
    report = sender(engine, fake_slack, settle=0.1).run()
    assert (report.sent, report.found) == (1, 0)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert len(fake_slack.calls_to("conversations.history")) == 1
    assert_each_prompt_once(engine, fake_slack, kickoffs(engine))


# -- permanent errors ------------------------------------------------------------------------------------------------


def _coach_messages(fake: FakeSlack) -> list[dict[str, Any]]:
    return [m for m in fake.messages if m["channel"] == FakeSlack.dm_id(world.COACH)]


def test_permanent_errors_fail_the_prompt_and_the_coaches_hear_once_per_cause_in_one_message(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = kicked_off(engine, fake_slack, MENTORS[:6])
    for gone in ("UM01", "UM02"):
        fake_slack.add_user(gone, name=gone, deleted=True)
    del fake_slack.users["UM03"]  # not in the workspace at all
    with freeze_time(KICKOFF):
        report = jobs.send_due()
    assert (report.sent, report.failed) == (3, 3)
    errors = {row.member_id: (row.status, row.last_error) for row in kickoffs(engine)}
    assert errors[seeded.members["UM01"]] == errors[seeded.members["UM02"]] == (DeliveryStatus.FAILED, "user_disabled")
    assert errors[seeded.members["UM03"]] == (DeliveryStatus.FAILED, "user_not_found")
    told = _coach_messages(fake_slack)
    assert len(told) == 1  # one message for the cohort, naming each cause
    blocks = str(told[0]["blocks"])
    assert "<@UM01>, <@UM02>" in blocks and "*2*" in blocks and "user_disabled" in blocks
    assert "<@UM03>" in blocks and "user_not_found" in blocks

    # The next prompts fail for the same mentors: nothing new to tell.
    with freeze_time(datetime(2027, 1, 12, 7, 0, tzinfo=UTC)):
        jobs.send_due()
    assert len(_coach_messages(fake_slack)) == 1
    # A mentor who joins late has already left Slack too: the coaches hear about that one only.
    fake_slack.add_user("UM07", name="UM07", deleted=True)
    with session_scope(engine) as session:
        session.add(Member(team_id=world.TEAM, cohort_id=seeded.cohort, user_id="UM07", role="mentor"))
    world.plan(engine, seeded.cohort, 1, datetime(2027, 1, 13, 6, 0, tzinfo=UTC))
    with freeze_time(datetime(2027, 1, 13, 7, 0, tzinfo=UTC)):
        jobs.send_due()
    told = _coach_messages(fake_slack)
    assert len(told) == 2
    assert "<@UM07>" in str(told[-1]["blocks"]) and "UM01" not in str(told[-1]["blocks"])
    assert "user_disabled" in str(told[-1]["blocks"])
    assert not fake_slack.invalid


def test_a_refused_token_pauses_the_workspace_and_what_is_still_useful_goes_out_once_it_works_again(
    settings: Settings, engine: Engine, fake_slack: FakeSlack
) -> None:
    kicked_off(engine, fake_slack)
    fake_slack.add_user("UADMIN", name="Admin", is_admin=True)
    with session_scope(engine) as session:
        session.add(SlackUser(team_id=world.TEAM, user_id="UADMIN", is_admin=True, checked_at=KICKOFF))
    from slack_sdk import WebClient

    token = {"value": "xoxb-revoked"}
    ctx = world.context(replace(settings, language="sv"), engine, fake_slack, concurrency=2)
    ctx.posting_client = lambda _team: WebClient(token=token["value"], base_url=fake_slack.url, retry_handlers=[])
    with world.registered(ctx):
        with freeze_time(KICKOFF):
            report = jobs.send_due()
        assert (report.failed, report.sent, report.paused) == (0, 0, {world.TEAM})
        assert {row.status for row in kickoffs(engine)} == {DeliveryStatus.PLANNED}  # nothing failed for good
        assert len(fake_slack.calls_to("conversations.open")) <= 2  # the threads' first calls, not one per mentor
        with freeze_time(KICKOFF + timedelta(minutes=5)):
            jobs.send_due()  # still refused: nothing is tried beyond one auth.test
        assert len(fake_slack.calls_to("conversations.open")) <= 2
        token["value"] = "xoxb-test"  # someone reinstalled Mentori
        with freeze_time(KICKOFF + timedelta(hours=1)):  # 15:00 in Helsinki: still working hours
            jobs.send_due()
    assert_each_prompt_once(engine, fake_slack, kickoffs(engine))
    told = [m for m in fake_slack.messages if m["channel"] in (FakeSlack.dm_id(world.COACH), FakeSlack.dm_id("UADMIN"))]
    assert sorted(m["channel"] for m in told) == sorted([FakeSlack.dm_id(world.COACH), FakeSlack.dm_id("UADMIN")])
    assert all("invalid_auth" in str(m["blocks"]) for m in told)  # once each, saying why
    language = {m["channel"]: m["text"] for m in told}
    assert language[FakeSlack.dm_id(world.COACH)] == "Mentori can send messages again."  # the cohort's language
    assert language[FakeSlack.dm_id("UADMIN")] == "Mentori kan skicka meddelanden igen."  # MENTORI_LANG


# -- catching up after downtime --------------------------------------------------------------------------------------


def test_after_downtime_a_prompt_within_grace_goes_out_and_an_older_one_is_skipped_as_late(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = kicked_off(engine, fake_slack, MENTORS[:1])
    member = seeded.members["UM01"]
    # Nothing ran from the kickoff until Monday 25 January 10:00 (Helsinki): the prompt of Monday 18th is a week late.
    with freeze_time(datetime(2027, 1, 25, 8, 0, tzinfo=UTC)):
        report = jobs.send_due()
    assert world.delivery(engine, member, "s1-peer-learning").status == DeliveryStatus.SENT  # due Monday 25, 09:00
    for step_id in ("s1-kickoff", "s1-self-efficacy-t0", "s1-assignment-1"):
        row = world.delivery(engine, member, step_id)
        assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED, "late")
        assert row.id not in world.prompt_ids(fake_slack)
    assert report.triage.late == 3 and report.sent == 1


def test_a_longer_grace_sends_what_a_day_of_downtime_held_back(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = kicked_off(engine, fake_slack, MENTORS[:1], grace_hours=48)
    with freeze_time(datetime(2027, 1, 19, 8, 0, tzinfo=UTC)):
        jobs.send_due()
    member = seeded.members["UM01"]
    assert world.delivery(engine, member, "s1-assignment-1").status == DeliveryStatus.SENT  # Monday 18: 25 h late
    assert world.delivery(engine, member, "s1-self-efficacy-t0").last_error == "late"  # Monday 11 January: too old


def test_a_prompt_caught_up_after_hours_waits_for_the_next_morning_if_the_grace_allows(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = kicked_off(engine, fake_slack, MENTORS[:1])
    strict = world.seed(engine, name="Strict", dates=DATES, mentors=["UM09"], coach=None, grace_hours=12)
    fake_slack.add_user("UM09")
    world.plan(engine, strict.cohort, 1, KICKOFF)
    with freeze_time(datetime(2027, 2, 1, 7, 0, tzinfo=UTC)):
        jobs.send_due()  # Monday's prompt goes out; then the sender is down until Thursday 17:00 in Helsinki
    with freeze_time(datetime(2027, 2, 4, 15, 0, tzinfo=UTC)):
        report = jobs.send_due()
    assert report.sent == 0 and (report.triage.deferred, report.triage.late) == (1, 1)
    waiting = world.delivery(engine, seeded.members["UM01"], "s1-pulse-se5")  # due Thursday 09:00: 8 h ago
    assert waiting.status == DeliveryStatus.PLANNED and waiting.not_before == datetime(2027, 2, 5, 7, 0, tzinfo=UTC)
    late = world.delivery(engine, strict.members["UM09"], "s1-pulse-se5")  # Friday 09:00 would be 24 h > 12 h late
    assert (late.status, late.last_error) == (DeliveryStatus.SKIPPED, "late")
    with freeze_time(datetime(2027, 2, 5, 7, 0, tzinfo=UTC)):
        jobs.send_due()
    assert world.delivery(engine, seeded.members["UM01"], "s1-pulse-se5").status == DeliveryStatus.SENT


def test_a_kickoff_on_friday_evening_reaches_mentors_on_monday_morning_not_skipped_as_late(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    world.add_people(fake_slack, ["UM01"])
    seeded = world.seed(engine, dates=(date(2027, 1, 15), date(2027, 2, 12), date(2027, 3, 12)), mentors=["UM01"])
    friday_evening = datetime(2027, 1, 15, 17, 0, tzinfo=UTC)  # 19:00 in Helsinki
    world.plan(engine, seeded.cohort, 1, friday_evening)
    with freeze_time(friday_evening):
        jobs.send_due()
    row = world.delivery(engine, seeded.members["UM01"], "s1-kickoff")
    assert row.status == DeliveryStatus.PLANNED and row.not_before == datetime(2027, 1, 18, 7, 0, tzinfo=UTC)
    with freeze_time(datetime(2027, 1, 18, 7, 0, tzinfo=UTC)):
        jobs.send_due()
    assert world.delivery(engine, seeded.members["UM01"], "s1-kickoff").status == DeliveryStatus.SENT


def test_prompts_of_a_removed_mentor_or_an_archived_cohort_are_cancelled_not_sent(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = kicked_off(engine, fake_slack, MENTORS[:3])
    other = world.seed(engine, name="Autumn", dates=DATES, mentors=["UM09"], coach=None)
    fake_slack.add_user("UM09")
    world.plan(engine, other.cohort, 1, KICKOFF)
    with session_scope(engine) as session:  # changed behind the planner's back: the sender must notice
        gone = session.get(Member, seeded.members["UM01"])
        archived = session.get(Cohort, other.cohort)
        assert gone is not None and archived is not None
        gone.status = MemberStatus.REMOVED
        archived.status = CohortStatus.ARCHIVED
    with freeze_time(KICKOFF):
        report = jobs.send_due()
    assert report.sent == 2 and report.triage.cancelled == 2
    cancelled = [row for row in kickoffs(engine) if row.status == DeliveryStatus.CANCELLED]
    assert {row.member_id for row in cancelled} == {seeded.members["UM01"], other.members["UM09"]}
    assert not {row.id for row in cancelled} & set(world.prompt_ids(fake_slack))


# -- erasure while sending ---------------------------------------------------------------------------------------------


def test_a_prompt_posted_while_its_mentor_is_erased_is_deleted_again_at_once(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    from slack_sdk import WebClient

    from bot.data_rights import erase_person

    kicked_off(engine, fake_slack, MENTORS[:3])
    erased: list[str] = []

    class ErasedMeanwhile(WebClient):
        """Erases UM02 ("Delete my data") between the claim of their prompt and its post."""

        def chat_postMessage(self, **kwargs: Any) -> Any:
            if kwargs.get("channel") == FakeSlack.dm_id("UM02") and not erased:
                with session_scope(engine) as session:
                    erase_person(session, team_id=world.TEAM, user_id="UM02", now=KICKOFF)
                erased.append("UM02")
            return super().chat_postMessage(**kwargs)

    client = ErasedMeanwhile(token="xoxb-test", base_url=fake_slack.url, retry_handlers=[])
    report = Sender(engine=engine, client_for=lambda _team: client, now=lambda: KICKOFF, worker="sender-a").run()
    assert erased and report.erased == 1
    assert not [m for m in fake_slack.messages if m["channel"] == FakeSlack.dm_id("UM02")]  # posted, then deleted
    assert {m["channel"] for m in world.prompts_in(fake_slack)} == {FakeSlack.dm_id("UM01"), FakeSlack.dm_id("UM03")}
    assert len(fake_slack.calls_to("chat.delete")) == 1


# -- telling coaches ---------------------------------------------------------------------------------------------------


def test_coaches_hear_once_in_one_message_how_many_prompts_came_too_late(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    seeded = kicked_off(engine, fake_slack, MENTORS[:3])
    back = datetime(2027, 1, 19, 8, 0, tzinfo=UTC)  # a week of downtime after the kickoff
    with freeze_time(back):
        report = jobs.send_due()
    late = [row for row in world.deliveries(engine) if row.last_error == "late"]
    assert report.triage.late == len(late) >= 6 and {row.member_id for row in late} == set(seeded.members.values())
    [told] = _coach_messages(fake_slack)
    assert f"*{len(late)}* prompts to *3* mentors were skipped as too late" in str(told["blocks"])
    with freeze_time(back + timedelta(minutes=15)):
        jobs.send_due()
    assert len(_coach_messages(fake_slack)) == 1  # told once


def test_a_summary_that_could_not_be_posted_reaches_the_coaches_once_with_the_reason(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    from storage.models import Organisation

    seeded = kicked_off(engine, fake_slack, MENTORS[:3])
    fake_slack.add_channel("GHRVERO", name="hr-vero", is_member=False)  # Mentori was removed from the HR channel
    with session_scope(engine) as session:
        organisation = session.get(Organisation, seeded.organisation)
        assert organisation is not None
        organisation.hr_channel_id = "GHRVERO"
        session.add(organisation)
    due = datetime(2027, 2, 5, 8, 0, tzinfo=UTC)  # the "before session 2" summary is due: drafts to the coach
    with freeze_time(due):
        jobs.post_summaries()
    unreviewed = due + timedelta(days=4)  # no coach reviewed it in two working days: it is posted
    for minutes in (0, 15, 30):  # the job runs every 15 minutes
        with freeze_time(unreviewed + timedelta(minutes=minutes)):
            jobs.post_summaries()
            jobs.send_due()
    summary_news = [m for m in _coach_messages(fake_slack) if "HR summary" in str(m["blocks"])]
    assert len(summary_news) == 1  # once, though the job tried three times
    told = str(summary_news[0]["blocks"])
    assert "*Vero*" in told and "not a member of the channel" in told
    assert not [m for m in fake_slack.messages if m["channel"] == "GHRVERO"]


def test_erasing_a_person_deletes_every_message_the_outbox_sent_them_and_stops_what_was_on_its_way(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    from bot.data_rights import erase_person
    from bot.outbox import plan_deletions
    from storage.models import MessageKind, OutboxMessage
    from storage.outbox_messages import Envelope, enqueue, post

    seeded = kicked_off(engine, fake_slack, MENTORS[:2])
    later = KICKOFF + timedelta(days=30)
    with session_scope(engine) as session:
        for user, member in seeded.members.items():
            enqueue(
                session,
                Envelope(
                    kind=MessageKind.WELCOME,
                    key=f"welcome:{user}",
                    team_id=world.TEAM,
                    due_at=KICKOFF,
                    latest_at=later,
                    payload=post({"text": f"welcome {user}"}),
                    user_id=user,
                    member_id=member,
                ),
                now=KICKOFF,
            )
            enqueue(
                session,
                Envelope(
                    kind=MessageKind.NOTICE,
                    key=f"reply:{user}",
                    team_id=world.TEAM,
                    due_at=KICKOFF,
                    latest_at=later,
                    payload=post({"text": f"reply to {user}"}),
                    user_id=user,
                ),
                now=KICKOFF,
            )
        enqueue(
            session,
            Envelope(
                kind=MessageKind.REMINDER,
                key="reminder:later",
                team_id=world.TEAM,
                due_at=later,
                latest_at=later,
                payload=post({"text": "reminder UM01"}),
                user_id="UM01",
                member_id=seeded.members["UM01"],
            ),
            now=KICKOFF,
        )
    sender(engine, fake_slack).run()
    assert {m["channel"] for m in fake_slack.messages} == {FakeSlack.dm_id("UM01"), FakeSlack.dm_id("UM02")}
    with session_scope(engine) as session:
        erased = erase_person(session, team_id=world.TEAM, user_id="UM01", now=KICKOFF)
        plan_deletions(session, world.TEAM, erased.messages, now=KICKOFF)
    sender(engine, fake_slack).run()
    assert {m["channel"] for m in fake_slack.messages} == {FakeSlack.dm_id("UM02")}  # kickoff, welcome, reply
    assert len(fake_slack.messages) == 3
    with Session(engine) as session:
        waiting = session.exec(select(OutboxMessage).where(OutboxMessage.key == "reminder:later")).one()
    assert waiting.status == DeliveryStatus.CANCELLED  # the reminder on its way will not go out


def test_a_prompt_the_weekly_cap_moved_to_the_next_week_goes_out_there_not_skipped_as_late(
    engine: Engine, fake_slack: FakeSlack, sending: jobs.JobContext
) -> None:
    from sqlalchemy import update as sql_update

    seeded = kicked_off(engine, fake_slack, MENTORS[:1])
    row = min(world.deliveries(engine, Delivery.step_id != "s1-kickoff"), key=lambda d: (d.due_at, d.id))
    next_monday = datetime(2027, 1, 25, 7, 0, tzinfo=UTC)  # 09:00 in Helsinki, a week after its nominal day
    with session_scope(engine) as session:  # as planning does when two prompts already fill the nominal week
        session.execute(
            sql_update(Delivery).where(Delivery.id == row.id).values(not_before=next_monday, planned_at=next_monday)
        )
    with freeze_time(next_monday + timedelta(minutes=5)):
        jobs.send_due()
    assert world.delivery(engine, seeded.members["UM01"], row.step_id).status == DeliveryStatus.SENT
