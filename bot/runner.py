"""The run modes: `run` (everything in one process), `web` (HTTP only, scaled out).

Heavy imports happen inside the functions that need them, after gunicorn forks its workers, so that the
master process stays small.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.server import WsgiApp, serve
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    """Migrate, then Socket Mode (with SLACK_APP_TOKEN) or HTTP mode with one server process."""
    settings.require_slack()
    if settings.socket_mode:
        return _run_socket_mode(settings)
    log.info("Mentori listening on port %s (HTTP mode)", settings.port)
    serve(lambda: build_wsgi(settings, migrate=True), port=settings.port, workers=1, threads=settings.web_threads)
    return 0


def run_web(settings: Settings) -> int:
    """HTTP only, several processes: the role to scale out behind a load balancer."""
    from storage.db import make_engine

    settings.require_slack()
    require_current_schema(make_engine(settings.database_url))
    log.info("Mentori web on port %s: %s workers × %s threads", settings.port, settings.web_workers,
             settings.web_threads)  # fmt: skip
    serve(lambda: build_wsgi(settings), port=settings.port, workers=settings.web_workers, threads=settings.web_threads)
    return 0


def require_current_schema(engine: Engine) -> None:
    """Scaled-out roles never migrate (replicas would race); they refuse to start on an old schema."""
    from storage.db import current_revision, head_revision

    current, head = current_revision(engine), head_revision(engine)
    engine.dispose()
    if current != head:
        raise SettingsError(
            f"DATABASE_URL is at revision {current}, this version needs {head}: run `python -m bot db upgrade` first."
        )


def build_wsgi(settings: Settings, *, migrate: bool = False) -> WsgiApp:
    """The HTTP app of one server process, with its own engine and Slack client."""
    from bot.app import create_app
    from bot.deps import Deps
    from bot.metrics import database_registry
    from bot.web import MentoriWsgi, database_health
    from storage.db import make_engine, upgrade

    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    app = create_app(Deps(settings=settings, engine=engine))
    return MentoriWsgi(app, database_health(engine), database_registry(engine))


def _run_socket_mode(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app
    from bot.deps import Deps
    from storage.db import make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    app = create_app(Deps(settings=settings, engine=engine))
    log.info("Mentori connecting to Slack in Socket Mode")
    SocketModeHandler(app, settings.slack_app_token).start()
    return 0
