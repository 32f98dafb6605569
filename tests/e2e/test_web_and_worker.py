"""The scaled-out roles as processes: `python -m bot web` acknowledges and queues, `python -m bot worker` answers."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from storage import work_queue
from tests.support import slack_requests as requests
from tests.support import waiting
from tests.support.coach_world import COACH, add_people, build
from tests.support.fake_slack import FakeSlack
from tests.support.process import bot_process, fake_slack_process, free_port, http

pytestmark = pytest.mark.e2e
SECRET = "e2e-signing-secret"


def wait_until(what: str, condition: Callable[[], bool]) -> None:
    waiting.wait_for(what, condition)


def test_web_acknowledges_a_command_and_the_worker_answers_it(
    database_url: str, engine: Engine, fake_slack: FakeSlack
) -> None:
    add_people(fake_slack)
    build(engine)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_WORKERS": "2",
        "MENTORI_LANG": "en",
    }
    with bot_process("web", env=env, ready_url=f"{base}/healthz"):
        assert json.loads(http("GET", f"{base}/healthz")[1]) == {
            "status": "degraded",
            "database": True,
            "scheduler": False,
        }
        command = requests.slash_command(
            'status "Spring 2027"', user_id=COACH, response_url=fake_slack.response_url("status")
        )
        status, body = http("POST", f"{base}/slack/events", command, requests.sign(SECRET, command))
        assert (status, body) == (200, "")
        time.sleep(0.5)
        assert fake_slack.calls_to("response_url") == []  # nobody carries it out until a worker runs

        with bot_process("worker", env=env):
            wait_until("the worker's answer", lambda: len(fake_slack.calls_to("response_url")) == 1)
            (answer,) = fake_slack.calls_to("response_url")
            assert answer.args["text"] == "How Spring 2027 is doing"
            assert answer.args["response_type"] == "ephemeral"
            wait_until(
                "a leading worker on /healthz",
                lambda: json.loads(http("GET", f"{base}/healthz")[1])["scheduler"] is True,
            )
    assert fake_slack.invalid == []


def test_a_web_process_stopped_while_busy_queues_every_event_it_acknowledged(database_url: str, engine: Engine) -> None:
    with fake_slack_process("--latency", "0.4") as slack:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{slack}/api/",
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "WEB_WORKERS": "1",
            "WEB_THREADS": "64",
        }
        with bot_process("web", env=env, ready_url=f"{base}/healthz") as web:
            acknowledged: list[int] = []

            def post(body: bytes) -> None:
                if http("POST", f"{base}/slack/events", body, requests.sign(SECRET, body))[0] == 200:
                    acknowledged.append(1)

            # Forms run in the web process and each waits on Slack: they keep its listener threads busy.
            busy = [
                threading.Thread(
                    target=post,
                    args=(requests.slash_command("member add", user_id=f"U{n:04d}", response_url=f"{slack}/r"),),
                )
                for n in range(48)
            ]
            dms = [
                threading.Thread(target=post, args=(requests.message_im(f"answer {n}", user_id=f"U{n:04d}"),))
                for n in range(20)
            ]
            for thread in busy:
                thread.start()
            time.sleep(0.2)
            for thread in dms:
                thread.start()
            for thread in dms:
                thread.join()
            assert len(acknowledged) >= 20
            web.send_signal(signal.SIGTERM)
            for thread in busy:
                thread.join()
            assert web.wait(timeout=60) == 0
    waiting = work_queue.take(engine, 100)
    assert sorted(item.payload["event"]["text"] for item in waiting) == sorted(f"answer {n}" for n in range(20))
