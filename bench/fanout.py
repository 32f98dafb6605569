"""Fan-out of one prompt to many mentors through the fake Slack (its own process) with latency and random 429s.

Prints the total time of the sender's run, the lower bound that the latency and the sender's concurrency allow
(mentors × Slack calls per mentor × latency ÷ threads), their ratio, and the duplicates and lost prompts (both must
be 0), counted from what the fake Slack received.
Usage: python bench/fanout.py [--mentors 5000] [--latency 0.05] [--ratelimit 0.02] [--concurrency 16]
                              [--postgres postgresql+psycopg://USER@HOST:5432/DB]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import fake_slack_process, machine

MONDAY = datetime(2027, 1, 18, 7, 0, tzinfo=UTC)  # 09:00 in Helsinki: the prompt is due for everyone
STEP = "s1-learning-without-course"
CALLS_PER_MENTOR = 2  # conversations.open, chat.postMessage


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
        connection.execute(insert(Goal).values(team_id="T111", organisation_id=organisation,
                                               text="Growing into an expert role"))  # fmt: skip
        connection.execute(insert(SlackUser), [{"team_id": "T111", "user_id": user, "tz": "Europe/Helsinki",
                                                "checked_at": MONDAY} for user in users])  # fmt: skip
        connection.execute(insert(Member), [{"team_id": "T111", "cohort_id": cohort, "user_id": user, "role": "mentor",
                                             "organisation_id": organisation, "status": "active",
                                             "joined_at": MONDAY} for user in users])  # fmt: skip
        members = connection.execute(select(Member.id).where(Member.cohort_id == cohort)).scalars().all()
        connection.execute(insert(Delivery), [{"team_id": "T111", "cohort_id": cohort, "member_id": member,
                                               "step_id": STEP, "block": 1, "status": "planned", "due_at": MONDAY,
                                               "not_before": MONDAY, "attempts": 0, "created_at": MONDAY}
                                              for member in members])  # fmt: skip
        ids = connection.execute(select(Delivery.id)).scalars().all()
    engine.dispose()
    return list(ids)


def run(url: str, api: str, concurrency: int) -> tuple[float, object]:
    """One sender run over everything due, as the send_due job does it; returns (seconds, its report)."""
    from slack_sdk import WebClient

    from schedules.sender import Sender
    from storage.db import make_engine

    engine = make_engine(url)
    client = WebClient(token="xoxb-test", base_url=api, timeout=10, retry_handlers=[])
    sender = Sender(engine=engine, client_for=lambda _team: client, now=lambda: MONDAY, worker="bench",
                    concurrency=concurrency)  # fmt: skip
    report = sender.run()
    engine.dispose()
    return report.seconds, report


def read(url: str) -> object:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake Slack takes per call")
    parser.add_argument("--ratelimit", type=float, default=0.02, help="share of posts answered 429 (Retry-After 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="the sender's threads")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL (default: an SQLite file)")
    options = parser.parse_args()

    fake_args = ["--latency", str(options.latency), "--ratelimit-ratio", str(options.ratelimit),
                 "--users", str(options.mentors)]  # fmt: skip
    with fake_slack_process(*fake_args) as api, database(options.postgres) as url:
        ids = seed(url, options.mentors)
        seconds, report = run(url, api, options.concurrency)
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
    bound = options.mentors * CALLS_PER_MENTOR * options.latency / options.concurrency
    calls = stats["calls"]  # type: ignore[index]
    print(f"fan-out: {options.mentors} mentors, {options.latency * 1000:.0f} ms per Slack call, "
          f"{options.ratelimit:.0%} of posts answered 429, {options.concurrency} sender threads, "
          f"{'PostgreSQL' if options.postgres else 'SQLite'}; {machine()}")  # fmt: skip
    print(f"total time        {seconds:8.2f} s")
    print(f"lower bound       {bound:8.2f} s  ({options.mentors} × {CALLS_PER_MENTOR} calls × "
          f"{options.latency * 1000:.0f} ms ÷ {options.concurrency} threads)")  # fmt: skip
    print(f"ratio             {seconds / bound:8.2f}")
    print(f"duplicates        {duplicates:8d}")
    print(f"lost              {lost:8d}")
    print(f"429s answered     {stats['ratelimited']:8d}   retries {report.retries}")  # type: ignore[index,attr-defined]
    print(f"Slack calls       {sum(calls.values()):8d}   {dict(sorted(calls.items()))}")
    print(f"outbox afterwards {dict(sorted(statuses.items()))}")
    return 0 if duplicates == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
