"""The baseline for bench/ack_latency.py: a Bolt app that only acks, on the same server as Mentori."""

from __future__ import annotations

import os
import sys

from slack_bolt import App

from bot.app import make_client
from bot.server import serve
from bot.web import MentoriWsgi


def build() -> MentoriWsgi:
    token = os.environ["SLACK_BOT_TOKEN"]
    app = App(token=token, signing_secret=os.environ["SLACK_SIGNING_SECRET"],
              client=make_client(token, os.environ["SLACK_API_URL"]))  # fmt: skip
    app.command("/mentori")(lambda ack: ack())
    return MentoriWsgi(app, lambda: {"database": True})


if __name__ == "__main__":
    serve(build, port=int(sys.argv[1]), workers=int(sys.argv[2]), threads=int(sys.argv[3]))
