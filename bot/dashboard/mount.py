"""The dashboard's WSGI entry: the web framework and templates are imported on the first /dashboard request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from bot.deps import Deps


class LazyDashboard:
    """Builds the dashboard app on its first request, so a process nobody opens the dashboard in stays small."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._app: Callable[..., Iterable[bytes]] | None = None
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    from bot.dashboard.app import create_dashboard

                    self._app = create_dashboard(self.deps)
        return self._app(environ, start_response)
