"""The outbox sender: one sender, one retry policy, for every message Mentori sends.

One run (`Sender.run`, the `send_due` job) goes through its sources in turn — prompts (schedules.prompt_source),
then every other message (schedules.message_source) — and for each:

1. triage settles due rows that must not go out now (too late, outside working hours, a mentor gone);
2. the coordinator (this thread) claims due rows in small batches, builds each message from the database, and hands
   them to a pool of `concurrency` threads that only talk to Slack (schedules.slack_steps); outcomes come back and
   are stored in batches;
3. a transient Slack error (429 with its Retry-After, 5xx, timeout, dropped connection) puts the row back on a delay
   queue — the thread moves on meanwhile — and a permanent one marks it failed; a refused token pauses the whole
   workspace (schedules.pauses) and gives its rows back untouched;
4. a row whose post may have gone through is looked for in Slack before it is sent again, so nothing is posted twice.
   For that reason the sending client has no retry handlers of its own: every retry passes here.

A row still not sent after `budget` seconds or `max_failures` transient errors is given back to the outbox (status
planned) for the next run, long before its lease could expire under a live sender. A message that reached Slack
while its person was being erased (the row was cancelled or deleted meanwhile) is deleted from Slack at once.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.outbox import plan_deletions
from bot.settings import DEFAULTS
from bot.slack_api import SlackFailure, sending_copy
from schedules import pauses
from schedules.claims import LEASE, Outcome, Scope
from schedules.delay_queue import DelayQueue, ticks
from schedules.message_source import MessageSource
from schedules.outbox import Triage
from schedules.prompt_source import PromptSource
from schedules.slack_steps import Task, advance
from storage.db import session_scope
from storage.models import DeliveryStatus

log = logging.getLogger(__name__)

FLUSH_EVERY = 0.25  # seconds between writes of finished outcomes
FLUSH_SIZE = 200
NOW_BUDGET = 15.0  # seconds a listener waits for its messages; what is not sent by then, the scheduler sends


class Source(Protocol):
    """One outbox table as the sender sees it."""

    name: str

    def triage(self, session: Session, now: datetime) -> Triage: ...
    def claim(
        self, engine: Engine, *, worker: str, now: datetime, limit: int, lease: timedelta, paused: frozenset[str]
    ) -> Sequence[Any]: ...
    def prepare(self, engine: Engine, claimed: Sequence[Any], moment: datetime) -> tuple[list[Task], list[Outcome]]: ...
    def record(self, engine: Engine, outcomes: Sequence[Outcome], *, worker: str, now: datetime) -> list[Outcome]: ...


@dataclass
class SendReport:
    """What one run did."""

    claimed: int = 0
    sent: int = 0
    found: int = 0  # already in Slack (a retry or a takeover), recorded without posting again
    failed: int = 0
    late: int = 0
    released: int = 0
    cancelled: int = 0
    retries: int = 0
    erased: int = 0  # reached Slack while its person was erased: deleted again
    paused: set[str] = field(default_factory=set)
    triage: Triage = field(default_factory=Triage)
    seconds: float = 0.0

    def count(self, outcome: Outcome, *, found: bool = False) -> None:
        if outcome.status == DeliveryStatus.SENT:
            self.sent += 1
            self.found += int(found)
        elif outcome.status == DeliveryStatus.FAILED:
            self.failed += 1
        elif outcome.status == DeliveryStatus.SKIPPED:
            self.late += 1
        elif outcome.status == DeliveryStatus.PLANNED:
            self.released += 1
        elif outcome.status == DeliveryStatus.CANCELLED:
            self.cancelled += 1

    def add_triage(self, triage: Triage) -> None:
        for name in ("late", "deferred", "replanned", "cancelled"):
            setattr(self.triage, name, getattr(self.triage, name) + getattr(triage, name))


def everything() -> list[Source]:
    """Every outbox table: prompts first (the big fan-outs), then every other message."""
    return [PromptSource(), MessageSource()]


def only_messages(ids: Sequence[int]) -> list[Source]:
    """Just these outbox messages (sent at once by the listener that enqueued them)."""
    return [MessageSource(Scope(ids=list(ids)))]


class Sender:
    """Sends what is due now, with `concurrency` threads talking to Slack."""

    def __init__(
        self,
        *,
        engine: Engine,
        client_for: Callable[[str], WebClient],
        now: Callable[[], datetime],
        worker: str,
        concurrency: int = 16,
        batch: int | None = None,
        stop: threading.Event | None = None,
        lease: Any = LEASE,
        budget: float = 60.0,
        max_failures: int = 6,
        settle: float = 5.0,
        sources: Sequence[Source] | None = None,
        language: str = DEFAULTS.language,
    ) -> None:
        self.engine, self.client_for, self.now, self.worker = engine, client_for, now, worker
        self.language = language  # MENTORI_LANG: for whom Mentori knows no language of their own
        self.concurrency = max(1, concurrency)
        self.batch = batch or self.concurrency * 4
        self.stop = stop or threading.Event()
        self.lease, self.budget, self.max_failures, self.settle = lease, budget, max_failures, settle
        self.sources = list(sources) if sources is not None else everything()
        self._broken: dict[str, str] = {}  # team id → the token error seen in this run
        self._teams: dict[tuple[str | None, str | None], str] = {}  # (channel, ts) posted → team id
        self._random = random.Random()

    def run(self) -> SendReport:
        """Triage, then claim and send until nothing due is left (or the process is stopping), source by source."""
        started = ticks()
        report = SendReport()
        moment = self.now()
        paused = pauses.paused_teams(self.engine, self.client_for, moment, language=self.language)
        for source in self.sources:
            with session_scope(self.engine) as session:
                report.add_triage(source.triage(session, moment))
            self._send(source, moment, paused | frozenset(self._broken), report)
        for team_id, cause in self._broken.items():
            pauses.pause(self.engine, team_id, cause, self.now())
        report.paused = set(paused) | set(self._broken)
        report.seconds = ticks() - started
        return report

    def _send(self, source: Source, moment: datetime, paused: frozenset[str], report: SendReport) -> None:
        """Claim, prepare and hand out rows of one source until none is due; store outcomes as they come."""
        tasks: DelayQueue[Task] = DelayQueue()
        results: queue.SimpleQueue[tuple[Outcome, bool]] = queue.SimpleQueue()
        threads: list[threading.Thread] = []
        finished: list[Outcome] = []
        outstanding, exhausted, last_flush = 0, False, ticks()
        try:
            while True:
                if self.stop.is_set() and not exhausted:
                    exhausted = True
                    for task in tasks.close():
                        results.put((task.give_back("stopped"), False))
                if not exhausted and outstanding < self.concurrency * 2:
                    claimed = source.claim(
                        self.engine, worker=self.worker, now=moment, limit=self.batch, lease=self.lease, paused=paused
                    )
                    if not claimed:
                        exhausted = True
                    else:
                        report.claimed += len(claimed)
                        outstanding += len(claimed)
                        threads = threads or self._start_threads(tasks, results, report)
                        self._hand_out(source, claimed, moment, tasks, results)
                try:
                    outcome, found = results.get(timeout=0.05 if exhausted or outstanding >= self.concurrency else 0)
                    finished.append(outcome)
                    report.count(outcome, found=found)
                    outstanding -= 1
                except queue.Empty:
                    pass
                due_flush = finished and (len(finished) >= FLUSH_SIZE or ticks() - last_flush >= FLUSH_EVERY)
                if due_flush or (finished and exhausted and outstanding == 0):
                    self._store(source, finished, report)
                    finished, last_flush = [], ticks()
                if exhausted and outstanding == 0:
                    break
        finally:  # also when the database fails mid-run: no thread is left waiting; claims expire and are retaken
            tasks.close()
            for thread in threads:
                thread.join()

    def _hand_out(
        self,
        source: Source,
        claimed: Sequence[Any],
        moment: datetime,
        tasks: DelayQueue[Task],
        results: queue.SimpleQueue[tuple[Outcome, bool]],
    ) -> None:
        ready, settled = source.prepare(self.engine, claimed, moment)
        for outcome in settled:
            results.put((outcome, False))
        for task in ready:
            if not tasks.put(task):
                results.put((task.give_back("stopped"), False))

    def _store(self, source: Source, finished: list[Outcome], report: SendReport) -> None:
        """Record outcomes; a message whose row was erased meanwhile is deleted from Slack straight away."""
        orphans = source.record(self.engine, finished, worker=self.worker, now=self.now())
        if not orphans:
            return
        now = self.now()
        with session_scope(self.engine) as session:
            for outcome in orphans:
                if outcome.channel_id and outcome.message_ts:
                    plan_deletions(session, self._team_of(outcome), [(outcome.channel_id, outcome.message_ts)], now=now)
                    report.erased += 1

    def _team_of(self, outcome: Outcome) -> str:
        return self._teams.get((outcome.channel_id, outcome.message_ts), "")

    # -- talking to Slack (pool threads, no database) ---------------------------------------------------------------

    def _start_threads(
        self, tasks: DelayQueue[Task], results: queue.SimpleQueue[tuple[Outcome, bool]], report: SendReport
    ) -> list[threading.Thread]:
        lock = threading.Lock()

        def work() -> None:
            while (task := tasks.get()) is not None:
                try:
                    step = self._advance(task)
                except Exception:
                    log.exception("sending outbox row %s failed unexpectedly", task.row_id)
                    step = task.give_back("internal")
                if isinstance(step, float):
                    with lock:
                        report.retries += 1
                    if tasks.put(task, step):
                        continue
                    step = task.give_back("stopped")
                outcome, found = step if isinstance(step, tuple) else (step, False)
                results.put((outcome, found))

        threads = [threading.Thread(target=work, name=f"sender-{n}", daemon=True) for n in range(self.concurrency)]
        for thread in threads:
            thread.start()
        return threads

    def _advance(self, task: Task) -> Outcome | tuple[Outcome, bool] | float:
        """Do the next Slack calls for `task`: an outcome, or a delay after which to try again."""
        if task.team_id in self._broken:
            return task.give_back(self._broken[task.team_id])
        try:
            client = self._client(task.team_id)
            step = advance(task, client, self.now())
        except SlackFailure as failure:
            return self._after(task, failure)
        outcome = step[0] if isinstance(step, tuple) else step
        if outcome.status == DeliveryStatus.SENT and outcome.message_ts:
            self._teams[(outcome.channel_id, outcome.message_ts)] = task.team_id
        return step

    def _client(self, team_id: str) -> WebClient:
        try:
            return self.client_for(team_id)
        except LookupError:  # bot.workspaces.NotInstalled
            raise SlackFailure("not_installed", transient=False) from None

    def _after(self, task: Task, failure: SlackFailure) -> Outcome | float:
        """A refused token pauses the workspace; a permanent failure fails the row; a transient one waits, unless
        the run's patience is used up. A request that may have gone through makes the next try look first — not
        at once, since a request that timed out may still be on its way through Slack."""
        if failure.token:
            self._broken.setdefault(task.team_id, failure.code)
            return task.give_back(failure.code)
        if not failure.transient:
            return Outcome(task.row_id, DeliveryStatus.FAILED, error=failure.code, channel_id=task.channel)
        task.failures += 1
        delay = failure.retry_after if failure.retry_after is not None else self._backoff(task.failures)
        if failure.maybe_done and task.action != "delete":
            task.check = True
            delay = max(delay, self.settle)
        spent = ticks() - task.claimed_tick
        if self.stop.is_set() or task.failures > self.max_failures or spent + delay > self.budget:
            return task.give_back(failure.code)
        return delay

    def _backoff(self, failures: int) -> float:
        return min(30.0, 0.5 * 2.0 ** (failures - 1)) * self._random.uniform(0.8, 1.2)


def send_now(
    engine: Engine,
    client: WebClient,
    ids: Sequence[int],
    *,
    now: Callable[[], datetime],
    language: str = DEFAULTS.language,
) -> SendReport:
    """Send the outbox messages `ids` at once with a listener's workspace client (see bot.outbox)."""
    sending = sending_copy(client)
    worker = f"now:{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    sender = Sender(
        engine=engine,
        client_for=lambda _team: sending,
        now=now,
        worker=worker,
        concurrency=4,
        budget=NOW_BUDGET,
        sources=only_messages(ids),
        language=language,
    )
    return sender.run()
