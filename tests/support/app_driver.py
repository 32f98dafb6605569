"""Drives the real Bolt app with signed requests shaped like Slack's, against the fake Web API."""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest

from bot.handover import Handover
from bot.web import MentoriWsgi
from tests.support import slack_requests as slack
from tests.support.block_kit import validate_blocks
from tests.support.wsgi import call_wsgi


@dataclass
class Reply:
    """What Slack would receive in the HTTP response to a request."""

    status: int
    body: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    @property
    def text(self) -> str:
        """Every text of the reply (message text and blocks), for assertions on what the user reads."""
        return all_text(self.json)


def all_text(node: Any) -> str:
    if isinstance(node, dict):
        return "\n".join(all_text(value) for key, value in node.items() if key not in ("type", "action_id"))
    if isinstance(node, list):
        return "\n".join(all_text(item) for item in node)
    return node if isinstance(node, str) else ""


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, remembering what it runs so a test can wait for the work done after ack()."""

    def __init__(self) -> None:
        super().__init__(max_workers=5)
        self.futures: list[Future[Any]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future

    def drain(self, timeout: float = 30) -> None:
        """Wait until every listener started so far (and any they started) has finished."""
        while self.futures:
            self.futures.pop(0).result(timeout=timeout)


class SlackDriver:
    """Signs and dispatches requests to `app` exactly as Slack would post them to /slack/events.

    Each call returns after the listeners have finished their work, including what they do after ack(). With a
    `handover` (the `web` role), requests pass through the HTTP front as a web process serves them.
    """

    def __init__(
        self, app: App, signing_secret: str, team_id: str = "T111", *, handover: Handover | None = None
    ) -> None:
        self.app = app
        self.front = MentoriWsgi(app, lambda: {}, handover=handover) if handover is not None else None
        self.secret = signing_secret
        self.team_id = team_id
        self.executor = TrackingExecutor()
        runner = app._listener_runner  # test support only: Bolt has no public hook to wait for listeners
        runner.listener_executor = self.executor
        runner.lazy_listener_runner.executor = self.executor

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> Reply:
        signed = {**slack.sign(self.secret, body), **(headers or {})}
        if self.front is not None:
            served = call_wsgi(self.front, "POST", "/slack/events", body, signed)
            status, text = served.status, served.body
        else:
            response: BoltResponse = self.app.dispatch(BoltRequest(body=body.decode(), headers=signed))
            status, text = response.status, response.body
        self.executor.drain()
        reply = Reply(status, text)
        self._check_blocks(reply)
        return reply

    def _check_blocks(self, reply: Reply) -> None:
        """An ack carrying blocks is shown by Slack as a message: it must be valid Block Kit too."""
        if reply.body.startswith("{"):
            blocks = reply.json.get("blocks")
            if blocks:
                errors = validate_blocks(blocks, "message")
                assert not errors, f"invalid blocks in the ack: {errors}"

    def command(self, text: str, *, user_id: str = "U111", **kwargs: Any) -> Reply:
        kwargs.setdefault("team_id", self.team_id)
        return self.post(slack.slash_command(text, user_id=user_id, **kwargs))

    def action(self, action_id: str, value: str | None = None, *, user_id: str = "U111", **kwargs: Any) -> Reply:
        kwargs.setdefault("team_id", self.team_id)
        return self.post(slack.block_actions(action_id, value, user_id=user_id, **kwargs))

    def submit(self, callback_id: str, values: dict[str, Any], *, user_id: str = "U111", **kwargs: Any) -> Reply:
        kwargs.setdefault("team_id", self.team_id)
        return self.post(slack.view_submission(callback_id, values, user_id=user_id, **kwargs))

    def event(self, event: dict[str, Any], **kwargs: Any) -> Reply:
        kwargs.setdefault("team_id", self.team_id)
        return self.post(slack.event(event, **kwargs))
