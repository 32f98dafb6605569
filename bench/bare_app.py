"""The baseline for bench/ack_latency.py: a Bolt app that only acks, on the same server as Mentori.

It is served by Bolt's own WSGI adapter, as a bare Bolt app would be; /healthz answers so the benchmark can wait
for it to come up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import make_client
from bot.server import serve

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build() -> WsgiApp:
    token = os.environ["SLACK_BOT_TOKEN"]
    app = App(
        token=token,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=make_client(token, os.environ["SLACK_API_URL"]),
    )
    app.command("/mentori")(lambda ack: ack())
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Length", "2")])
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi


if __name__ == "__main__":
    serve(build, port=int(sys.argv[1]), workers=int(sys.argv[2]), threads=int(sys.argv[3]))
