"""`python -m bot run` in HTTP mode, as a process, against the fake Slack."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import slack_requests as requests
from tests.support.fake_slack import FakeSlack
from tests.support.process import ROOT, bot_process, free_port, http

pytestmark = pytest.mark.e2e
SECRET = "e2e-signing-secret"


def _env(tmp_path: Path, fake_slack: FakeSlack, port: int, **more: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'mentori.sqlite3'}",
        "PORT": str(port),
        **more,
    }


@pytest.fixture
def running_bot(tmp_path: Path, fake_slack: FakeSlack):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with bot_process("run", env=_env(tmp_path, fake_slack, port, MENTORI_LANG="en"), ready_url=f"{base}/healthz"):
        yield base


def test_health_help_and_signature_checks(running_bot: str, fake_slack: FakeSlack) -> None:
    status, body = http("GET", f"{running_bot}/healthz")
    assert status == 200
    assert json.loads(body)["database"] is True

    command = requests.slash_command("help")
    status, body = http("POST", f"{running_bot}/slack/events", command, requests.sign(SECRET, command))
    assert status == 200
    assert json.loads(body)["response_type"] == "ephemeral"
    assert "/mentori kickoff" in body

    wrong = requests.sign("wrong-secret", command)
    assert http("POST", f"{running_bot}/slack/events", command, wrong)[0] == 401
    stale = requests.sign(SECRET, command, timestamp=int(time.time()) - 600)
    assert http("POST", f"{running_bot}/slack/events", command, stale)[0] == 401
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    assert http("POST", f"{running_bot}/slack/events", command, unsigned)[0] == 401

    assert fake_slack.invalid == []
    # the start-up check of the token, then Bolt's own; the refused requests reached nothing
    assert [call.method for call in fake_slack.calls] == ["auth.test", "auth.test"]


def test_metrics_are_served_on_their_own_port_only(tmp_path: Path, fake_slack: FakeSlack) -> None:
    port, metrics_port = free_port(), free_port()
    env = _env(tmp_path, fake_slack, port, METRICS_PORT=str(metrics_port))
    with bot_process("run", env=env, ready_url=f"http://127.0.0.1:{port}/healthz"):
        command = requests.slash_command("help")
        assert http("POST", f"http://127.0.0.1:{port}/slack/events", command, requests.sign(SECRET, command))[0] == 200
        status, body = http("GET", f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200
        assert 'mentori_request_seconds_count{path="/slack/events"} 1.0' in body
        assert http("GET", f"http://127.0.0.1:{port}/metrics")[0] == 404
        assert (
            http("POST", f"http://127.0.0.1:{metrics_port}/slack/events", command, requests.sign(SECRET, command))[0]
            == 404
        )


@pytest.mark.parametrize("role", ["run", "web", "worker"])
def test_a_missing_token_stops_every_role_with_one_line(tmp_path: Path, role: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", role],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mentori: SLACK_BOT_TOKEN is not set: put the Bot User OAuth Token (xoxb-…) from OAuth & Permissions "
        "in .env or the environment."
    ]
