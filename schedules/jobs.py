"""The scheduler's jobs: functions at module level taking plain values, so APScheduler stores them by reference.

A job needs the database, Slack clients and the clock. It does not receive them — a stored job must not hold
objects — but takes them from the process-wide `JobContext`, registered once when the process starts:

    from schedules import jobs
    jobs.register(jobs.build_context(settings, engine))   # schedules.scheduler.start_scheduler does this
    jobs.send_due()                                        # what the scheduler calls every 15 seconds

Tests register a context of their own (with the fake Slack's clients and a frozen clock) and call the jobs directly:
freezegun does not reach APScheduler's thread.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from bot import mentor_prefs, programme_store
from bot.blocks.pause import offer_for
from bot.blocks.summary_review import RENDERERS
from bot.cohorts import Invalid
from bot.deps import Deps
from bot.directory import FRESH_FOR, SlackDirectory, UnknownUser
from bot.mentor_prefs import mentor_memberships
from bot.outbox import plan_notice
from bot.people import language_of
from bot.planning import replan_member
from bot.privacy import PrivacyPolicy
from bot.retention import run_retention
from bot.settings import Settings
from bot.slack_api import reading_client, sending_client
from bot.summaries.posting import post_due_summaries
from bot.summaries.review import rules_from
from bot.workspaces import Workspaces
from schedules.coach_reports import report_to_coaches
from schedules.message_source import MessageSource
from schedules.reminders import enqueue_reminders
from schedules.sender import Sender, SendReport
from storage import worker_beats
from storage.db import session_scope
from storage.models import Cohort, CohortStatus, Member, MemberStatus, Role, SlackUser

log = logging.getLogger(__name__)

SEND_CONCURRENCY = 16
LOOKUP_PAUSE = 0.6  # seconds between users.info calls: 100 a minute, within Slack's tier 4


@dataclass
class JobContext:
    """What jobs use in this process: the database and clock (`deps`), Slack clients per workspace, an identity."""

    deps: Deps
    posting_client: Callable[[str], WebClient]  # team id → a client without retry handlers: posts are not repeated
    reading_client: Callable[[str], WebClient]  # team id → a client that retries by itself (users.info)
    worker: str = field(default_factory=lambda: worker_name())
    concurrency: int = SEND_CONCURRENCY
    stop: threading.Event = field(default_factory=threading.Event)  # set when the process is shutting down

    @property
    def engine(self) -> Engine:
        return self.deps.engine

    def now(self) -> datetime:
        return self.deps.now()


_context: JobContext | None = None
_lock = threading.Lock()


def register(context: JobContext) -> None:
    """Make `context` the one every job of this process uses."""
    global _context
    with _lock:
        _context = context


def unregister() -> None:
    global _context
    with _lock:
        _context = None


def context() -> JobContext:
    """The registered context; a job running without one is a wiring mistake, said plainly."""
    current = _context
    if current is None:
        raise RuntimeError("no JobContext registered: call schedules.jobs.register(...) when the process starts")
    return current


def worker_name() -> str:
    """host:pid:random — unique per process, readable in `claimed_by`."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build_context(settings: Settings, engine: Engine, *, concurrency: int = SEND_CONCURRENCY) -> JobContext:
    """A context with the workspace clients of `settings` (one bot token, or each installation's in OAuth mode)."""
    programme_store.install(engine)
    token = None if settings.oauth else settings.slack_bot_token
    posting = sending_client(token, settings.slack_api_url)
    reading = reading_client(token, settings.slack_api_url)
    return JobContext(
        deps=Deps(settings=settings, engine=engine),
        posting_client=Workspaces(settings, engine, posting).client_for,
        reading_client=Workspaces(settings, engine, reading).client_for,
        concurrency=concurrency,
    )


# -- the jobs ----------------------------------------------------------------------------------------------------------


def send_due() -> SendReport:
    """Send everything in the outbox that is due, then tell coaches what could not go out (every 15 s)."""
    ctx = context()
    report = _sender(ctx).run()
    if report_to_coaches(ctx.engine, now=ctx.now()):
        _sender(ctx, [MessageSource()]).run()  # the reports just written go out now, not a run later
    triage = report.triage
    if report.claimed or triage.late or triage.deferred or triage.replanned or triage.cancelled:
        log.info(
            "outbox: %d claimed, %d sent (%d found already in Slack), %d failed, %d given back, %d cancelled; "
            "triage: %d skipped as late, %d moved into working hours, %d re-planned for a pause, %d cancelled; %.1f s",
            report.claimed,
            report.sent,
            report.found,
            report.failed,
            report.released,
            report.cancelled,
            triage.late,
            triage.deferred,
            triage.replanned,
            triage.cancelled,
            report.seconds,
        )
    return report


def _sender(ctx: JobContext, sources: list[Any] | None = None) -> Sender:
    return Sender(
        engine=ctx.engine,
        client_for=ctx.posting_client,
        now=ctx.now,
        worker=ctx.worker,
        concurrency=ctx.concurrency,
        stop=ctx.stop,
        sources=sources,
        language=ctx.deps.settings.language,
    )


def remind() -> int:
    """Put the reminders due now in the outbox and send them (hourly); returns how many were planned."""
    ctx = context()
    with session_scope(ctx.engine) as session:
        planned = enqueue_reminders(session, now=ctx.now())
    if planned:
        report = _sender(ctx, [MessageSource()]).run()
        log.info("reminders: %d planned, %d messages sent", len(planned), report.sent)
    return len(planned)


def end_pauses() -> int:
    """Mentors whose pause has ended are resumed as if they had said so (hourly): what the pause skipped and is not
    yet due waits again, and the missed check-ins and assignments worth answering are offered in a DM."""
    ctx = context()
    now, ended = ctx.now(), 0
    with Session(ctx.engine) as session:
        people = mentor_prefs.pauses_ended(session, now)
    for team_id, user_id in people:
        with session_scope(ctx.engine) as session:
            try:
                result = mentor_prefs.resume(session, team_id=team_id, user_id=user_id, now=now)
            except Invalid:
                continue  # resumed by hand meanwhile
            language = language_of(session, team_id, user_id, ctx.deps.settings.language)
            offer = offer_for(language, result)
            if offer is not None:
                plan_notice(session, team_id, notice=offer, user_id=user_id, now=now)
        ended += 1
    if ended:
        report = _sender(ctx, [MessageSource()]).run()
        log.info("pauses: %d ended, %d messages sent", ended, report.sent)
    return ended


def post_summaries() -> int:
    """Put each active cohort's HR summary in the outbox once its summary step has come and the coaches' review
    allows, and send it, or the drafts to the coaches (every 15 minutes); returns how many posts were planned."""
    ctx = context()
    policy = PrivacyPolicy(min_group=ctx.deps.settings.min_group)
    planned = post_due_summaries(
        ctx.engine, ctx.reading_client, ctx.now(), policy=policy, render=RENDERERS, rules=rules_from(ctx.deps.settings)
    )
    if planned.posts or planned.drafts:
        report = _sender(ctx, [MessageSource()]).run()
        log.info(
            "summaries: %d posts and %d drafts planned, %d messages sent", planned.posts, planned.drafts, report.sent
        )
    return planned.posts


def purge_expired() -> int:
    """Purge the words of cohorts that ended more than MENTORI_RETENTION_DAYS ago, and the heartbeats of workers
    long gone (daily). Returns answers purged."""
    ctx = context()
    worker_beats.forget_silent(ctx.engine, now=datetime.now(UTC))  # heartbeats are in wall-clock time
    return int(run_retention(ctx.engine, ctx.deps.settings, ctx.now()).answers)


def refresh_timezones(limit: int = 5000, pause: float = LOOKUP_PAUSE) -> int:
    """Look up active mentors whose cached Slack record is older than a day (daily, one users.info call per
    `pause` seconds); a mentor whose time zone changed gets their waiting prompts re-planned. Returns how many."""
    ctx = context()
    now = ctx.now()
    with Session(ctx.engine) as session:
        stale = session.exec(
            select(Member.team_id, Member.user_id, SlackUser.tz)
            .join(Cohort, col(Cohort.id) == col(Member.cohort_id))
            .outerjoin(
                SlackUser,
                (col(SlackUser.team_id) == col(Member.team_id)) & (col(SlackUser.user_id) == col(Member.user_id)),
            )
            .where(
                Member.role == Role.MENTOR,
                Member.status == MemberStatus.ACTIVE,
                Cohort.status == CohortStatus.ACTIVE,
                or_(col(SlackUser.user_id).is_(None), col(SlackUser.checked_at) < now - FRESH_FOR),
            )
            .distinct()
            .order_by(col(Member.team_id), col(Member.user_id))
            .limit(limit)
        ).all()
    moved = 0
    for number, (team_id, user_id, before) in enumerate(stale):
        if number and ctx.stop.wait(pause):
            break
        directory = SlackDirectory(ctx.engine, ctx.reading_client(team_id), now=ctx.now)
        try:
            user = directory.user(team_id, user_id, refresh=True)
        except (UnknownUser, LookupError):
            continue
        if user.tz and user.tz != before:
            moved += _replan_everywhere(ctx, team_id, user_id)
    return moved


def _replan_everywhere(ctx: JobContext, team_id: str, user_id: str) -> int:
    """Re-plan the waiting prompts of `user_id` in every cohort they mentor in (after their time zone changed)."""
    with session_scope(ctx.engine) as session:
        memberships = mentor_memberships(session, team_id=team_id, user_id=user_id)
        for membership in memberships:
            replan_member(session, membership.cohort, membership.member, ctx.now())
    return len(memberships)
