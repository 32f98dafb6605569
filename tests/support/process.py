"""Running `python -m bot …` as a real process for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def bot_process(
    *args: str, env: dict[str, str], ready_url: str | None = None, timeout: float = 180
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `python -m bot ARGS` with `env` (on top of a clean environment); stop it on exit."""
    full_env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "MENTORI_"))}
    # Each process gets a metrics port of its own: several run at once, and other test runs share the machine.
    full_env.update({"PYTHONUNBUFFERED": "1", "METRICS_PORT": str(free_port()), **env})
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        if ready_url:
            _wait_until_ready(process, ready_url, timeout)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"the bot exited with {process.returncode}:\n{output}")
        try:
            if http("GET", url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the bot did not answer {url} within {timeout} s")


@contextmanager
def fake_slack_process(*args: str) -> Iterator[str]:
    """tests.support.fake_slack as its own process; yields its base URL (http://127.0.0.1:PORT)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_slack", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("FAKE_SLACK_URL="), f"the fake Slack did not start: {line!r}"
        yield line.strip().split("=", 1)[1].removesuffix("/api/")
    finally:
        process.terminate()
        process.wait(timeout=10)
