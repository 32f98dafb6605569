"""APScheduler wiring: the stored jobs, and which process runs them.

Jobs are stored in the application database (`SQLAlchemyJobStore`, table `apscheduler_jobs`, which Alembic
ignores), with explicit ids and `replace_existing=True`, so a restart neither duplicates nor loses them, and a run
missed while no process was up is made up once (`coalesce`) if it is not older than its `misfire_grace_time`.

APScheduler 3 wants one process to own a job store. Every process that runs the scheduler (`run`, each `worker`)
therefore asks for a leader lock — a PostgreSQL advisory lock held on its own connection, or an exclusive file lock
beside an SQLite database — every few seconds: the holder runs the stored jobs; the others stand by and only send
due prompts (claims are atomic, so two senders never send the same prompt). When the leader dies its lock goes
with it, and a standby takes over within `ELECT_EVERY` seconds.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from bot.settings import Settings
from schedules import jobs
from storage import worker_beats

log = logging.getLogger(__name__)

STORED = "database"  # the database job store: only the leader has it
LOCAL = "default"  # the in-memory store every process has: the election, and a standby's sending
ELECTION = "election"  # the executor of the election alone
SEND_EVERY = 15  # seconds
ELECT_EVERY = 10  # seconds
JOB_DEFAULTS = {"misfire_grace_time": 60, "coalesce": True, "max_instances": 1}
LOCK_KEY = 0x4D454E544F5249  # "MENTORI": the advisory lock's key


def stored_jobs() -> list[dict[str, Any]]:
    """The jobs the leader keeps in the database, as keyword arguments of `add_job`."""
    return [
        {"id": "send_due", "func": jobs.send_due, "trigger": IntervalTrigger(seconds=SEND_EVERY),
         "next_run_time": datetime.now(UTC), "misfire_grace_time": 30},
        {"id": "remind", "func": jobs.remind, "trigger": CronTrigger(minute=0, timezone=UTC),
         "misfire_grace_time": 30 * 60},
        {"id": "refresh_timezones", "func": jobs.refresh_timezones,
         "trigger": CronTrigger(hour=2, minute=30, timezone=UTC), "misfire_grace_time": 6 * 3600},
        {"id": "end_pauses", "func": jobs.end_pauses, "trigger": CronTrigger(minute=5, timezone=UTC),
         "misfire_grace_time": 30 * 60},
        {"id": "post_summaries", "func": jobs.post_summaries, "trigger": CronTrigger(minute="*/15", timezone=UTC),
         "misfire_grace_time": 15 * 60},
        {"id": "purge_expired", "func": jobs.purge_expired, "trigger": CronTrigger(hour=3, minute=15, timezone=UTC),
         "misfire_grace_time": 6 * 3600},
    ]  # fmt: skip


class LeaderLock:
    """At most one holder per database: a PostgreSQL advisory lock, or a file lock beside an SQLite file."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._fd: int | None = None
        self._free = False  # an in-memory SQLite database: nobody else can share it

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; True when this process holds it now."""
        if self.held():
            return True
        if self.engine.dialect.name == "postgresql":
            return self._advisory()
        path = make_url(str(self.engine.url)).database
        if not path or path == ":memory:":
            self._free = True
            return True
        fd = os.open(f"{Path(path).resolve()}.scheduler.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _advisory(self) -> bool:
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception as error:
            log.warning("leader election: the database does not answer (%s)", error.__class__.__name__)
            return False
        try:
            if connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar():
                self._connection = connection
                return True
        except Exception as error:
            log.warning("leader election failed: %s", error.__class__.__name__)
        connection.close()
        return False

    def held(self) -> bool:
        """Whether this process still holds the lock (an advisory lock dies with its connection)."""
        if self._free or self._fd is not None:
            return True
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except Exception:
            self._drop_connection()
            return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            except Exception as error:
                log.debug("advisory unlock failed: %s", error.__class__.__name__)
            self._drop_connection()
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        self._free = False

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception as error:
                log.debug("closing the lock's connection failed: %s", error.__class__.__name__)


class SchedulerService:
    """The BackgroundScheduler of one process, leading (stored jobs) or standing by (sending only)."""

    def __init__(self, context: jobs.JobContext, *, elect_every: float = ELECT_EVERY) -> None:
        self.context = context
        self.lock = LeaderLock(context.engine)
        self.elect_every = elect_every
        self.leader = False
        self._guard = threading.Lock()
        self.scheduler = BackgroundScheduler(
            jobstores={LOCAL: MemoryJobStore()},
            # The election (and the heartbeat) has a thread of its own: long jobs must not make a live leader
            # look dead.
            executors={"default": ThreadPoolExecutor(max_workers=4), ELECTION: ThreadPoolExecutor(max_workers=1)},
            job_defaults=dict(JOB_DEFAULTS),
            timezone=UTC,
        )

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self) -> SchedulerService:
        """Register the job context, start the scheduler and hold the first election at once."""
        jobs.register(self.context)
        self.scheduler.start()
        self.elect()
        self.scheduler.add_job(
            self.elect,
            IntervalTrigger(seconds=self.elect_every),
            id="elect",
            jobstore=LOCAL,
            executor=ELECTION,
            replace_existing=True,
            misfire_grace_time=None,
        )
        log.info("scheduler started as %s (%s)", "leader" if self.leader else "standby", self.context.worker)
        return self

    def elect(self) -> None:
        """Lead if the lock is free; step down if it was lost; then tell the others this process is alive."""
        with self._guard:
            self._hold_election()
        self._beat()

    def _beat(self) -> None:
        try:  # wall-clock time: a heartbeat is about the process, not the programme's (test) clock
            worker_beats.beat(self.context.engine, self.context.worker, leader=self.leader, now=datetime.now(UTC))
        except Exception as error:
            log.warning("writing this worker's heartbeat failed: %s", error.__class__.__name__)

    def _hold_election(self) -> None:
        if self.leader and not self.lock.held():
            log.warning("scheduler lost the leader lock; standing by")
            self._stand_by()
        elif not self.leader and self.lock.acquire():
            self._lead()
        elif not self.leader and self.scheduler.get_job("send_due.standby") is None:
            self.scheduler.add_job(
                jobs.send_due,
                IntervalTrigger(seconds=SEND_EVERY),
                id="send_due.standby",
                jobstore=LOCAL,
                replace_existing=True,
                next_run_time=datetime.now(UTC),
            )

    def _lead(self) -> None:
        if self.scheduler.get_job("send_due.standby") is not None:
            self.scheduler.remove_job("send_due.standby", jobstore=LOCAL)
        self.scheduler.pause()  # the stored jobs are replaced before any of the old ones can run
        try:
            store = SQLAlchemyJobStore(engine=self.context.engine)
            self.scheduler.add_jobstore(store, STORED)
            for spec in stored_jobs():
                self.scheduler.add_job(jobstore=STORED, replace_existing=True, **_keeping_its_place(store, spec))
        finally:
            self.scheduler.resume()
        self.leader = True
        log.info("this worker now leads the scheduler (%s)", self.context.worker)

    def _stand_by(self) -> None:
        self.scheduler.remove_jobstore(STORED, shutdown=False)
        self.leader = False
        self.scheduler.add_job(
            jobs.send_due,
            IntervalTrigger(seconds=SEND_EVERY),
            id="send_due.standby",
            jobstore=LOCAL,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )

    def stop(self) -> None:
        """Finish the jobs running now (the sender gives back what it has not started), then let go of the lock."""
        self.context.stop.set()
        if self.scheduler.running:
            if self.leader:
                self.scheduler.remove_jobstore(STORED, shutdown=False)  # keep the shared engine open
            self.scheduler.shutdown(wait=True)
        self.lock.release()
        self.leader = False
        try:
            worker_beats.stopped(self.context.engine, self.context.worker)
        except Exception as error:
            log.debug("removing this worker's heartbeat failed: %s", error.__class__.__name__)
        jobs.unregister()
        log.info("scheduler stopped (%s)", self.context.worker)


def _keeping_its_place(store: SQLAlchemyJobStore, spec: dict[str, Any]) -> dict[str, Any]:
    """A stored job whose schedule is unchanged keeps its next run time, even one that passed while no leader
    was up: replacing it would compute the next run from now and silently skip the missed one, which the
    scheduler otherwise makes up once within its grace time."""
    if "next_run_time" in spec:
        return spec
    try:
        stored = store.lookup_job(spec["id"])
    except Exception as error:  # a job stored by an older version that no longer loads
        log.warning("stored job %s could not be read (%s); rescheduling it", spec["id"], error.__class__.__name__)
        return spec
    if stored is None or stored.next_run_time is None or str(stored.trigger) != str(spec["trigger"]):
        return spec
    return {**spec, "next_run_time": stored.next_run_time}


_service: SchedulerService | None = None


def start_scheduler(
    settings: Settings, engine: Engine, *, concurrency: int = jobs.SEND_CONCURRENCY
) -> SchedulerService:
    """Build this process's job context and start its scheduler (one per process)."""
    global _service
    _service = SchedulerService(jobs.build_context(settings, engine, concurrency=concurrency)).start()
    return _service


def current_service() -> SchedulerService | None:
    """The scheduler this process started, if any (for /healthz)."""
    return _service


def stop_scheduler() -> None:
    global _service
    if _service is not None:
        _service.stop()
        _service = None
