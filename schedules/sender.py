"""The outbox sender: claim due deliveries, open each mentor's DM, post the prompt, record channel and ts.

One run (`Sender.run`, the `send_due` job) works like this:

1. triage (schedules.outbox.triage_due) settles due rows that must not go out now;
2. a coordinator thread claims due rows in small batches, builds each prompt from the database, and hands them to
   a pool of `concurrency` threads that only talk to Slack; outcomes come back and are stored in batches;
3. a transient Slack error (429 with its Retry-After, 5xx, timeout, dropped connection) puts the delivery back on a
   delay queue — the thread moves on to the next mentor meanwhile — and a permanent one marks it failed;
4. a delivery whose post may have gone through (timeout, 5xx) or that was claimed before (its sender died) is looked
   up in the DM first (`conversations.history`, by the delivery id in the message metadata), so a prompt is never
   posted twice. For that reason the posting client has no retry handlers of its own: every retry passes here.

A delivery still not sent after `budget` seconds or `max_failures` transient errors is given back to the outbox
(status planned) for the next run, long before its lease could expire under a live sender.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.error import URLError
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.blocks.kickoff import kickoff_message
from bot.blocks.prompt import Place, kickoff_prompt, metadata_delivery_id, prompt_message
from bot.kickoff import kickoff_context
from bot.planning import mentor_context, session_dates
from bot.programmes import Programme, Step, programme_by_id
from bot.programmes.render import StepContext, fill
from bot.work_calendar import WorkPolicy, next_slot
from schedules.outbox import (
    LATE,
    LEASE,
    Claim,
    Outcome,
    Triage,
    by_id,
    claim_due,
    grace,
    known_channels,
    reachable,
    record,
    triage_due,
)
from storage.db import session_scope
from storage.models import (
    Cohort,
    Delivery,
    DeliveryStatus,
    Experiment,
    ExperimentStatus,
    Goal,
    Member,
)

log = logging.getLogger(__name__)

# Slack errors worth trying again; anything else Slack refuses is permanent for this delivery.
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                              "request_timeout", "timeout", "connection_error", "bad_response"})  # fmt: skip
# Errors about Mentori's token or installation rather than one mentor: every prompt of the workspace would fail.
WORKSPACE_ERRORS = frozenset({"not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired",
                              "missing_scope", "no_permission", "not_allowed_token_type", "team_access_not_granted",
                              "ekm_access_denied", "org_login_required", "not_installed"})  # fmt: skip
HISTORY_LIMIT = 20
MAX_RETRY_AFTER = 120.0
FLUSH_EVERY = 0.25  # seconds between writes of finished outcomes
FLUSH_SIZE = 200


def ticks() -> float:
    """Seconds on a monotonic clock."""
    # CLOCK_MONOTONIC read directly: freezegun freezes time.monotonic, and a retry must wait real seconds even
    # while a test has frozen the calendar clock.
    return time.clock_gettime(time.CLOCK_MONOTONIC)


# -- talking to Slack ----------------------------------------------------------------------------------------------


class SlackFailure(Exception):
    """A Web API call that did not succeed, classified for the retry decision."""

    def __init__(self, code: str, *, transient: bool, maybe_done: bool = False, retry_after: float | None = None):
        super().__init__(code)
        self.code, self.transient, self.maybe_done, self.retry_after = code, transient, maybe_done, retry_after


def call(method: Callable[..., Any], **arguments: Any) -> Any:
    """Call one Web API method; a failure comes out as a SlackFailure."""
    try:
        return method(**arguments)
    except SlackApiError as error:
        raise classify(error) from None
    except TimeoutError:
        raise SlackFailure("timeout", transient=True, maybe_done=True) from None
    except URLError as error:
        timed_out = isinstance(error.reason, TimeoutError)
        refused = isinstance(error.reason, ConnectionRefusedError)
        raise SlackFailure("timeout" if timed_out else "connection_error", transient=True,
                           maybe_done=not refused) from None  # fmt: skip
    except OSError:
        raise SlackFailure("connection_error", transient=True, maybe_done=True) from None
    except ValueError:  # a body that is not JSON: a proxy's or load balancer's error page
        raise SlackFailure("bad_response", transient=True, maybe_done=True) from None


def classify(error: SlackApiError) -> SlackFailure:
    """A SlackApiError as transient (429, 5xx, Slack's own trouble) or permanent (everything Slack refused)."""
    response = error.response
    status = getattr(response, "status_code", 200)
    code = str(response.get("error") or f"http_{status}") if response is not None else "unknown"
    if status == 429:
        return SlackFailure("ratelimited", transient=True, retry_after=_retry_after(response))
    if status >= 500:
        return SlackFailure(code, transient=True, maybe_done=True)
    if code in TRANSIENT_ERRORS:
        return SlackFailure(code, transient=True, maybe_done=code != "ratelimited")
    return SlackFailure(code, transient=False)


def _retry_after(response: Any) -> float:
    headers = getattr(response, "headers", None) or {}
    raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
    if isinstance(raw, list):
        raw = raw[0] if raw else "1"
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(raw)))
    except ValueError:
        return 1.0


def open_dm(client: WebClient, user_id: str) -> str:
    """The id of the DM between the bot and `user_id` (conversations.open)."""
    return str(call(client.conversations_open, users=user_id)["channel"]["id"])


def find_posted(client: WebClient, channel: str, delivery_id: int) -> str | None:
    """The ts of the prompt for `delivery_id` if it is among the DM's newest messages, else None."""
    response = call(client.conversations_history, channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True)
    for message in response.get("messages") or []:
        if metadata_delivery_id(message) == delivery_id:
            return str(message["ts"])
    return None


# -- one delivery on its way -------------------------------------------------------------------------------------------


@dataclass
class Task:
    """A claimed delivery with its message, moving through open → (look in the DM) → post."""

    claim: Claim
    user_id: str
    message: dict[str, Any]
    channel: str | None
    check: bool  # look in the DM before posting: it may be there already
    late: bool = False  # for a claim taken over from another sender: past its grace now
    off_hours: bool = False  # … or outside the mentor's working hours now
    claimed_tick: float = field(default_factory=ticks)
    failures: int = 0

    def give_back(self, error: str | None) -> Outcome:
        """Back to the outbox for the next run, remembering whether the DM must be looked at first."""
        return Outcome(self.claim.id, DeliveryStatus.PLANNED, error=error, keep_claim=self.check)


class DelayQueue:
    """Tasks that become ready at a monotonic moment; the earliest ready one is handed out first."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Task]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._closed = False

    def put(self, task: Task, delay: float = 0.0) -> bool:
        """Queue `task` to be ready after `delay` seconds; False once the queue is closed."""
        with self._cond:
            if self._closed:
                return False
            heapq.heappush(self._heap, (ticks() + delay, next(self._order), task))
            self._cond.notify()
            return True

    def get(self) -> Task | None:
        """The next ready task, waiting as needed; None once the queue is closed."""
        with self._cond:
            while not self._closed:
                if self._heap:
                    wait = self._heap[0][0] - ticks()
                    if wait <= 0:
                        return heapq.heappop(self._heap)[2]
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def close(self) -> list[Task]:
        """Stop handing out tasks; returns those still waiting."""
        with self._cond:
            self._closed = True
            waiting = [entry[2] for entry in self._heap]
            self._heap.clear()
            self._cond.notify_all()
            return waiting


# -- the run -----------------------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    """What one run did."""

    claimed: int = 0
    sent: int = 0
    found: int = 0  # already in the DM (a retry or a takeover), recorded without posting again
    failed: int = 0
    late: int = 0
    released: int = 0
    cancelled: int = 0
    retries: int = 0
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
    ) -> None:
        self.engine, self.client_for, self.now, self.worker = engine, client_for, now, worker
        self.concurrency = max(1, concurrency)
        self.batch = batch or self.concurrency * 4
        self.stop = stop or threading.Event()
        self.lease, self.budget, self.max_failures, self.settle = lease, budget, max_failures, settle
        self._broken: dict[str, str] = {}  # team id → the workspace-wide error seen in this run
        self._random = random.Random()

    def run(self) -> SendReport:
        """Triage, then claim and send until nothing due is left (or the process is stopping)."""
        started = ticks()
        report = SendReport()
        moment = self.now()
        with session_scope(self.engine) as session:
            report.triage = triage_due(session, now=moment)
        tasks = DelayQueue()
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
                    claims = claim_due(self.engine, worker=self.worker, now=moment, limit=self.batch, lease=self.lease)
                    if not claims:
                        exhausted = True
                    else:
                        report.claimed += len(claims)
                        ready, settled = self._prepare(claims, moment)
                        for outcome in settled:
                            results.put((outcome, False))
                        outstanding += len(claims)
                        if not threads:
                            threads = self._start_threads(tasks, results, report)
                        for task in ready:
                            if not tasks.put(task):
                                results.put((task.give_back("stopped"), False))
                try:
                    outcome, found = results.get(timeout=0.05 if exhausted or outstanding >= self.concurrency else 0)
                    finished.append(outcome)
                    report.count(outcome, found=found)
                    outstanding -= 1
                except queue.Empty:
                    pass
                due_flush = finished and (len(finished) >= FLUSH_SIZE or ticks() - last_flush >= FLUSH_EVERY)
                if due_flush or (finished and exhausted and outstanding == 0):
                    record(self.engine, finished, worker=self.worker, now=self.now())
                    finished, last_flush = [], ticks()
                if exhausted and outstanding == 0:
                    break
        finally:  # also when the database fails mid-run: no thread is left waiting; claims expire and are retaken
            tasks.close()
            for thread in threads:
                thread.join()
        report.seconds = ticks() - started
        return report

    # -- building the prompts (coordinator thread, database only) ---------------------------------------------------

    def _prepare(self, claims: Sequence[Claim], moment: datetime) -> tuple[list[Task], list[Outcome]]:
        """Each claim's message, or its outcome when it cannot be sent (mentor gone, step unknown)."""
        ready: list[Task] = []
        settled: list[Outcome] = []
        with Session(self.engine) as session:
            cohorts = by_id(session, Cohort, (claim.cohort_id for claim in claims))
            members = by_id(session, Member, (claim.member_id for claim in claims))
            channels = known_channels(session, members)
            contexts = step_contexts(session, members.values(), now=moment)
            per_cohort: dict[int, tuple[Programme, dict[int, date], dict[int, WorkPolicy]]] = {}
            for cohort in cohorts.values():
                mine = [m for m in members.values() if m.cohort_id == cohort.id]
                per_cohort[cohort.id] = (  # type: ignore[index]
                    programme_by_id(cohort.programme),
                    session_dates(session, cohort.id),  # type: ignore[arg-type]
                    mentor_context(session, cohort, mine),
                )
            for claim in claims:
                cohort, member = cohorts.get(claim.cohort_id), members.get(claim.member_id)
                if not reachable(cohort, member):
                    settled.append(Outcome(claim.id, DeliveryStatus.CANCELLED))
                    continue
                assert cohort is not None and member is not None
                programme, dates, policies = per_cohort[claim.cohort_id]
                try:
                    step = programme.step(claim.step_id)
                except KeyError:  # the cohort's programme no longer has this step
                    settled.append(Outcome(claim.id, DeliveryStatus.FAILED, error="unknown_step"))
                    continue
                try:
                    language = member.language or cohort.language
                    message = self._message(session, claim, step, programme, dates, policies[claim.member_id],
                                            language, contexts.get(claim.member_id))  # fmt: skip
                except Exception:
                    log.exception("could not build the prompt of delivery %s", claim.id,
                                  extra={"delivery_id": claim.id})  # fmt: skip
                    settled.append(Outcome(claim.id, DeliveryStatus.PLANNED, error="internal",
                                           keep_claim=claim.check_first))  # fmt: skip
                    continue
                task = Task(claim, member.user_id, message, channels.get(claim.member_id), check=claim.check_first)
                if claim.check_first:
                    slot = next_slot(moment, policies[claim.member_id])
                    task.late = slot - next_slot(claim.not_before, policies[claim.member_id]) > grace(cohort)
                    task.off_hours = slot > moment
                ready.append(task)
        return ready, settled

    @staticmethod
    def _message(session: Session, claim: Claim, step: Step, programme: Programme, dates: dict[int, date],
                 policy: WorkPolicy, language: str, context: StepContext | None) -> dict[str, Any]:  # fmt: skip
        if step.kind == "kickoff":
            delivery = session.get(Delivery, claim.id)
            assert delivery is not None
            text, blocks = kickoff_message(programme, step, language,
                                           kickoff_context(session, delivery, programme, language))  # fmt: skip
            return kickoff_prompt(text, blocks, claim.id)
        question = fill(step, language, context or StepContext())
        local_due = claim.due_at.astimezone(ZoneInfo(policy.tz)).date()
        start = dates.get(claim.block)
        week = (local_due - start).days // 7 + 1 if start is not None else step.days // 7 + 1
        return prompt_message(step, language, question=question, place=Place(claim.block, week),
                              delivery_id=claim.id)  # fmt: skip

    # -- talking to Slack (pool threads, no database) ---------------------------------------------------------------

    def _start_threads(
        self, tasks: DelayQueue, results: queue.SimpleQueue[tuple[Outcome, bool]], report: SendReport
    ) -> list[threading.Thread]:
        lock = threading.Lock()

        def work() -> None:
            while (task := tasks.get()) is not None:
                try:
                    step = self._advance(task)
                except Exception:
                    log.exception("sending delivery %s failed unexpectedly", task.claim.id,
                                  extra={"delivery_id": task.claim.id})  # fmt: skip
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
        claim = task.claim
        broken = self._broken.get(claim.team_id)
        if broken:
            return Outcome(claim.id, DeliveryStatus.FAILED, error=broken, channel_id=task.channel)
        posting = False
        try:
            client = self._client(claim.team_id)
            if task.channel is None:
                task.channel = open_dm(client, task.user_id)
            if task.check:
                ts = find_posted(client, task.channel, claim.id)
                if ts is not None:
                    return Outcome(claim.id, DeliveryStatus.SENT, channel_id=task.channel, message_ts=ts), True
                task.check = False
                if task.late:
                    return Outcome(claim.id, DeliveryStatus.SKIPPED, error=LATE, channel_id=task.channel)
                if task.off_hours:
                    return task.give_back(None)
            posting = True
            response = call(client.chat_postMessage, channel=task.channel, **task.message)
            return Outcome(claim.id, DeliveryStatus.SENT, channel_id=str(response.get("channel") or task.channel),
                           message_ts=str(response["ts"]))  # fmt: skip
        except SlackFailure as failure:
            return self._after(task, failure, posted=posting and failure.maybe_done)

    def _client(self, team_id: str) -> WebClient:
        try:
            return self.client_for(team_id)
        except LookupError:  # bot.workspaces.NotInstalled
            raise SlackFailure("not_installed", transient=False) from None

    def _after(self, task: Task, failure: SlackFailure, *, posted: bool) -> Outcome | float:
        """A permanent failure fails the delivery; a transient one waits, unless the run's patience is used up.

        `posted`: the post may have gone through. Then the DM is looked at before posting again — not at once,
        since a request that timed out may still be on its way through Slack.
        """
        claim = task.claim
        if not failure.transient:
            if failure.code in WORKSPACE_ERRORS:
                self._broken.setdefault(claim.team_id, failure.code)
            return Outcome(claim.id, DeliveryStatus.FAILED, error=failure.code, channel_id=task.channel)
        task.failures += 1
        delay = failure.retry_after if failure.retry_after is not None else self._backoff(task.failures)
        if posted:
            task.check = True
            delay = max(delay, self.settle)
        spent = ticks() - task.claimed_tick
        if self.stop.is_set() or task.failures > self.max_failures or spent + delay > self.budget:
            return task.give_back(failure.code)
        return delay

    def _backoff(self, failures: int) -> float:
        return min(30.0, 0.5 * 2 ** (failures - 1)) * self._random.uniform(0.8, 1.2)


# -- the placeholders of many prompts at once ------------------------------------------------------------------------


def step_contexts(session: Session, members: Iterable[Member], *, now: datetime) -> dict[int, StepContext]:
    """Each mentor's placeholders: their organisation's first goal, their running (else newest planned) experiment,
    and how many weeks it has run — as bot.answers.step_context says it, for a whole batch in two queries."""
    members = list(members)
    organisations = sorted({m.organisation_id for m in members if m.organisation_id is not None})
    goals: dict[int, str] = {}
    if organisations:
        for organisation_id, text in session.exec(
            select(Goal.organisation_id, Goal.text)
            .where(col(Goal.organisation_id).in_(organisations))
            .order_by(col(Goal.organisation_id), col(Goal.position), col(Goal.id))
        ):
            goals.setdefault(organisation_id, text)
    experiments: dict[int, Experiment] = {}
    ids = [m.id for m in members if m.id is not None]
    if ids:
        rank = {ExperimentStatus.RUNNING: 0, ExperimentStatus.PLANNED: 1}
        found = session.exec(
            select(Experiment)
            .where(col(Experiment.member_id).in_(ids), col(Experiment.status).in_(list(rank)))
            .order_by(col(Experiment.updated_at).desc(), col(Experiment.id).desc())
        )
        for experiment in found:
            best = experiments.get(experiment.member_id)
            if best is None or rank[experiment.status] < rank[best.status]:  # type: ignore[index]
                experiments[experiment.member_id] = experiment
    contexts: dict[int, StepContext] = {}
    for member in members:
        experiment = experiments.get(member.id)  # type: ignore[arg-type]
        weeks = None
        if experiment is not None and experiment.started_at is not None:
            weeks = max(1, (now - experiment.started_at).days // 7)
        contexts[member.id] = StepContext(  # type: ignore[index]
            goal=goals.get(member.organisation_id) if member.organisation_id is not None else None,
            experiment=experiment.title if experiment else None,
            weeks=weeks,
        )
    return contexts
