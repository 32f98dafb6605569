"""Ack latency of `/mentori status` over HTTP against `python -m bot web`, with a bare acking Bolt app as baseline.

Both run under the same gunicorn configuration on this machine, one after the other, in this script.
Usage: python bench/ack_latency.py [--requests 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import PYTHON, ROOT, describe, fake_slack_process, load, machine, percentile, wait_for
from tests.support import slack_requests
from tests.support.process import free_port

SECRET = "bench-signing-secret"
WORKERS, THREADS = 2, 8


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for("127.0.0.1", port)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


def prepare_database(url: str, slack_url: str) -> None:
    """A migrated database with one cohort coached by the benchmark's user."""
    from datetime import date, timedelta

    from sqlmodel import Session

    from storage.db import make_engine, upgrade
    from storage.models import Cohort, Member, ProgrammeSession

    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        cohort = Cohort(team_id="T111", name="Bench", language="en")
        session.add(cohort)
        session.flush()
        session.add(Member(team_id="T111", cohort_id=cohort.id, user_id="U111", role="coach"))
        for number in (1, 2, 3):
            day = date(2027, 1, 11) + timedelta(weeks=4 * (number - 1))
            session.add(ProgrammeSession(team_id="T111", cohort_id=cohort.id, number=number, date=day))
        session.commit()


def request() -> tuple[bytes, dict[str, str]]:
    body = slack_requests.slash_command("status Bench", response_url="http://127.0.0.1:9/response")
    return body, slack_requests.sign(SECRET, body)


def measure(port: int, count: int, concurrency: int) -> list[float]:
    load(port, min(100, count), concurrency, request)  # warm-up: imports, connections, caches
    return load(port, count, concurrency, request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fake_slack_process("--users", "10") as slack_url:
        database = f"sqlite:///{tmp}/bench.sqlite3"
        prepare_database(database, slack_url)
        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_url,
               "DATABASE_URL": database, "WEB_WORKERS": str(WORKERS), "WEB_THREADS": str(THREADS),
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        port = free_port()
        with server([PYTHON, "bench/bare_app.py", str(port), str(WORKERS), str(THREADS)], env, port):
            baseline = measure(port, args.requests, args.concurrency)
        port = free_port()
        with server([PYTHON, "-m", "bot", "web"], {**env, "PORT": str(port)}, port):
            mentori = measure(port, args.requests, args.concurrency)
    print(f"machine: {machine()}; gunicorn {WORKERS} workers × {THREADS} threads; "
          f"{args.requests} requests at concurrency {args.concurrency}")  # fmt: skip
    print(f"bare Bolt ack (baseline): {describe(baseline)}")
    print(f"mentori /mentori status:  {describe(mentori)}")
    print(f"ratio p50 {percentile(mentori, 50) / percentile(baseline, 50):.2f}  "
          f"p99 {percentile(mentori, 99) / percentile(baseline, 99):.2f}  (aim: p99 ratio ≤ 1.5)")  # fmt: skip


if __name__ == "__main__":
    main()
