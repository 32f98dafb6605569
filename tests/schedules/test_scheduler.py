"""The scheduler: its stored jobs, and one leader among the processes that run it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from freezegun import freeze_time
from sqlalchemy import Engine, text

from bot.settings import Settings
from schedules import jobs
from schedules.scheduler import JOB_DEFAULTS, STORED, SchedulerService
from tests.support import outbox_world as world
from tests.support import summary_cohort
from tests.support.fake_slack import FakeSlack


def _stored(engine: Engine) -> dict[str, float]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, next_run_time FROM apscheduler_jobs ORDER BY id")).all()
    return {row[0]: row[1] for row in rows}


def _service(settings: Settings, engine: Engine, fake: FakeSlack, name: str) -> SchedulerService:
    return SchedulerService(world.context(settings, engine, fake, worker=name), elect_every=3600)


def test_the_leader_stores_its_jobs_with_explicit_ids_once_whatever_the_restarts(
    settings: Settings, engine: Engine, fake_slack: FakeSlack
) -> None:
    service = _service(settings, engine, fake_slack, "first").start()
    try:
        assert service.leader and service.running
        stored = _stored(engine)
        assert sorted(stored) == [
            "end_pauses",
            "post_summaries",
            "purge_expired",
            "refresh_timezones",
            "remind",
            "send_due",
        ]
        jobs_by_id = {job.id: job for job in service.scheduler.get_jobs(jobstore=STORED)}
        assert str(jobs_by_id["send_due"].trigger) == "interval[0:00:15]"
        assert "minute='0'" in str(jobs_by_id["remind"].trigger)
        assert "hour='2'" in str(jobs_by_id["refresh_timezones"].trigger)
        assert all(job.coalesce and job.max_instances == 1 for job in jobs_by_id.values())
        assert jobs_by_id["send_due"].func_ref == "schedules.jobs:send_due"  # by reference: no objects stored
    finally:
        service.stop()
    again = _service(settings, engine, fake_slack, "again").start()
    try:
        assert sorted(_stored(engine)) == sorted(stored)
        assert _stored(engine)["remind"] == stored["remind"]  # the hourly run keeps its place across a restart
    finally:
        again.stop()
    assert JOB_DEFAULTS == {"misfire_grace_time": 60, "coalesce": True, "max_instances": 1}


def test_a_second_process_stands_by_and_takes_over_when_the_leader_stops(
    settings: Settings, engine: Engine, fake_slack: FakeSlack
) -> None:
    leader = _service(settings, engine, fake_slack, "leader").start()
    standby = _service(settings, engine, fake_slack, "standby").start()
    try:
        assert leader.leader and not standby.leader
        assert standby.scheduler.get_job("send_due.standby") is not None  # it helps sending meanwhile
        assert standby.scheduler.get_job("remind") is None
        leader.stop()
        standby.elect()
        assert standby.leader and standby.scheduler.get_job("send_due.standby") is None
        assert {job.id for job in standby.scheduler.get_jobs(jobstore=STORED)} == {
            "send_due",
            "remind",
            "end_pauses",
            "refresh_timezones",
            "post_summaries",
            "purge_expired",
        }
    finally:
        leader.stop()
        standby.stop()


def test_a_run_missed_while_no_leader_was_up_is_made_up_once_by_the_next_leader(
    settings: Settings, engine: Engine, fake_slack: FakeSlack
) -> None:
    first = _service(settings, engine, fake_slack, "first").start()
    first.stop()  # the stored jobs stay behind, as when a leader dies
    missed = datetime.now(UTC) - timedelta(minutes=5)  # within remind's grace time of 30 minutes
    store = SQLAlchemyJobStore(engine=engine)
    store.start(first.scheduler, STORED)
    job = store.lookup_job("remind")
    job.next_run_time = missed
    store.update_job(job)

    ran: list[str] = []
    again = _service(settings, engine, fake_slack, "again")
    again.scheduler.add_listener(lambda event: ran.append(event.job_id), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    again.start()
    try:
        deadline = time.monotonic() + 10
        while "remind" not in ran and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ran.count("remind") == 1
        assert again.scheduler.get_job("remind", jobstore=STORED).next_run_time > datetime.now(UTC)
    finally:
        again.stop()


def test_the_summary_job_posts_each_organisations_summary_once_when_its_step_has_come(
    settings: Settings, engine: Engine, fake_slack: FakeSlack
) -> None:
    cohort = summary_cohort.build(engine)
    summary_cohort.add_people(fake_slack)
    cohort.fill("before-session-2")
    due = cohort.moment("before-session-2")
    with world.registered(world.context(settings, engine, fake_slack)):
        with freeze_time(due - timedelta(minutes=15)):
            assert jobs.post_summaries() == 0
        with freeze_time(due):
            assert jobs.post_summaries() == 0  # the drafts go to the coach first
        drafts = [call for call in fake_slack.calls_to("chat.postMessage") if call.args["channel"] == "DCOACH"]
        assert len(drafts) == 3  # one per organisation, to the cohort's coach
        with freeze_time(due + timedelta(days=1)):
            assert jobs.post_summaries() == 0  # one working day: still the coach's to review
        with freeze_time(due + timedelta(days=4)):  # Fri 09.00 + two working days: Tue 09.00, posted unreviewed
            assert jobs.post_summaries() == 3
        with freeze_time(due + timedelta(days=4, minutes=15)):
            assert jobs.post_summaries() == 0
    posts = [call for call in fake_slack.calls_to("chat.postMessage") if call.args["channel"].startswith("G")]
    assert sorted(call.args["channel"] for call in posts) == ["GHRKELA", "GHRKIRJ", "GHRVERO"]
    assert all("Kukaan valmentaja ei tarkistanut" in str(call.args["blocks"]) for call in posts)


def test_a_job_without_a_registered_context_says_how_to_wire_it() -> None:
    jobs.unregister()
    with pytest.raises(RuntimeError, match=r"jobs\.register"):
        jobs.send_due()
