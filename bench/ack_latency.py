"""Ack latency of `/mentori status` over HTTP against `python -m bot web`, with a bare acking Bolt app as baseline.

Both run on the same server (Granian, --web-workers processes) on this machine, in alternating rounds in this
script: web with its own default threads per process (--web-threads), the bare app with as many as Bolt's ack
polling needs (--bare-threads 8). Mentori's web processes only acknowledge and queue; a `python -m bot worker`
(at a lower CPU priority, as the systemd units in deploy/ run it) carries the commands out and answers on each
command's response_url, which points at the fake Slack. By default the worker is started after each round's
requests, as on a deployment where workers run on other machines; with --worker-beside it runs during the
requests, sharing this machine's CPUs (and the database's) with web. Each round waits for every answer before the
next starts.

--sustained SECONDS: load each app with wrk (Debian's package `wrk`) for that long per round at each of
--concurrency's values (e.g. 32,128), the worker beside web; the apps alternate, and no round waits for the
worker's answers (it works through its backlog during the later rounds, as it would under sustained traffic).
By default wrk keeps every connection busy (a closed loop: each app gets as many requests as it answers);
--rate N,M,... paces the requests instead at N (then M...) requests a second in all, the same for both apps, as
Slack's traffic comes ('closed' among them also runs the closed loop): a request is sent at its slot whether or
not others are still waiting for their answers. --rate matched loads the bare app in a closed loop and then paces
`web` at the rate the bare app reached in that round: both apps carry the same traffic, the most the bare app
can carry.

Usage: python bench/ack_latency.py [--requests 2000] [--concurrency 32] [--rounds 3] [--worker-beside]
                                   [--worker-nice 10] [--sustained 10 --concurrency 32,128 [--rate closed,matched]]
                                   [--web-workers 2] [--web-threads 4] [--bare-threads 8]
                                   [--postgres postgresql+psycopg://USER@HOST:5432/DB]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import (
    PYTHON,
    ROOT,
    database,
    describe,
    fake_slack_process,
    load,
    machine,
    percentile,
    wait_for,
)
from bot.settings import DEFAULTS
from tests.support import slack_requests
from tests.support.process import free_port

SECRET = "bench-signing-secret"
WORKERS = 2
BARE_THREADS = 8  # Bolt holds a thread per request while it polls for ack(): the bare app needs many


@contextmanager
def process(command: list[str], env: dict[str, str], *, nice: int = 0) -> Iterator[subprocess.Popen[bytes]]:
    lower_priority = (lambda: os.nice(nice)) if nice else None
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lower_priority,
    )
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


def server_env(api: str, url: str, web_workers: int, web_threads: int) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api,
        "DATABASE_URL": url,
        "WEB_WORKERS": str(web_workers),
        "WEB_THREADS": str(web_threads),
        "LOG_LEVEL": "WARNING",
        "METRICS_PORT": "0",
    }


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
    parser.add_argument("--concurrency", default="32", help="connections; with --sustained, a comma-separated list")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of baseline and Mentori")
    parser.add_argument(
        "--worker-beside",
        action="store_true",
        help="run the worker during the requests too (default: start it after each round's requests)",
    )
    parser.add_argument("--web-workers", type=int, default=DEFAULTS.web_workers, help="web processes")
    parser.add_argument("--web-threads", type=int, default=DEFAULTS.web_threads, help="threads per web process")
    parser.add_argument("--bare-threads", type=int, default=BARE_THREADS, help="threads per bare app process")
    parser.add_argument("--worker-nice", type=int, default=10, help="the worker's niceness (0: same as web)")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL (default: an SQLite file)")
    parser.add_argument("--sustained", type=float, default=0, help="seconds of wrk load per app and round")
    parser.add_argument(
        "--rate",
        default="",
        help="with --sustained: requests a second in all, comma-separated; 'closed' (a closed loop, the default) "
        "or 'matched' (web paced at the rate the bare app reached)",
    )
    args = parser.parse_args()
    if args.sustained:
        sustained(args)
        return
    args.concurrency = int(args.concurrency)
    warm_up = min(100, args.requests)
    rounds: list[tuple[list[float], list[float], float]] = []
    with fake_slack_process("--users", "10") as api, database(args.postgres) as url:
        base = api.removesuffix("/").removesuffix("/api")
        prepare_database(url)

        def request() -> tuple[bytes, dict[str, str]]:
            body = slack_requests.slash_command("status Bench", response_url=f"{base}/_fake/response_url/bench")
            return body, slack_requests.sign(SECRET, body)

        env = server_env(api, url, args.web_workers, args.web_threads)
        bare, web = free_port(), free_port()
        worker = [PYTHON, "-m", "bot", "worker"]
        with (
            process([PYTHON, "bench/bare_app.py", str(bare), str(WORKERS), str(args.bare_threads)], env),
            process([PYTHON, "-m", "bot", "web"], {**env, "PORT": str(web)}),
        ):
            wait_for("127.0.0.1", bare)
            wait_for("127.0.0.1", web)
            load(bare, warm_up, args.concurrency, request)
            load(web, warm_up, args.concurrency, request)
            with process(worker, env, nice=args.worker_nice):
                wait_for_answers(base, warm_up)
            answered = warm_up
            for _ in range(args.rounds):
                baseline = load(bare, args.requests, args.concurrency, request)
                with ExitStack() as beside:
                    if args.worker_beside:
                        beside.enter_context(process(worker, env, nice=args.worker_nice))
                    mentori = load(web, args.requests, args.concurrency, request)
                    answered += args.requests
                    if not args.worker_beside:
                        beside.enter_context(process(worker, env, nice=args.worker_nice))
                    rounds.append((baseline, mentori, wait_for_answers(base, answered)))
    report(args, rounds)


UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def wrk(port: int, seconds: float, connections: int, script: str) -> dict[str, float]:
    """p50 and p99 ack latency (seconds), requests per second and non-2xx answers of one wrk run."""
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "-s",
        script,
        f"http://127.0.0.1:{port}/slack/events",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = {p: re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)$", output, re.M) for p in (50, 99)}
    if not all(found.values()):
        raise RuntimeError(f"wrk printed no latency distribution:\n{output}")
    figures = {f"p{p}": float(m.group(1)) * UNITS[m.group(2)] for p, m in found.items() if m}
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {**figures, "rps": float(rate.group(1)) if rate else 0.0, "errors": float(errors.group(1) if errors else 0)}


WRK_THREADS = 2

# Paces each wrk thread's requests on a fixed schedule (LuaJIT's FFI reads the monotonic clock): every request
# takes the thread's next slot; a slot already past is sent at once, so the rate holds while answers are slow.
PACING = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } mentori_timespec;
int clock_gettime(int clock, mentori_timespec *now);
]]
local clock = ffi.new("mentori_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end
local interval = %(interval)f
local next_slot = nil
function delay()
  local now = now_ms()
  next_slot = next_slot or now
  local slot = next_slot
  next_slot = next_slot + interval
  if slot <= now then return 0 end
  return math.floor(slot - now + 0.5)
end
"""


def wrk_script(folder: str, body: bytes, headers: dict[str, str], rate: float | None) -> str:
    """A wrk script posting one signed `/mentori status` (its timestamp stays valid for Slack's five minutes), at
    `rate` requests a second in all when given."""
    lines = ['wrk.method = "POST"', f"wrk.body = [[{body.decode()}]]"]
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    if rate:
        lines.append(PACING % {"interval": WRK_THREADS * 1000 / rate})
    path = os.path.join(folder, f"status-{rate or 'closed'}.lua")
    with open(path, "w", encoding="utf-8") as script:
        script.write("\n".join(lines) + "\n")
    return path


MATCHED = -1.0  # as a rate: web paced at what the bare app reached in a closed loop
Load = tuple[int, float | None]  # connections, and requests a second (None: a closed loop)


def sustained(args: argparse.Namespace) -> None:
    """Alternate wrk rounds against the bare Bolt app and `web`, the worker running beside web throughout."""
    if shutil.which("wrk") is None:
        sys.exit("--sustained needs wrk: apt-get install wrk")
    concurrencies = [int(c) for c in str(args.concurrency).split(",")]
    rates: list[float | None] = [_rate(r) for r in args.rate.split(",")] if args.rate else [None]
    loads: list[Load] = [(c, r) for c in concurrencies for r in rates]
    results: dict[Load, Rounds] = {load: [] for load in loads}
    with (
        fake_slack_process("--users", "10") as api,
        database(args.postgres) as url,
        tempfile.TemporaryDirectory() as folder,
    ):
        base = api.removesuffix("/").removesuffix("/api")
        prepare_database(url)
        env = server_env(api, url, args.web_workers, args.web_threads)
        bare, web = free_port(), free_port()
        with (
            process([PYTHON, "bench/bare_app.py", str(bare), str(WORKERS), str(args.bare_threads)], env),
            process([PYTHON, "-m", "bot", "web"], {**env, "PORT": str(web)}),
            process([PYTHON, "-m", "bot", "worker"], env, nice=args.worker_nice),
        ):
            wait_for("127.0.0.1", bare)
            wait_for("127.0.0.1", web)
            body = slack_requests.slash_command("status Bench", response_url=f"{base}/_fake/response_url/bench")
            for round_number in range(args.rounds):
                # a fresh signature each round: Slack's timestamps are valid for five minutes
                headers = slack_requests.sign(SECRET, body)
                for connections, rate in loads:
                    paced = rate if rate != MATCHED else None
                    script = wrk_script(folder, body, headers, paced)
                    if round_number == 0:  # warm both up
                        wrk(bare, 2, connections, script)
                        wrk(web, 2, connections, script)
                    baseline = wrk(bare, args.sustained, connections, script)
                    if rate == MATCHED:
                        script = wrk_script(folder, body, headers, baseline["rps"])
                    mentori = wrk(web, args.sustained, connections, script)
                    results[(connections, rate)].append((baseline, mentori))
    report_sustained(args, results)


Rounds = list[tuple[dict[str, float], dict[str, float]]]


def report_sustained(args: argparse.Namespace, results: dict[Load, Rounds]) -> None:
    print(
        f"machine: {machine()}; Granian, {WORKERS} processes × {args.bare_threads} threads (bare Bolt), "
        f"{args.web_workers} × {args.web_threads} (mentori); "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}; wrk for {args.sustained:g} s per app and round, "
        f"alternating; worker at nice {args.worker_nice} beside web"
    )
    for (connections, rate), rounds in results.items():
        name = f"c={connections} " + _load_name(rate)
        ratios = []
        for number, (baseline, mentori) in enumerate(rounds, start=1):
            ratios.append(mentori["p99"] / baseline["p99"])
            print(
                f"{name} round {number}: bare Bolt {_figures(baseline)} | mentori {_figures(mentori)} | "
                f"p99 ratio {ratios[-1]:.2f}; non-2xx {baseline['errors']:.0f} / {mentori['errors']:.0f}"
            )
        p50 = statistics.median(m["p50"] for _, m in rounds) * 1000
        print(
            f"{name}: median p99 ratio {statistics.median(ratios):.2f} (aim ≤ 0.5), "
            f"median mentori p50 {p50:.2f} ms (aim ≤ 5)"
        )


def _rate(text: str) -> float | None:
    named = {"closed": None, "matched": MATCHED}
    return named[text.strip()] if text.strip() in named else float(text)


def _load_name(rate: float | None) -> str:
    if rate is None:
        return "closed loop"
    return "bare closed, web at bare's rate" if rate == MATCHED else f"{rate:g} req/s"


def _figures(run: dict[str, float]) -> str:
    return f"p50 {run['p50'] * 1000:6.2f} ms  p99 {run['p99'] * 1000:6.2f} ms  {run['rps']:7.0f} req/s"


def report(args: argparse.Namespace, rounds: list[tuple[list[float], list[float], float]]) -> None:
    print(
        f"machine: {machine()}; Granian, {WORKERS} processes × {args.bare_threads} threads (bare Bolt), "
        f"{args.web_workers} × {args.web_threads} (mentori); "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}; {args.requests} requests at concurrency "
        f"{args.concurrency} per run; worker at nice {args.worker_nice}, "
        f"{'running beside web' if args.worker_beside else 'started after each round'}"
    )
    ratios = []
    for number, (baseline, mentori, drained) in enumerate(rounds, start=1):
        ratio = percentile(mentori, 99) / percentile(baseline, 99)
        ratios.append(ratio)
        print(f"round {number}: bare Bolt ack (baseline) {describe(baseline)}")
        print(f"         mentori /mentori status  {describe(mentori)}")
        print(
            f"         p50 ratio {percentile(mentori, 50) / percentile(baseline, 50):.2f}  p99 ratio {ratio:.2f}; "
            f"every command answered {drained:.1f} s after the last ack"
        )
    print(f"median p99 ratio over {len(rounds)} rounds: {statistics.median(ratios):.2f}  (aim: ≤ 1.5)")


if __name__ == "__main__":
    main()
