"""Dashboard pages among 1,000,000 stored answers in 1,000 cohorts, on SQLite and PostgreSQL.

Each sampled cohort gets a coach and an HR contact, and its summaries stored period by period as the scheduler
leaves them. Signed-in coaches and HR then open their pages through the whole WSGI app (routing, session cookie,
queries, templates): the coach's cohort page, HR's organisation page and its CSV, and the start page. Baseline,
in the same run: the sign-in page, which renders a template and reads nothing. Also reported: how busy the
machine was (load average, and the share of CPU time not idle while measuring). Usage:
  python bench/dashboard.py [--answers 1000000] [--cohorts 1000] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from bench._support import database, machine, percentile
from bench.summary import populate
from bot.dashboard.mount import LazyDashboard
from bot.deps import Deps
from bot.privacy import PrivacyPolicy
from bot.programmes import default_programme
from bot.programmes.timeline import step_moment
from bot.settings import Settings
from bot.summaries.periods import summary_steps
from bot.summaries.store import ensure_summary
from storage.db import make_engine, session_scope, upgrade
from storage.models import Cohort, Member, Organisation, ProgrammeSession, Role
from tests.support.dashboard import DashboardClient, dashboard_settings
from tests.support.fake_slack import FakeSlack

AIM_MS = 100.0


def prepare(engine: Engine, samples: int) -> tuple[list[tuple[int, int, str, str]], datetime]:
    """A coach and an HR contact for `samples` cohorts, whose summaries are stored period by period."""
    policy = PrivacyPolicy()
    chosen: list[tuple[int, int, str, str]] = []
    last = datetime(2027, 1, 1, tzinfo=UTC)
    with Session(engine) as session:
        cohort_ids = list(session.exec(select(Cohort.id).order_by(col(Cohort.id))))
    for index in range(samples):
        cohort_id = int(cohort_ids[index * len(cohort_ids) // samples] or 0)
        coach, hr = f"UCOACH{index:03d}", f"UHR{index:03d}"
        with session_scope(engine) as session:
            cohort = session.get(Cohort, cohort_id)
            assert cohort is not None
            organisation = session.exec(select(Organisation).where(Organisation.cohort_id == cohort_id)).first()
            assert organisation is not None
            session.add(Member(team_id=cohort.team_id, cohort_id=cohort_id, user_id=coach, role=Role.COACH))
            session.add(
                Member(
                    team_id=cohort.team_id,
                    cohort_id=cohort_id,
                    user_id=hr,
                    role=Role.HR,
                    organisation_id=organisation.id,
                )
            )
            dates = {
                row.number: row.date
                for row in session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort_id))
            }
            organisation_id = int(organisation.id or 0)
        for step in summary_steps(default_programme()):
            at = step_moment(step, dates, "Europe/Helsinki").astimezone(UTC) + timedelta(hours=1)
            ensure_summary(engine, cohort_id, policy=policy, now=at)
            last = max(last, at)
        chosen.append((cohort_id, organisation_id, coach, hr))
    return chosen, last + timedelta(days=1)


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def timed(requests: int, call: Callable[[int], int]) -> list[float]:
    latencies = []
    for n in range(requests):
        started = time.perf_counter()
        status = call(n)
        latencies.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"a page answered {status}")
    return latencies


def run(label: str, url: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    populate(engine, args.cohorts, args.answers)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT COUNT(*) FROM answer")).scalar_one()
    chosen, now = prepare(engine, args.samples)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    print(f"{label}: {count:,} answers in {args.cohorts:,} cohorts, loaded in {time.perf_counter() - started:.0f} s")
    with FakeSlack() as fake:
        for _, _, coach, hr in chosen:
            fake.add_user(coach, name=f"Coach {coach[-3:]}", locale="en-GB")
            fake.add_user(hr, name=f"HR {hr[-3:]}", locale="en-GB")
        settings = Settings(
            slack_bot_token="xoxb-test",
            slack_signing_secret="bench",
            slack_api_url=fake.url,
            database_url=url,
            language="en",
        )
        deps = Deps(settings=dashboard_settings(settings, fake), engine=engine, now=lambda: now)
        app = LazyDashboard(deps)
        coaches, hrs = [], []
        for _, _, coach, hr in chosen:
            for user, clients in ((coach, coaches), (hr, hrs)):
                client = DashboardClient(app, fake)
                client.sign_in(user)
                clients.append(client)
        signed_out = DashboardClient(app, fake)
        n = len(chosen)

        def page(clients: list[DashboardClient], path: Callable[[int], str]) -> Callable[[int], int]:
            return lambda i: clients[i % n].get(path(i % n)).status_code

        pages = {
            "sign-in page (baseline, no data)": lambda i: signed_out.get("/dashboard").status_code,
            "start page, coach": page(coaches, lambda i: "/dashboard"),
            "cohort page, coach": page(coaches, lambda i: f"/dashboard/cohorts/{chosen[i][0]}"),
            "organisation page, HR": page(
                hrs, lambda i: f"/dashboard/cohorts/{chosen[i][0]}/organisations/{chosen[i][1]}"
            ),
            "CSV export, HR": page(
                hrs, lambda i: f"/dashboard/cohorts/{chosen[i][0]}/organisations/{chosen[i][1]}/follow-up.csv"
            ),
        }
        for call in pages.values():
            timed(n, call)  # warm-up: every client once
        load_before = os.getloadavg()[0]
        busy0, total0 = cpu_times()
        results = {name: timed(args.requests, call) for name, call in pages.items()}
        busy1, total1 = cpu_times()
        load_after = os.getloadavg()[0]
    busy = 100 * (busy1 - busy0) / max(1, total1 - total0)
    print(
        f"  machine while measuring: load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} CPUs, "
        f"CPU busy {busy:.0f} % (this benchmark uses at most one)"
    )
    worst = 0.0
    for name, values in results.items():
        p50, p95, p99 = (percentile(values, p) * 1000 for p in (50, 95, 99))
        print(f"  {name:34s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  ({len(values)} requests)")
        if not name.startswith("sign-in"):
            worst = max(worst, p95)
    print(f"  slowest page p95: {worst:.1f} ms (aim < {AIM_MS:.0f} ms): {'met' if worst < AIM_MS else 'NOT met'}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--cohorts", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=20, help="cohorts with a signed-in coach and HR contact")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL; a throw-away database is made on it")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for label, server in (("SQLite", None), ("PostgreSQL", args.postgres or None)):
        if label == "SQLite" or server:
            with database(server) as url:
                run(label, url, args)


if __name__ == "__main__":
    main()
