"""The production HTTP server: gunicorn with threaded workers, configured in code.

Kept apart from the app so that gunicorn's master process imports nothing heavy: each worker builds the app
after the fork, and the master stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class GunicornServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
    """Gunicorn with its configuration given in code; each worker builds its own app after the fork."""

    def __init__(self, factory: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self.factory()


def serve(
    factory: Callable[[], WsgiApp], *, port: int, workers: int, threads: int, metrics: str | None = None, **extra: Any
) -> None:
    """Serve the WSGI app on 0.0.0.0:`port` (and on `metrics`, HOST:PORT, for /metrics) with `workers` processes of
    `threads` threads each."""
    options = {
        "bind": [f"0.0.0.0:{port}", *([metrics] if metrics else [])],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "graceful_timeout": 30,  # time for a stopping worker to finish requests and write what it queued
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        **extra,
    }
    GunicornServer(factory, options).run()
