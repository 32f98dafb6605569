"""The run modes: `run` (everything in one process), `web` (HTTP only, scaled out), `worker` (the scheduler).

Heavy imports happen inside the functions that need them, after the HTTP server forks its server
processes, so that the main process stays small.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.server import WsgiApp, serve
from bot.settings import Settings, SettingsError
from bot.start_errors import StartupFailed

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)
_on_exit: list[Callable[[], None]] = []  # what a web process does before it exits (set by build_wsgi)


def run(settings: Settings) -> int:
    """Migrate, then Socket Mode (with SLACK_APP_TOKEN) or HTTP mode with one server process; the scheduler runs
    in the process that serves (in HTTP mode: started in the server process, after the fork)."""
    settings.require_slack()
    if settings.socket_mode:
        preflight(settings, app_token=settings.slack_app_token)
        return _run_socket_mode(settings)
    preflight_apart(settings, migrate=True)

    def build() -> WsgiApp:
        from storage.db import make_engine

        _start_scheduler(settings, make_engine(settings.database_url))
        return build_wsgi(settings, scheduler=True)

    def stop_scheduler() -> None:
        from schedules.scheduler import stop_scheduler

        stop_scheduler()

    serve(build, port=settings.port, workers=1, threads=settings.web_threads, metrics=metrics_address(settings),
          on_exit=stop_scheduler, announce=f"Mentori listening on port {settings.port} (HTTP mode)")  # fmt: skip
    return 0


def run_worker(settings: Settings) -> int:
    """The scheduler alone (stored jobs when it leads, sending due prompts always) until SIGTERM or SIGINT."""
    import signal
    import threading

    settings.require_web_api()  # a worker only calls the Web API: no signing secret needed
    from schedules.scheduler import stop_scheduler
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    require_current_schema(engine)
    preflight(settings)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    service = _start_scheduler(settings, engine)
    queued = _start_work_consumer(settings, engine)
    log.info("Mentori worker %s running (%s)", service.context.worker, "leader" if service.leader else "standby")
    while not stopping.wait(1.0):
        pass
    log.info("Mentori worker stopping: finishing what it is sending")
    queued.begin_stop()
    stop_scheduler()
    queued.stop()
    engine.dispose()
    return 0


def _start_work_consumer(settings: Settings, engine: Engine) -> Any:
    """The commands and events web processes queued: this worker takes its share of them."""
    from bot.app import queued_work_runner
    from bot.deps import Deps
    from schedules.work_consumer import WorkConsumer

    return WorkConsumer(engine, queued_work_runner(Deps(settings=settings, engine=engine))).start()


def _start_scheduler(settings: Settings, engine: Engine) -> Any:
    from schedules.scheduler import start_scheduler

    return start_scheduler(settings, engine)


def run_web(settings: Settings) -> int:
    """HTTP only, several processes: the role to scale out behind a load balancer."""
    settings.require_slack()
    from storage.db import make_engine

    require_current_schema(make_engine(settings.database_url))
    preflight_apart(settings)
    serve(
        lambda: build_wsgi(settings, queue=True),
        port=settings.port,
        workers=settings.web_workers,
        threads=settings.web_threads,
        metrics=metrics_address(settings),
        on_exit=before_exit,
        announce=f"Mentori web on port {settings.port}: {settings.web_workers} processes × {settings.web_threads} "
        "threads",
    )
    return 0


def preflight(settings: Settings, *, app_token: str | None = None) -> None:
    """Before a role starts: the database answers and Slack takes the tokens (errors are said in one line)."""
    from bot.startup import check_database, check_slack

    check_database(settings.database_url)
    check_slack(
        settings.slack_api_url, bot_token=None if settings.oauth else settings.slack_bot_token, app_token=app_token
    )


def preflight_apart(settings: Settings, *, migrate: bool = False) -> None:
    """`preflight` (and with `migrate`, the migrations) in a child process: the main process, which forks the
    server processes, stays free of the database and Slack libraries (together about 40 MiB in every process), and
    no process that serves holds the migration tool (11 MiB). What stops the role comes back as the child's one
    line."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        code = 0
        try:
            preflight(settings)
            if migrate:
                _migrate(settings.database_url)
        except BaseException as error:  # the child must never return into the caller's code
            code = 1
            os.write(write_end, _said(error).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise StartupFailed(said or "the start-up checks stopped without saying why; run with LOG_LEVEL=DEBUG")


def _migrate(url: str) -> None:
    from storage.db import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def _said(error: BaseException) -> str:
    """The one line for an operator's error (its traceback logged at DEBUG), or the traceback of a bug."""
    from bot.startup import one_line

    line = one_line(error)
    if line is None:
        return "".join(traceback.format_exception(error))
    log.debug("a start-up check failed", exc_info=error)
    return line


def metrics_address(settings: Settings) -> tuple[str, int] | None:
    """Where /metrics is served (loopback by default), or None when METRICS_PORT=0."""
    if not settings.metrics_port:
        return None
    return settings.metrics_host.removeprefix("[").removesuffix("]"), settings.metrics_port


def before_exit() -> None:
    """In a web process about to exit: let acknowledged work reach the queue, then write it all."""
    for step in _on_exit:
        step()
    _on_exit.clear()


def require_current_schema(engine: Engine) -> None:
    """Scaled-out roles never migrate (replicas would race); they refuse to start on an old schema."""
    from storage.db import current_revision, head_revision

    current, head = current_revision(engine), head_revision(engine)
    engine.dispose()
    if current != head:
        raise SettingsError(
            f"DATABASE_URL is at revision {current}, this version needs {head}: run `python -m bot db upgrade` first."
        )


def build_wsgi(settings: Settings, *, migrate: bool = False, scheduler: bool = False, queue: bool = False) -> WsgiApp:
    """The HTTP app of one server process, with its own engine and Slack client.

    With `scheduler` (`run`), /healthz also requires this process's scheduler to run. With `queue` (`web`),
    commands and events go to the workers through a QueueWriter, and /healthz reports whether a worker leads the
    scheduler without failing on it: a load balancer must not take every web replica away because the worker is
    down.
    """
    from bot.app import create_app, create_handover, listener_pool
    from bot.deps import Deps
    from bot.metrics import database_registry
    from bot.queue_writer import QueueWriter
    from bot.web import MentoriWsgi, database_health, leader_health
    from storage.db import make_engine, upgrade

    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    # The writer has a connection of its own: listeners that hold the shared pool's connections while they call
    # Slack must never keep acknowledged work from reaching the queue.
    writer = QueueWriter(make_engine(settings.database_url, pool_size=1, max_overflow=0)).start() if queue else None
    listeners = listener_pool()
    deps = Deps(settings=settings, engine=engine)
    app = create_app(deps, listener_executor=listeners)
    handover = create_handover(deps, writer) if writer is not None else None
    if writer is not None:
        # On the way out, first write what was handed over (everything acknowledged is: commands and events are
        # handed over before their ack), then let the listeners still running finish.
        _on_exit[:] = [writer.close, lambda: listeners.shutdown(wait=True)]
    registry = database_registry(engine)
    dashboard = _dashboard(deps)
    if not scheduler:
        return MentoriWsgi(
            app,
            leader_health(engine),
            registry,
            informational=frozenset({"scheduler"}),
            handover=handover,
            dashboard=dashboard,
            metrics_port=settings.metrics_port or None,
        )
    from schedules.scheduler import current_service

    database_only = database_health(engine)

    def health() -> dict[str, bool]:
        service = current_service()
        return {**database_only(), "scheduler": bool(service and service.running)}

    return MentoriWsgi(app, health, registry, dashboard=dashboard, metrics_port=settings.metrics_port or None)


def _dashboard(deps: Any) -> WsgiApp | None:
    """The dashboard under /dashboard when configured; its framework loads on its first request."""
    if not deps.settings.dashboard:
        return None
    from bot.dashboard.mount import LazyDashboard

    return LazyDashboard(deps)


def _run_socket_mode(settings: Settings) -> int:
    import signal
    import threading

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app
    from bot.deps import Deps
    from bot.socket_mode import keep_connected
    from schedules.scheduler import stop_scheduler
    from storage.db import make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    app = create_app(Deps(settings=settings, engine=engine))
    _start_scheduler(settings, engine)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    log.info("Mentori connecting to Slack in Socket Mode")
    # Reconnecting is ours (with growing pauses, logged), not the client's own fixed-interval retry.
    handler = SocketModeHandler(app, settings.slack_app_token, auto_reconnect_enabled=False)
    try:
        keep_connected(handler.client, stopping.wait)
    finally:
        handler.close()  # type: ignore[no-untyped-call]  # slack_sdk leaves SocketModeHandler.close unannotated
        stop_scheduler()
    return 0
