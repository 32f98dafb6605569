"""The HTTP server's wrapping of the app."""

from __future__ import annotations

import os
from typing import Any

import pytest

from bot.server import without_process_environment


def test_the_process_environment_does_not_reach_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "do-not-show")
    monkeypatch.setenv("HTTP_X_FROM_THE_PROCESS", "process")
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        return [b""]

    wrapped = without_process_environment(app)
    # as Granian builds it: the process's environment, then the request's own keys over it
    environ = {**os.environ, "PATH_INFO": "/slack/events", "HTTP_X_FROM_THE_PROCESS": "the request's own"}
    wrapped(environ, lambda *_: None)
    assert "SLACK_SIGNING_SECRET" not in seen
    assert not (set(os.environ) - {"HTTP_X_FROM_THE_PROCESS"}) & set(seen)
    assert seen["HTTP_X_FROM_THE_PROCESS"] == "the request's own"
    assert seen["PATH_INFO"] == "/slack/events"
