"""Retention: the words mentors wrote are purged a set time after their cohort ends; counts and ratings stay."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from bot.answers import NOTE_DAYS
from bot.programmes import programme_by_id
from bot.settings import Settings
from storage.db import session_scope
from storage.models import (
    Answer,
    Cohort,
    DmNote,
    Experiment,
    HrMeeting,
    Member,
    PeerGroupMember,
    ProcessedEvent,
    ProgrammeSession,
    QueuedWork,
    SummaryPost,
)

log = logging.getLogger(__name__)
EVENT_IDS_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class Purged:
    cohorts: int
    answers: int
    notes: int


def cohort_end(cohort: Cohort, session_dates: dict[int, date]) -> date | None:
    """The day a cohort's programme ends: its last step (the follow-up), or the day it was archived."""
    if cohort.archived_at is not None:
        return cohort.archived_at.date()
    if 3 not in session_dates:
        return None
    try:
        last = max(step.days for step in programme_by_id(cohort.programme).steps if step.session == 3)
    except (KeyError, ValueError):
        last = 0
    return session_dates[3] + timedelta(days=last)


def purge_expired(session: Session, *, retention_days: int, now: datetime) -> Purged:
    """Remove answer texts, experiment titles, plans and outcomes, HR-meeting notes and what mentors learned from
    their peer groups, of cohorts that ended long enough ago (a title is the mentor's own words too; the experiment
    stays, untitled, for the counts)."""
    cutoff = now.date() - timedelta(days=retention_days)
    expired = [cohort.id for cohort in session.exec(select(Cohort)) if _ended_before(session, cohort, cutoff)]
    if not expired:
        return Purged(0, 0, 0)
    members = select(Member.id).where(col(Member.cohort_id).in_(expired))
    answers = session.exec(
        update(Answer)
        .where(col(Answer.member_id).in_(members), col(Answer.text).is_not(None))
        .values(text=None, consent_to_quote=False)
    ).rowcount
    notes = session.exec(
        update(HrMeeting)
        .where(col(HrMeeting.member_id).in_(members), col(HrMeeting.notes).is_not(None))
        .values(notes=None)
    ).rowcount
    session.execute(
        update(Experiment)
        .where(col(Experiment.member_id).in_(members))
        .values(title="", outcome=None, plan_when=None, plan_then=None)
    )
    session.execute(
        update(PeerGroupMember)
        .where(col(PeerGroupMember.member_id).in_(members), col(PeerGroupMember.reflection).is_not(None))
        .values(reflection=None)
    )
    log.info("retention: purged texts of %s cohorts (%s answers, %s notes)", len(expired), answers, notes)
    return Purged(len(expired), int(answers or 0), int(notes or 0))


def purge_transient(session: Session, *, now: datetime) -> tuple[int, int, int]:
    """Drop DMs kept for attaching that nobody attached within NOTE_DAYS, the record of Events API event ids older
    than EVENT_IDS_KEPT (Slack retries within the hour), and queued work no worker took within NOTE_DAYS (a DM's
    text among it). Returns (notes, event ids, queued items) dropped."""
    cutoff = now - timedelta(days=NOTE_DAYS)
    notes = session.exec(delete(DmNote).where(col(DmNote.created_at) < cutoff)).rowcount
    events = session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < now - EVENT_IDS_KEPT))
    queued = session.exec(delete(QueuedWork).where(col(QueuedWork.enqueued_at) < cutoff))
    return int(notes or 0), int(events.rowcount or 0), int(queued.rowcount or 0)


def _ended_before(session: Session, cohort: Cohort, cutoff: date) -> bool:
    dates = {
        row.number: row.date
        for row in session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id))
    }
    end = cohort_end(cohort, dates)
    return end is not None and end < cutoff


def run_retention(engine: Engine, settings: Settings, now: datetime) -> Purged:
    """For the scheduler: purge expired texts in one transaction, quotes kept in stored HR summaries included.

    What stays are the summaries' figures, which already passed the privacy filter.
    """
    with session_scope(engine) as session:
        purge_transient(session, now=now)
        purged = purge_expired(session, retention_days=settings.retention_days, now=now)
        cutoff = now.date() - timedelta(days=settings.retention_days)
        expired = [cohort.id for cohort in session.exec(select(Cohort)) if _ended_before(session, cohort, cutoff)]
        if expired:
            for post in session.exec(select(SummaryPost).where(col(SummaryPost.cohort_id).in_(expired))):
                if post.figures.get("quotes"):
                    post.figures = {**post.figures, "quotes": []}
                    session.add(post)
    return purged
