"""Ack latency of `/mentori status` over HTTP against `python -m bot web`, with a bare acking Bolt app as baseline.

Both run under the same gunicorn configuration on this machine, one after the other, in this script. Mentori's
web processes only acknowledge and queue; a `python -m bot worker` beside them (at a lower CPU priority, as the
systemd units in deploy/ run it) carries the commands out and answers on each command's response_url, which
points at the fake Slack. The script waits for every answer and reports when the last arrived.
Usage: python bench/ack_latency.py [--requests 2000] [--concurrency 32] [--worker-nice 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
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
def process(command: list[str], env: dict[str, str], *, nice: int = 0) -> Iterator[subprocess.Popen[bytes]]:
    lower_priority = (lambda: os.nice(nice)) if nice else None
    child = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, preexec_fn=lower_priority)  # fmt: skip
    try:
        yield child
    finally:
        child.terminate()
        child.wait(timeout=30)


def prepare_database(url: str) -> None:
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
    engine.dispose()


def answers(base: str) -> int:
    """How many answers reached the fake Slack's response_url."""
    with urllib.request.urlopen(f"{base}/_fake/stats", timeout=10) as response:
        return int(json.loads(response.read())["calls"].get("response_url", 0))


def wait_for_answers(base: str, expected: int, timeout: float = 600) -> float:
    """Seconds until `expected` answers have arrived."""
    started = time.monotonic()
    while answers(base) < expected:
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"only {answers(base)} of {expected} answers within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--worker-nice", type=int, default=10, help="the worker's niceness (0: same as web)")
    args = parser.parse_args()
    warm_up = min(100, args.requests)
    with tempfile.TemporaryDirectory() as tmp, fake_slack_process("--users", "10") as api:
        base = api.removesuffix("/").removesuffix("/api")
        database = f"sqlite:///{tmp}/bench.sqlite3"
        prepare_database(database)

        def request() -> tuple[bytes, dict[str, str]]:
            body = slack_requests.slash_command("status Bench", response_url=f"{base}/_fake/response_url/bench")
            return body, slack_requests.sign(SECRET, body)

        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api,
               "DATABASE_URL": database, "WEB_WORKERS": str(WORKERS), "WEB_THREADS": str(THREADS),
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        port = free_port()
        with process([PYTHON, "bench/bare_app.py", str(port), str(WORKERS), str(THREADS)], env):
            wait_for("127.0.0.1", port)
            load(port, warm_up, args.concurrency, request)
            baseline = load(port, args.requests, args.concurrency, request)
        port = free_port()
        with (
            process([PYTHON, "-m", "bot", "web"], {**env, "PORT": str(port)}),
            process([PYTHON, "-m", "bot", "worker"], env, nice=args.worker_nice),
        ):
            wait_for("127.0.0.1", port)
            load(port, warm_up, args.concurrency, request)
            wait_for_answers(base, warm_up)
            started = time.monotonic()
            mentori = load(port, args.requests, args.concurrency, request)
            acked = time.monotonic() - started
            drained = wait_for_answers(base, warm_up + args.requests)
    print(f"machine: {machine()}; gunicorn {WORKERS} workers × {THREADS} threads; SQLite; "
          f"{args.requests} requests at concurrency {args.concurrency}; worker at nice {args.worker_nice}")  # fmt: skip
    print(f"bare Bolt ack (baseline): {describe(baseline)}")
    print(f"mentori /mentori status:  {describe(mentori)}")
    print(f"ratio p50 {percentile(mentori, 50) / percentile(baseline, 50):.2f}  "
          f"p99 {percentile(mentori, 99) / percentile(baseline, 99):.2f}  (aim: p99 ratio ≤ 1.5)")  # fmt: skip
    print(f"all {args.requests} acked in {acked:.1f} s; every status answer posted {drained:.1f} s after the last ack "
          f"({args.requests / (acked + drained):.0f} commands/s carried out)")  # fmt: skip


if __name__ == "__main__":
    main()
