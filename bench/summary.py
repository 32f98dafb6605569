"""A cohort summary among 1,000,000 stored answers in 1,000 cohorts, on SQLite and PostgreSQL.

Baseline, measured in the same run on the same cohorts: the cheapest query touching the same rows (count the
cohort's answers). Usage:
  python bench/summary.py [--answers 1000000] [--cohorts 1000] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func, insert, text
from sqlmodel import Session, col, select

from bench._support import database, machine
from bot.privacy import PrivacyPolicy
from bot.programmes import default_programme
from bot.summaries.compute import compute_summary
from storage.db import make_engine, upgrade
from storage.models import Answer, Cohort, Delivery, Member, Organisation, ProgrammeSession

T = "T111"
ORGS = 3
BATCH = 20_000


def populate(engine: Engine, cohorts: int, answers: int) -> None:
    """Cohorts of three organisations whose mentors answered every prompt, until `answers` answers exist."""
    steps = [step for step in default_programme().steps if step.is_prompt]
    mentors_per_cohort = max(ORGS, -(-answers // (cohorts * len(steps))))
    now = datetime(2027, 6, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Cohort),
            [
                {
                    "team_id": T,
                    "name": f"C{n}",
                    "language": "en",
                    "timezone": "Europe/Helsinki",
                    "programme": "feeniks",
                    "status": "active",
                    "work_start": "09:00",
                    "work_end": "16:00",
                    "country": "FI",
                    "grace_hours": 24,
                    "reminder_days": 2,
                    "created_at": now,
                }
                for n in range(cohorts)
            ],
        )
        cohort_ids = [row[0] for row in connection.execute(text("SELECT id FROM cohort ORDER BY id"))]
        connection.execute(
            insert(ProgrammeSession),
            [
                {"team_id": T, "cohort_id": c, "number": n, "date": date(2027, 1, 11) + timedelta(weeks=4 * (n - 1))}
                for c in cohort_ids
                for n in (1, 2, 3)
            ],
        )
        connection.execute(
            insert(Organisation),
            [
                {"team_id": T, "cohort_id": c, "name": f"Org {o}", "country": "FI", "created_at": now}
                for c in cohort_ids
                for o in range(ORGS)
            ],
        )
        orgs = [row[0] for row in connection.execute(text("SELECT id FROM organisation ORDER BY id"))]
        connection.execute(
            insert(Member),
            [
                {
                    "team_id": T,
                    "cohort_id": c,
                    "user_id": f"U{c}x{m}",
                    "role": "mentor",
                    "status": "active",
                    "organisation_id": orgs[i * ORGS + m % ORGS],
                    "joined_at": now,
                }
                for i, c in enumerate(cohort_ids)
                for m in range(mentors_per_cohort)
            ],
        )
        members = list(connection.execute(text("SELECT id, cohort_id FROM member ORDER BY id")))
    written = 0
    rows: list[dict] = []
    for member_id, cohort_id in members:
        for step in steps:
            rows.append(
                {
                    "team_id": T,
                    "cohort_id": cohort_id,
                    "member_id": member_id,
                    "step_id": step.id,
                    "block": step.block,
                    "status": "answered",
                    "due_at": now,
                    "not_before": now,
                    "attempts": 1,
                    "created_at": now,
                }
            )
        if len(rows) >= BATCH:
            written += _flush(engine, rows, steps)
            rows = []
        if written >= answers:
            break
    if rows:
        _flush(engine, rows, steps)


def _flush(engine: Engine, rows: list[dict], steps: list) -> int:
    ratings = {step.id: {item: 1 + (hash(item) % 5) for item in step.items} for step in steps}
    with engine.begin() as connection:
        first = connection.execute(text("SELECT COALESCE(MAX(id), 0) FROM delivery")).scalar_one()
        connection.execute(insert(Delivery), rows)
        now = rows[0]["due_at"]
        connection.execute(
            insert(Answer),
            [
                {
                    "team_id": T,
                    "delivery_id": first + i + 1,
                    "member_id": row["member_id"],
                    "text": "A reflection",
                    "ratings": ratings[row["step_id"]],
                    "consent_to_quote": i % 7 == 0,
                    "source": "modal",
                    "created_at": now,
                    "updated_at": now,
                }
                for i, row in enumerate(rows)
            ],
        )
    return len(rows)


def measure(engine: Engine, samples: int) -> tuple[list[float], list[float]]:
    programme = default_programme()
    final = next(step for step in programme.steps if step.period == "follow-up")
    policy = PrivacyPolicy()
    now = datetime(2027, 7, 1, tzinfo=UTC)
    with Session(engine) as session:
        cohort_ids = list(session.exec(select(Cohort.id).order_by(col(Cohort.id))))
        chosen = [cohort_ids[i * len(cohort_ids) // samples] for i in range(samples)]
        baseline, summary = [], []
        for cohort_id in chosen:
            cohort = session.get(Cohort, cohort_id)
            started = time.perf_counter()
            session.exec(
                select(func.count())
                .select_from(Answer)
                .join(Delivery, col(Delivery.id) == col(Answer.delivery_id))
                .where(Delivery.cohort_id == cohort_id)
            ).one()
            baseline.append(time.perf_counter() - started)
            started = time.perf_counter()
            compute_summary(session, cohort, final, policy=policy, now=now)
            summary.append(time.perf_counter() - started)
    return baseline, summary


def run(label: str, url: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    populate(engine, args.cohorts, args.answers)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT COUNT(*) FROM answer")).scalar_one()
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    print(f"{label}: {count:,} answers in {args.cohorts:,} cohorts, loaded in {time.perf_counter() - started:.0f} s")
    baseline, summary = measure(engine, args.samples)
    print(f"  baseline (count the cohort's answers): median {statistics.median(baseline) * 1000:7.1f} ms")
    print(
        f"  compute_summary (follow-up period):    median {statistics.median(summary) * 1000:7.1f} ms, "
        f"max {max(summary) * 1000:7.1f} ms  (aim < 200 ms)"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--cohorts", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL; a throw-away database is made on it")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for label, server in (("SQLite", None), ("PostgreSQL", args.postgres or None)):
        if label == "SQLite" or server:
            with database(server) as url:
                run(label, url, args)


if __name__ == "__main__":
    main()
