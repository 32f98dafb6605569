"""`python -m bot run`: migrate, then serve Slack in Socket Mode or over HTTP."""

from __future__ import annotations

import logging

from bot.app import create_app
from bot.deps import Deps
from bot.settings import Settings
from bot.web import MentoriWsgi, WsgiApp, database_health, serve
from storage.db import make_engine, upgrade

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    settings.require_slack()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    if settings.socket_mode:
        return _run_socket_mode(settings)
    log.info("Mentori listening on port %s (HTTP mode)", settings.port)
    serve(lambda: build_wsgi(settings), port=settings.port, workers=1, threads=settings.web_threads)
    return 0


def build_wsgi(settings: Settings) -> WsgiApp:
    """The HTTP app of one server process, with its own engine and Slack client."""
    engine = make_engine(settings.database_url)
    app = create_app(Deps(settings=settings, engine=engine))
    return MentoriWsgi(app, database_health(engine))


def _run_socket_mode(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    engine = make_engine(settings.database_url)
    app = create_app(Deps(settings=settings, engine=engine))
    log.info("Mentori connecting to Slack in Socket Mode")
    SocketModeHandler(app, settings.slack_app_token).start()
    return 0
