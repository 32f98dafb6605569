"""HTTP mode: Slack's requests on /slack/events, health on /healthz, served by gunicorn."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.handover import Handover
from bot.metrics import Timer, render_metrics
from storage import worker_beats
from storage.db import database_answers

log = logging.getLogger(__name__)

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class MentoriWsgi:
    """Routes /healthz and /metrics itself, /dashboard to the dashboard, hands what a worker carries out to
    `handover` (in `web`), and everything else to Bolt's WSGI adapter."""

    def __init__(
        self, app: App, health: Callable[[], dict[str, bool]], metrics: CollectorRegistry | None = None,
        *, informational: frozenset[str] = frozenset(), handover: Handover | None = None,
        dashboard: WsgiApp | None = None,
    ) -> None:  # fmt: skip
        self.slack = SlackRequestHandler(app, path="/slack/events")
        self.handover = handover
        self.dashboard = dashboard  # the web dashboard, mounted under /dashboard when it is configured
        self.health = health
        self.informational = informational  # reported, but not a reason to take this process out of service
        self.metrics = metrics or CollectorRegistry()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.healthz(start_response)
        if path == "/metrics" and method == "GET":
            return self.render_metrics(start_response)
        if self.dashboard is not None and path is not None and (path == "/dashboard" or path.startswith("/dashboard/")):
            return self.dashboard(environ, start_response)
        timer = Timer("/slack/events" if path == "/slack/events" else "other")
        request_id = environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex[:16]
        try:
            if self.handover is not None and path == "/slack/events" and method == "POST":
                body = _read_body(environ)
                if self.handover.take(body, _slack_headers(environ)):
                    start_response("200 OK", [("Content-Length", "0")])
                    return [b""]
                environ["wsgi.input"] = io.BytesIO(body)
            return self.slack(environ, start_response)
        finally:
            timer.done()
            log.debug("%s %s answered", method, path, extra={"request_id": request_id})

    def render_metrics(self, start_response: StartResponse) -> Iterable[bytes]:
        body = render_metrics(self.metrics)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]

    def healthz(self, start_response: StartResponse) -> Iterable[bytes]:
        checks = self.health()
        healthy = all(ok for name, ok in checks.items() if name not in self.informational)
        state = ("ok" if all(checks.values()) else "degraded") if healthy else "unavailable"
        body = json.dumps({"status": state, **checks}).encode()
        status = "200 OK" if healthy else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def _read_body(environ: Environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _slack_headers(environ: Environ) -> dict[str, str]:
    return {
        "content-type": str(environ.get("CONTENT_TYPE", "")),
        "x-slack-request-timestamp": str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")),
        "x-slack-signature": str(environ.get("HTTP_X_SLACK_SIGNATURE", "")),
    }


def database_health(engine: Any) -> Callable[[], dict[str, bool]]:
    return lambda: {"database": database_answers(engine)}


def leader_health(engine: Any) -> Callable[[], dict[str, bool]]:
    """For `web`: the database, and whether a worker leading the scheduler was heard from within a minute."""

    def health() -> dict[str, bool]:
        checks = {"database": database_answers(engine)}
        try:
            checks["scheduler"] = worker_beats.workers(engine, now=datetime.now(UTC)).leader is not None
        except Exception:
            checks["scheduler"] = False
        return checks

    return health
