"""`python -m bot run`: migrate, then serve Slack in Socket Mode or over HTTP."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from bot.app import create_app
from bot.deps import Deps
from bot.metrics import database_registry
from bot.settings import Settings, SettingsError
from bot.web import MentoriWsgi, WsgiApp, database_health, serve
from storage.db import current_revision, head_revision, make_engine, upgrade

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


def run_web(settings: Settings) -> int:
    """HTTP only, several processes: the role to scale out behind a load balancer."""
    settings.require_slack()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    log.info(
        "Mentori web on port %s: %s workers × %s threads", settings.port, settings.web_workers, settings.web_threads
    )
    serve(lambda: build_wsgi(settings), port=settings.port, workers=settings.web_workers, threads=settings.web_threads)
    return 0


def require_current_schema(engine: Engine) -> None:
    """Scaled-out roles never migrate (replicas would race); they refuse to start on an old schema."""
    current, head = current_revision(engine), head_revision(engine)
    engine.dispose()
    if current != head:
        raise SettingsError(
            f"DATABASE_URL is at revision {current}, this version needs {head}: run `python -m bot db upgrade` first."
        )


def build_wsgi(settings: Settings) -> WsgiApp:
    """The HTTP app of one server process, with its own engine and Slack client."""
    engine = make_engine(settings.database_url)
    app = create_app(Deps(settings=settings, engine=engine))
    return MentoriWsgi(app, database_health(engine), database_registry(engine))


def _run_socket_mode(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    engine = make_engine(settings.database_url)
    app = create_app(Deps(settings=settings, engine=engine))
    log.info("Mentori connecting to Slack in Socket Mode")
    SocketModeHandler(app, settings.slack_app_token).start()
    return 0
