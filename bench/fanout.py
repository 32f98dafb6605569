"""Fan-out of one prompt to many mentors through the fake Slack (its own process) with latency and random 429s.

Prints the total time of the sender's run, the lower bound that the latency and the sender's concurrency allow
(mentors × Slack calls per mentor × latency ÷ threads), their ratio, and the duplicates and lost prompts (both must
be 0), counted from what the fake Slack received.

With --processes N (N > 1), N sender processes share one fan-out, as N `python -m bot worker` processes do, and
the same fan-out sent by one sender process, measured the same way in the same run, is the baseline; each gets a
fresh database and a fresh fake Slack. Total time runs from the moment every process is ready until the last one
has finished; the lower bound divides by N × threads.
Usage: python bench/fanout.py [--mentors 5000] [--latency 0.05] [--ratelimit 0.02] [--concurrency 16]
                              [--postgres postgresql+psycopg://USER@HOST:5432/DB] [--processes 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import database, fake_slack_process, machine

MONDAY = datetime(2027, 1, 18, 7, 0, tzinfo=UTC)  # 09:00 in Helsinki: the prompt is due for everyone
STEP = "s1-assignment-1"
CALLS_PER_MENTOR = 2  # conversations.open, chat.postMessage


def seed(url: str, mentors: int) -> list[int]:
    """One cohort of `mentors` mentors, each with the same prompt due now; returns the delivery ids."""
    from sqlalchemy import insert, select

    from storage.db import make_engine
    from storage.models import Cohort, Delivery, Goal, Member, Organisation, ProgrammeSession, SlackUser

    engine = make_engine(url)
    users = [f"U{number:07d}" for number in range(1, mentors + 1)]
    with engine.begin() as connection:
        cohort = connection.execute(
            insert(Cohort).values(team_id="T111", name="Bench", language="en", created_at=MONDAY).returning(Cohort.id)
        ).scalar_one()
        for number, day in enumerate((date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8)), start=1):
            connection.execute(
                insert(ProgrammeSession).values(team_id="T111", cohort_id=cohort, number=number, date=day)
            )
        organisation = connection.execute(
            insert(Organisation)
            .values(team_id="T111", cohort_id=cohort, name="Vero", created_at=MONDAY)
            .returning(Organisation.id)
        ).scalar_one()
        connection.execute(
            insert(Goal).values(team_id="T111", organisation_id=organisation, text="Growing into an expert role")
        )
        connection.execute(
            insert(SlackUser),
            [{"team_id": "T111", "user_id": user, "tz": "Europe/Helsinki", "checked_at": MONDAY} for user in users],
        )
        connection.execute(
            insert(Member),
            [
                {
                    "team_id": "T111",
                    "cohort_id": cohort,
                    "user_id": user,
                    "role": "mentor",
                    "organisation_id": organisation,
                    "status": "active",
                    "joined_at": MONDAY,
                }
                for user in users
            ],
        )
        members = connection.execute(select(Member.id).where(Member.cohort_id == cohort)).scalars().all()
        connection.execute(
            insert(Delivery),
            [
                {
                    "team_id": "T111",
                    "cohort_id": cohort,
                    "member_id": member,
                    "step_id": STEP,
                    "block": 1,
                    "status": "planned",
                    "due_at": MONDAY,
                    "not_before": MONDAY,
                    "attempts": 0,
                    "created_at": MONDAY,
                }
                for member in members
            ],
        )
        ids = connection.execute(select(Delivery.id)).scalars().all()
    engine.dispose()
    return list(ids)


def make_sender(url: str, api: str, concurrency: int, worker: str = "bench") -> Any:
    """A sender as the send_due job builds it, with a client that has no retry handlers."""
    from slack_sdk import WebClient

    from schedules.sender import Sender
    from storage.db import make_engine

    client = WebClient(token="xoxb-test", base_url=api, timeout=10, retry_handlers=[])
    return Sender(
        engine=make_engine(url),
        client_for=lambda _team: client,
        now=lambda: MONDAY,
        worker=worker,
        concurrency=concurrency,
    )


def run(url: str, api: str, concurrency: int) -> tuple[float, Any]:
    """One sender run over everything due, as the send_due job does it; returns (seconds, its report)."""
    sender = make_sender(url, api, concurrency)
    report = sender.run()
    sender.engine.dispose()
    return report.seconds, report


def sender_process(url: str, api: str, concurrency: int, worker: str, ready: Any, go: Any, done: Any) -> None:
    """One sender process: builds its sender, says it is ready, waits for the start, runs, reports."""
    sender = make_sender(url, api, concurrency, worker)
    ready.put(worker)
    go.wait()
    report = sender.run()
    sender.engine.dispose()
    done.put((worker, report.sent, report.retries))


def run_processes(url: str, api: str, concurrency: int, processes: int) -> tuple[float, dict[str, int], int]:
    """`processes` sender processes started together over everything due; returns (seconds from the start until
    the last one finished, prompts sent by each, retries)."""
    spawn = multiprocessing.get_context("spawn")
    ready, done, go = spawn.Queue(), spawn.Queue(), spawn.Event()
    children = [
        spawn.Process(target=sender_process, args=(url, api, concurrency, f"bench-{number}", ready, go, done))
        for number in range(1, processes + 1)
    ]
    for child in children:
        child.start()
    for _ in children:
        ready.get(timeout=120)
    started = time.perf_counter()
    go.set()
    results = []
    while len(results) < len(children):
        try:
            results.append(done.get(timeout=1))
        except queue.Empty:
            if any(child.exitcode not in (None, 0) for child in children):
                raise RuntimeError("a sender process failed; its error is printed above") from None
    seconds = time.perf_counter() - started
    for child in children:
        child.join()
    return seconds, {worker: sent for worker, sent, _ in results}, sum(retries for *_, retries in results)


def read(url: str) -> object:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


@dataclass
class Outcome:
    """What one fan-out did, counted from the fake Slack and the outbox."""

    seconds: float
    retries: int
    duplicates: int
    lost: int
    ratelimited: int
    calls: dict[str, int]
    statuses: dict[str, int]
    per_process: dict[str, int]


def fan_out(options: argparse.Namespace, processes: int | None) -> Outcome:
    """Seed a fresh database, send the fan-out (in this process when `processes` is None), count what arrived."""
    fake_args = [
        "--latency",
        str(options.latency),
        "--ratelimit-ratio",
        str(options.ratelimit),
        "--users",
        str(options.mentors),
    ]
    with fake_slack_process(*fake_args) as api, database(options.postgres) as url:
        ids = seed(url, options.mentors)
        if processes is None:
            seconds, report = run(url, api, options.concurrency)
            retries, per_process = report.retries, {"bench": report.sent}
        else:
            seconds, per_process, retries = run_processes(url, api, options.concurrency, processes)
        base = api.removesuffix("/api/")
        messages = read(f"{base}/_fake/messages")
        stats = read(f"{base}/_fake/stats")
        from sqlalchemy import func, select

        from storage.db import make_engine
        from storage.models import Delivery

        engine = make_engine(url)
        with engine.connect() as connection:
            statuses = dict(connection.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
        engine.dispose()

    posted = Counter(m["metadata"]["event_payload"]["delivery_id"] for m in messages if m.get("metadata"))  # type: ignore[union-attr]
    duplicates = sum(count - 1 for count in posted.values() if count > 1)
    lost = len(set(ids) - set(posted))
    return Outcome(
        seconds,
        retries,
        duplicates,
        lost,
        stats["ratelimited"],
        stats["calls"],
        statuses,  # type: ignore[index]
        per_process,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake Slack takes per call")
    parser.add_argument("--ratelimit", type=float, default=0.02, help="share of posts answered 429 (Retry-After 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="the sender's threads (in each process)")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL (default: an SQLite file)")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="sender processes sharing the fan-out; above 1, one process is the baseline",
    )
    options = parser.parse_args()
    if options.processes > 1:
        return compare(options)

    outcome = fan_out(options, None)
    bound = options.mentors * CALLS_PER_MENTOR * options.latency / options.concurrency
    calls = outcome.calls
    print(
        f"fan-out: {options.mentors} mentors, {options.latency * 1000:.0f} ms per Slack call, "
        f"{options.ratelimit:.0%} of posts answered 429, {options.concurrency} sender threads, "
        f"{'PostgreSQL' if options.postgres else 'SQLite'}; {machine()}"
    )
    print(f"total time        {outcome.seconds:8.2f} s")
    print(
        f"lower bound       {bound:8.2f} s  ({options.mentors} × {CALLS_PER_MENTOR} calls × "
        f"{options.latency * 1000:.0f} ms ÷ {options.concurrency} threads)"
    )
    print(f"ratio             {outcome.seconds / bound:8.2f}")
    print(f"duplicates        {outcome.duplicates:8d}")
    print(f"lost              {outcome.lost:8d}")
    print(f"429s answered     {outcome.ratelimited:8d}   retries {outcome.retries}")
    print(f"Slack calls       {sum(calls.values()):8d}   {dict(sorted(calls.items()))}")
    print(f"outbox afterwards {dict(sorted(outcome.statuses.items()))}")
    return 0 if outcome.duplicates == 0 and outcome.lost == 0 else 1


def compare(options: argparse.Namespace) -> int:
    """One sender process (the baseline), then `--processes` of them, each over a fresh copy of the fan-out."""
    many = options.processes
    runs = {1: fan_out(options, 1), many: fan_out(options, many)}
    bounds = {n: options.mentors * CALLS_PER_MENTOR * options.latency / (n * options.concurrency) for n in runs}
    print(
        f"fan-out: {options.mentors} mentors, {options.latency * 1000:.0f} ms per Slack call, "
        f"{options.ratelimit:.0%} of posts answered 429, {options.concurrency} sender threads per process, "
        f"{'PostgreSQL' if options.postgres else 'SQLite'}; {machine()}"
    )
    print(f"{'':18}{'1 process':>14}{f'{many} processes':>14}")

    def row(label: str, values: list[str], note: str = "") -> None:
        print(f"{label:18}{values[0]:>14}{values[1]:>14}{note}")

    row("total time", [f"{runs[n].seconds:.2f} s" for n in runs])
    row(
        "lower bound",
        [f"{bounds[n]:.2f} s" for n in runs],
        f"  ({options.mentors} × {CALLS_PER_MENTOR} calls × {options.latency * 1000:.0f} ms ÷ processes × "
        f"{options.concurrency} threads)",
    )
    row("ratio", [f"{runs[n].seconds / bounds[n]:.2f}" for n in runs])
    row("speed-up", ["1.00", f"{runs[1].seconds / runs[many].seconds:.2f}"])
    row("duplicates", [str(runs[n].duplicates) for n in runs])
    row("lost", [str(runs[n].lost) for n in runs])
    row("429s answered", [str(runs[n].ratelimited) for n in runs])
    row("retries", [str(runs[n].retries) for n in runs])
    row("Slack calls", [str(sum(runs[n].calls.values())) for n in runs])
    row("sent by each", [" / ".join(str(sent) for _, sent in sorted(runs[n].per_process.items())) for n in runs])
    for n in runs:
        print(f"outbox afterwards ({n}) {dict(sorted(runs[n].statuses.items()))}")
    return 0 if all(outcome.duplicates == 0 and outcome.lost == 0 for outcome in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
