"""HTTP mode: Slack's requests on /slack/events and health on /healthz on the public port, served by Granian;
/metrics only on the metrics port (loopback by default)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest

from bot.handover import Handover
from bot.inbound import MAX_BODY, GuardedApp, refuse, signature_problem
from bot.metrics import Timer, render_metrics
from storage import worker_beats
from storage.db import database_answers

log = logging.getLogger(__name__)

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class MentoriWsgi:
    """Routes /healthz itself (and /metrics on the metrics port), /dashboard to the dashboard, checks Slack's
    requests before Bolt parses them, hands what a worker carries out to `handover` (in `web`), and the rest to
    Bolt's WSGI adapter (OAuth's install and redirect pages)."""

    def __init__(
        self,
        app: GuardedApp,
        health: Callable[[], dict[str, bool]],
        metrics: CollectorRegistry | None = None,
        *,
        informational: frozenset[str] = frozenset(),
        metrics_port: int | None = None,
        handover: Handover | None = None,
        dashboard: WsgiApp | None = None,
    ) -> None:
        self.app = app
        self.slack = SlackRequestHandler(app, path="/slack/events")
        self.handover = handover
        self.dashboard = dashboard  # the web dashboard, mounted under /dashboard when it is configured
        self.health = health
        self.informational = informational  # reported, but not a reason to take this process out of service
        self.metrics = metrics or CollectorRegistry()
        self.metrics_port = metrics_port

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.healthz(start_response)
        if self.metrics_port is not None and str(environ.get("SERVER_PORT")) == str(self.metrics_port):
            if path == "/metrics" and method == "GET":
                return self.render_metrics(start_response)
            return _plain(start_response, "404 Not Found", b"Not Found")
        if self.dashboard is not None and path is not None and (path == "/dashboard" or path.startswith("/dashboard/")):
            return self.dashboard(environ, start_response)
        timer = Timer("/slack/events" if path == "/slack/events" else "other")
        try:
            if path == "/slack/events" and method == "POST":
                return self.slack_request(environ, start_response)
            return self.slack(environ, start_response)
        finally:
            timer.done()
            if log.isEnabledFor(logging.DEBUG):
                request_id = environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex[:16]
                log.debug("%s %s answered", method, path, extra={"request_id": request_id})

    def slack_request(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """A request from Slack: refused (4xx, one line in the log) unless it is of a size Slack sends, signed by
        Slack, and readable; then handed over to the workers (in `web`) or Bolt's."""
        length = environ.get("CONTENT_LENGTH") or ""
        if not (length.isascii() and length.isdigit()):
            return _answer(start_response, refuse(411, "no readable Content-Length", 0))
        size = int(length)
        if size > MAX_BODY:
            return _answer(start_response, refuse(413, f"a body over {MAX_BODY} bytes", size))
        raw = environ["wsgi.input"].read(size) if size else b""
        headers = WsgiHttpRequest(environ).get_headers()
        problem = signature_problem(self.app.secret, raw, headers)
        if problem is not None:
            return _answer(start_response, refuse(401, problem, len(raw)))
        if self.handover is not None and self.handover.take(raw, str(environ.get("CONTENT_TYPE", ""))):
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        try:
            request = BoltRequest(body=raw.decode("utf-8"), query=environ.get("QUERY_STRING", ""), headers=headers)
        except (ValueError, TypeError, KeyError) as error:  # JSON or form Slack never sends, bytes not UTF-8
            return _answer(
                start_response, refuse(400, f"a body that is not a Slack payload ({type(error).__name__})", len(raw))
            )
        response = self.app.dispatch(request)
        return _answer(start_response, response)

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


def _answer(start_response: StartResponse, response: Any) -> Iterable[bytes]:
    """A BoltResponse as WSGI."""
    body = response.body.encode() if isinstance(response.body, str) else bytes(response.body or b"")
    headers = [
        (name, value)
        for name, values in response.headers.items()
        for value in values
        if name.lower() != "content-length"
    ]
    start_response(
        f"{response.status} {_REASONS.get(response.status, '')}".strip(), [*headers, ("Content-Length", str(len(body)))]
    )
    return [body]


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 411: "Length Required",
            413: "Content Too Large", 500: "Internal Server Error"}  # fmt: skip


def _plain(start_response: StartResponse, status: str, body: bytes) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


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
