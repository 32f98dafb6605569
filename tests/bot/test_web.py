"""The HTTP layer: health, metrics, and Slack's requests handed to Bolt."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.app import create_app, make_client
from bot.deps import Deps
from bot.metrics import REGISTRY, database_registry
from bot.runner import before_exit, build_wsgi
from bot.settings import Settings
from bot.web import MentoriWsgi, database_health
from storage import worker_beats
from storage.db import make_engine
from tests.support import slack_requests as requests
from tests.support.fake_slack import FakeSlack
from tests.support.queued import enqueue
from tests.support.wsgi import call_wsgi

METRICS_PORT = 9464


def _call(
    wsgi: MentoriWsgi,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    port: int = 3000,
):
    response = call_wsgi(wsgi, method, path, body, headers, port=port)
    return response.status, response.body


def _wsgi(deps: Deps, engine: Engine) -> MentoriWsgi:
    return MentoriWsgi(create_app(deps), database_health(engine), database_registry(engine), metrics_port=METRICS_PORT)


def test_healthz_is_200_when_the_database_answers(deps: Deps, engine: Engine) -> None:
    status, body = _call(_wsgi(deps, engine), "GET", "/healthz")
    assert status == 200
    assert json.loads(body)["database"] is True


def test_healthz_is_503_when_the_database_does_not_answer(deps: Deps, fake_slack: FakeSlack) -> None:
    dead = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    wsgi = MentoriWsgi(create_app(deps), database_health(dead))
    status, body = _call(wsgi, "GET", "/healthz")
    assert status == 503
    assert json.loads(body) == {"status": "unavailable", "database": False}


def test_metrics_count_requests_and_deliveries(deps: Deps, engine: Engine, signing_secret: str) -> None:
    wsgi = _wsgi(deps, engine)
    command = requests.slash_command("help")
    assert _call(wsgi, "POST", "/slack/events", command, requests.sign(signing_secret, command))[0] == 200
    status, body = _call(wsgi, "GET", "/metrics", port=METRICS_PORT)
    assert status == 200
    assert 'mentori_request_seconds_count{path="/slack/events"}' in body
    assert 'mentori_deliveries{status="planned"} 0.0' in body
    assert 'mentori_slack_api_calls_total{method="auth.test"}' in body


def test_slack_api_errors_are_counted_by_method(fake_slack: FakeSlack) -> None:
    client = make_client("xoxb-test", fake_slack.url)
    labels = {"method": "users.info", "error": "user_not_found"}
    before = REGISTRY.get_sample_value("mentori_slack_api_errors_total", labels) or 0
    with pytest.raises(SlackApiError):
        client.users_info(user="U404")
    assert REGISTRY.get_sample_value("mentori_slack_api_errors_total", labels) == before + 1


def test_a_web_process_reports_whether_a_worker_leads_the_scheduler_without_failing_on_it(
    settings: Settings, engine: Engine
) -> None:
    wsgi = build_wsgi(settings, queue=True)
    try:
        status, body = _call(wsgi, "GET", "/healthz")
        assert status == 200  # the load balancer keeps this replica: acks still work while the worker restarts
        assert json.loads(body) == {"status": "degraded", "database": True, "scheduler": False}

        worker_beats.beat(engine, "worker-host:4242", leader=True, now=datetime.now(UTC))
        status, body = _call(wsgi, "GET", "/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok", "database": True, "scheduler": True})
    finally:
        before_exit()


def test_metrics_show_the_commands_waiting_for_a_worker(deps: Deps, engine: Engine) -> None:
    enqueue(engine, "command", "T111", {"text": "status"}, now=datetime.now(UTC) - timedelta(seconds=30))
    body = _call(_wsgi(deps, engine), "GET", "/metrics", port=METRICS_PORT)[1]
    assert "mentori_queued_work 1.0" in body
    (line,) = [line for line in body.splitlines() if line.startswith("mentori_queued_work_oldest_wait_seconds ")]
    waited = float(line.split()[1])
    assert 30 <= waited < 90


def test_metrics_are_not_served_on_the_public_port_and_slack_not_on_the_metrics_port(
    deps: Deps, engine: Engine, signing_secret: str
) -> None:
    wsgi = _wsgi(deps, engine)
    assert _call(wsgi, "GET", "/metrics")[0] == 404
    command = requests.slash_command("help")
    headers = requests.sign(signing_secret, command)
    assert _call(wsgi, "POST", "/slack/events", command, headers, port=METRICS_PORT)[0] == 404
    assert _call(wsgi, "GET", "/healthz", port=METRICS_PORT)[0] == 200


def test_the_metrics_port_is_loopback_unless_told_and_may_be_turned_off() -> None:
    from bot.runner import metrics_address
    from bot.settings import SettingsError, load_settings

    assert metrics_address(load_settings({}, dotenv=False)) == ("127.0.0.1", 9464)
    assert metrics_address(load_settings({"METRICS_PORT": "0"}, dotenv=False)) is None
    told = load_settings({"METRICS_HOST": "0.0.0.0", "METRICS_PORT": "9100"}, dotenv=False)
    assert metrics_address(told) == ("0.0.0.0", 9100)
    assert metrics_address(load_settings({"METRICS_HOST": "[::1]"}, dotenv=False)) == ("::1", 9464)
    with pytest.raises(SettingsError, match="METRICS_PORT must differ from PORT"):
        load_settings({"METRICS_PORT": "3000"}, dotenv=False)
