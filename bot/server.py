"""The production HTTP server: Granian (HTTP parsed in Rust) running the WSGI app in a few Python threads.

Kept apart from the app so that the main process imports nothing heavy: each server process builds the app after
the fork, and the main process stays small. /metrics is served on its own address by a small thread in each
server process, on a socket the main process binds once and every server process accepts from.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from bot.start_errors import StartupFailed

log = logging.getLogger(__name__)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Hook = Callable[[], None]

KILL_AFTER = 30  # seconds a stopping server process has to finish its requests and write what it queued


def serve(
    factory: Callable[[], WsgiApp],
    *,
    port: int,
    workers: int,
    threads: int,
    metrics: tuple[str, int] | None = None,
    on_exit: Hook | None = None,
    announce: str | None = None,
) -> None:
    """Serve the WSGI app that `factory` builds in each of `workers` processes (`threads` threads each) on
    0.0.0.0:`port`, and /metrics on `metrics` (host, port); `announce` is logged once both addresses are free, and
    `on_exit` runs in a server process after its last request."""
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels

    metrics_socket = _bind(metrics, "METRICS_HOST and METRICS_PORT") if metrics else None
    _bind(("0.0.0.0", port), "PORT").close()  # Granian binds it again: a port in use is said here in one line
    if announce:
        log.info(announce)

    def load(_target: str) -> WsgiApp:
        app = factory()
        if metrics_socket is not None:
            _serve_metrics(metrics_socket, app)
        return without_process_environment(app)

    def run_server_process(*args: Any) -> None:
        # Granian's own WSGI server process, then `on_exit`: Granian has no hook of its own in a server process
        try:
            Granian._spawn_wsgi_worker(*args)
        finally:
            if on_exit is not None:
                on_exit()

    server = Granian(
        "mentori",
        address="0.0.0.0",
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        http=HTTPModes.http1,
        websockets=False,
        workers_kill_timeout=KILL_AFTER,
        respawn_failed_workers=True,  # a server process that dies is replaced; one that dies at start stops all
        log_level=LogLevels.warning,
        # Granian's messages go through the root logger, in Mentori's format
        log_dictconfig={"loggers": {"_granian": {"handlers": [], "propagate": True}}},
    )
    server.serve(spawn_target=run_server_process, target_loader=load)


def without_process_environment(app: WsgiApp) -> WsgiApp:
    """The app, given each request's environ without the process's environment variables, which Granian copies
    into it as CGI did: the signing secret, the tokens and DATABASE_URL stay out of whatever reads a request."""
    process = dict(os.environ)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return app({key: value for key, value in environ.items() if process.get(key) != value}, start_response)

    return wsgi


def _bind(address: tuple[str, int], setting: str) -> socket.socket:
    host, port = address
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen(64)
    except OSError as error:
        listening.close()
        raise StartupFailed(
            f"{setting}: Mentori cannot listen on {host}:{port} ({error.strerror}): another process may be using "
            f"it; stop that process or choose another port."
        ) from None
    listening.set_inheritable(True)
    return listening


class _MetricsServer(WSGIServer):
    """wsgiref's server on a socket bound before the fork."""

    def __init__(self, listening: socket.socket, app: WsgiApp) -> None:
        super().__init__(listening.getsockname()[:2], _QuietHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = listening
        # the address as bound: wsgiref's own bind would look the host name up in DNS in every server process
        self.server_name, self.server_port = listening.getsockname()[:2]
        self.setup_environ()
        self.set_app(app)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("metrics: " + format, *args)


def _serve_metrics(listening: socket.socket, app: WsgiApp) -> None:
    server = _MetricsServer(listening, app)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
