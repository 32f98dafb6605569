"""What the benchmarks share: the fake Slack as a process, a throw-away database, load generation, percentiles."""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@contextmanager
def fake_slack_process(*args: str) -> Iterator[str]:
    """Start tests.support.fake_slack as its own process; yields its Web API URL."""
    process = subprocess.Popen(
        [PYTHON, "-m", "tests.support.fake_slack", "--port", "0", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("FAKE_SLACK_URL="):
            raise RuntimeError(f"fake Slack did not start: {line!r}")
        yield line.strip().split("=", 1)[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for(url_host: str, port: int, path: str = "/healthz", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(url_host, port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status in (200, 404):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on {url_host}:{port} within {timeout} s")


def load(port: int, requests: int, concurrency: int, make: Callable[[], tuple[bytes, dict[str, str]]]) -> list[float]:
    """POST `requests` bodies to /slack/events over keep-alive connections; returns each latency in seconds."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            body, headers = make()
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    failures.append(f"{response.status} {answer[:120]!r}")

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. HTTP {failures[0]}")
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def describe(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50) * 1000:7.2f} ms  p99 {percentile(values, 99) * 1000:7.2f} ms  "
        f"mean {statistics.fmean(values) * 1000:7.2f} ms"
    )


def machine() -> str:
    return f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.platform}"


@contextmanager
def database(postgres: str | None) -> Iterator[str]:
    """A fresh, migrated database: an SQLite file, or a throw-away database on the given PostgreSQL server."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from storage.db import make_engine, upgrade

    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.sqlite3"
            upgrade(make_engine(url))
            yield url
        return
    server = make_url(postgres)
    name = f"mentori_bench_{os.getpid()}"
    admin = make_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    upgrade(make_engine(url))
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
