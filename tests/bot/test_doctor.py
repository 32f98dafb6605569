"""`python -m bot doctor` finds what an operator must fix, and says how."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import make_client
from bot.doctor import Finding, check_database, check_hr_channels, check_slack, check_workers, run_checks
from bot.scopes import BOT_SCOPES
from storage import worker_beats
from storage.db import make_engine
from storage.models import Cohort, Organisation
from tests.support.fake_slack import FakeSlack
from tests.support.queued import enqueue


def _client(fake: FakeSlack, token: str = "xoxb-test") -> WebClient:
    return make_client(token, fake.url)


def test_a_token_with_every_scope_passes(fake_slack: FakeSlack) -> None:
    fake_slack.scopes = sorted(BOT_SCOPES)
    findings = check_slack(_client(fake_slack))
    assert all(finding.ok for finding in findings), findings


def test_missing_and_extra_scopes_are_named_with_the_fix(fake_slack: FakeSlack) -> None:
    fake_slack.scopes = sorted((BOT_SCOPES - {"users:read.email"}) | {"channels:history"})
    problems = [finding for finding in check_slack(_client(fake_slack)) if not finding.ok]
    assert any("lacks scopes: users:read.email" in p.what and "reinstall" in p.fix for p in problems)
    assert any("does not need: channels:history" in p.what for p in problems)


def test_a_revoked_token_is_reported(fake_slack: FakeSlack) -> None:
    findings = check_slack(_client(fake_slack, token="xoxb-revoked"))
    assert not findings[0].ok
    assert "invalid_auth" in findings[0].what
    assert "SLACK_BOT_TOKEN" in findings[0].fix


def test_an_unmigrated_database_is_reported(tmp_path: Path) -> None:
    findings = check_database(make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    assert not findings[0].ok
    assert "python -m bot db upgrade" in findings[0].fix


def test_hr_channels_are_checked_for_privacy_and_membership(engine: Engine, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C0PUBLIC", name="hr-public", is_private=False)
    fake_slack.add_channel("G0NOTIN", name="hr-secret", is_private=True, is_member=False)
    fake_slack.add_channel("G0GOOD", name="hr-good", is_private=True, is_member=True)
    with Session(engine) as session:
        cohort = Cohort(team_id="T111", name="Spring 2027")
        session.add(cohort)
        session.flush()
        for name, channel in [("Public", "C0PUBLIC"), ("NotIn", "G0NOTIN"), ("Good", "G0GOOD"), ("None", None)]:
            session.add(Organisation(team_id="T111", cohort_id=cohort.id, name=name, hr_channel_id=channel))
        session.commit()
    findings = {finding.what.split(":")[0]: finding for finding in check_hr_channels(engine, _client(fake_slack))}
    assert not findings["Spring 2027 / Public"].ok and "private" in findings["Spring 2027 / Public"].fix
    assert not findings["Spring 2027 / NotIn"].ok and "/invite @Mentori" in findings["Spring 2027 / NotIn"].fix
    assert not findings["Spring 2027 / None"].ok
    assert findings["Spring 2027 / Good"].ok


def test_the_whole_run_reports_the_scheduler_when_no_jobs_exist(engine: Engine, fake_slack: FakeSlack) -> None:
    fake_slack.scopes = sorted(BOT_SCOPES)
    findings = run_checks(engine, _client(fake_slack))
    assert any("python -m bot worker" in finding.fix for finding in findings if not finding.ok)


def test_workers_are_reported_missing_then_leading(engine: Engine) -> None:
    now = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
    (finding,) = check_workers(engine, now)
    assert not finding.ok and finding.what.startswith("No worker has been heard from in the last minute")
    worker_beats.beat(engine, "host-a:1", leader=False, now=now)
    (finding,) = check_workers(engine, now)
    assert not finding.ok and finding.what.startswith("1 worker(s) running, none leading")
    worker_beats.beat(engine, "host-b:2", leader=True, now=now)
    assert check_workers(engine, now) == [Finding(True, "2 worker(s) running; host-b:2 leads the scheduler.")]


def test_commands_waiting_for_a_worker_are_reported(engine: Engine) -> None:
    now = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
    worker_beats.beat(engine, "host-a:1", leader=True, now=now)
    enqueue(engine, "command", "T111", {"text": "status"}, now=now - timedelta(seconds=5))
    assert all(finding.ok for finding in check_workers(engine, now))
    enqueue(engine, "command", "T111", {"text": "status"}, now=now - timedelta(minutes=1))
    late = check_workers(engine, now)[-1]
    assert not late.ok
    assert late.what == "2 command(s) or event(s) wait for a worker, the oldest since 2027-01-11 11:59:00 UTC."
