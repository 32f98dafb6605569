"""Posting a period's summary to each organisation's private HR channel, once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from bot import privacy_gate
from bot.blocks.summary import summary_message
from bot.cohorts import Invalid
from bot.organisations import verify_hr_channel
from bot.outbox import SendNow, not_sent, send_and_read, told
from bot.privacy import PrivacyPolicy
from bot.privacy_gate import Audience
from bot.summaries.model import Summary
from bot.summaries.periods import current_period
from bot.summaries.store import ensure_summary, stored_rows
from storage.db import session_scope
from storage.models import (
    Cohort,
    CohortStatus,
    DeliveryStatus,
    MessageKind,
    Organisation,
    OutboxMessage,
    SummaryPost,
)
from storage.outbox_messages import Envelope, enqueue, post, summary_key

log = logging.getLogger(__name__)

POST_FOR = timedelta(days=7)  # a summary not posted within a week of being asked for is no longer news
PROBLEM_CODES = {"summary.error_no_channel": "no_channel", "summary.error_channel_shared": "channel_shared",
                 "organisations.error.channel_not_member": "not_in_channel"}  # fmt: skip


@dataclass
class Posting:
    """What happened to one organisation's post."""

    organisation: str
    channel_id: str | None = None
    ts: str | None = None
    already: bool = False
    posted_at: datetime | None = None
    problem: Invalid | None = None
    queued: bool = False  # in the outbox, not posted yet: the scheduler's sender posts it
    planned: bool = False  # put in the outbox by this call


@dataclass
class PostResult:
    period: str | None
    postings: list[Posting] = field(default_factory=list)


def check_channel(session: Session, client: WebClient, organisation: Organisation) -> str:
    """The organisation's HR channel if Mentori may post there; Invalid (saying how to fix it) otherwise."""
    channel_id = organisation.hr_channel_id
    if not channel_id:
        raise Invalid("summary.error_no_channel", organisation=organisation.name)
    others = session.exec(
        select(Organisation).where(
            Organisation.team_id == organisation.team_id,
            Organisation.hr_channel_id == channel_id,
            Organisation.id != organisation.id,
        )
    )
    if any(other.name.strip().lower() != organisation.name.strip().lower() for other in others):
        raise Invalid("summary.error_channel_shared", organisation=organisation.name, channel=channel_id)
    return verify_hr_channel(client, channel_id, field=None).id


def post_summaries(
    engine: Engine,
    client: WebClient,
    cohort_id: int,
    organisation_ids: Sequence[int],
    *,
    policy: PrivacyPolicy,
    now: datetime,
    retry: bool = True,
    send_now: SendNow | None = None,
) -> PostResult:
    """Put the current period's summary for each organisation's HR channel in the outbox, once, and send it at once
    when the process can (bot.outbox). A post made already is reported; one that failed is tried again (`retry`)."""
    summary = ensure_summary(engine, cohort_id, policy=policy, now=now)
    if summary is None:
        return PostResult(None)
    result = PostResult(summary.period)
    planned: dict[int, Posting] = {}
    for organisation_id in organisation_ids:
        with session_scope(engine) as session:
            posting, row_id = _plan_post(session, client, summary, cohort_id, organisation_id, now, retry=retry)
        if posting is None:
            continue
        result.postings.append(posting)
        if row_id is not None:
            planned[row_id] = posting
    found = send_and_read(engine, send_now, client, list(planned))
    for row_id, row in found.items():
        _read_back(planned[row_id], row)
    if send_now is not None:  # asked for by a person, who reads the outcome in the reply
        told(engine, not_sent(found), now)
    return result


def _plan_post(
    session: Session,
    client: WebClient,
    summary: Summary,
    cohort_id: int,
    organisation_id: int,
    now: datetime,
    *,
    retry: bool,
) -> tuple[Posting | None, int | None]:
    """The organisation's post as it stands, and the outbox row planned for it (None when none is to be sent)."""
    organisation = session.get(Organisation, organisation_id)
    row = session.exec(
        select(SummaryPost).where(
            SummaryPost.cohort_id == cohort_id,
            SummaryPost.organisation_id == organisation_id,
            SummaryPost.period == summary.period,
        )
    ).first()
    if organisation is None or row is None:
        return None, None
    posting = Posting(organisation.name)
    if row.message_ts:
        posting.channel_id, posting.ts, posting.already = row.channel_id, row.message_ts, True
        posting.posted_at = row.posted_at
        return posting, None
    key = summary_key(int(row.id or 0))
    envelope = Envelope(
        kind=MessageKind.SUMMARY,
        key=key,
        team_id=organisation.team_id,
        due_at=now,
        latest_at=now + POST_FOR,
        cohort_id=cohort_id,
    )
    try:
        channel = check_channel(session, client, organisation)
    except Invalid as problem:
        posting.problem = problem
        _note_problem(session, envelope, problem, now)
        return posting, None
    message = summary_message(privacy_gate.view(summary, Audience.hr(organisation)), summary.language)
    existing = session.exec(
        select(OutboxMessage).where(OutboxMessage.team_id == organisation.team_id, OutboxMessage.key == key)
    ).first()
    if existing is not None and existing.status in (DeliveryStatus.PLANNED, DeliveryStatus.SENDING):
        posting.queued = True  # planned before and on its way: nothing new
        return posting, existing.id
    row_id = enqueue(
        session, replace(envelope, channel_id=channel, payload=post({**message, "unfurl_links": False})), now=now
    )
    posting.queued = posting.planned = True
    if existing is not None and existing.status in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
        if not retry:
            posting.queued = posting.planned = False
            return posting, None
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id)
            .values(
                status=DeliveryStatus.PLANNED,
                channel_id=channel,
                payload=post({**message, "unfurl_links": False}),
                due_at=now,
                not_before=now,
                latest_at=now + POST_FOR,
                claimed_by=None,
                last_error=None,
                error_reported_at=None,
            )
        )
    return posting, row_id


def _note_problem(session: Session, envelope: Envelope, problem: Invalid, now: datetime) -> None:
    """A post that cannot be planned (no channel, Mentori not in it) is in the outbox as failed, with its reason, so
    the coaches hear of it — once per reason."""
    code = PROBLEM_CODES.get(problem.key, str(problem.params.get("error") or problem.key.rsplit(".", 1)[-1]))
    row_id = enqueue(session, envelope, now=now)
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row_id,
            col(OutboxMessage.status) != DeliveryStatus.SENT,
            or_(col(OutboxMessage.last_error).is_(None), col(OutboxMessage.last_error) != code),
        )
        .values(status=DeliveryStatus.FAILED, last_error=code, error_reported_at=None, payload={})
    )


def _read_back(posting: Posting, row: OutboxMessage) -> None:
    posting.queued = row.status in (DeliveryStatus.PLANNED, DeliveryStatus.SENDING)
    if row.status == DeliveryStatus.SENT:
        posting.channel_id, posting.ts, posting.posted_at = row.channel_id, row.message_ts, row.sent_at
    elif row.status in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
        posting.problem = Invalid("organisations.error.channel_unreadable", error=str(row.last_error))
    else:
        posting.channel_id = row.channel_id


def post_due_summaries(
    engine: Engine, client_for: Callable[[str], WebClient], now: datetime, *, policy: PrivacyPolicy | None = None
) -> int:
    """For the scheduler: put every active cohort's current summary in the outbox for the organisations not posted
    yet; the scheduler's sender posts them.

    Only the latest period reached is posted (after downtime, earlier ones are not sent late). A post that failed is
    not planned again with the same problem; coaches hear of it once (schedules.coach_reports). Returns the number
    of posts planned.
    """
    policy = policy or PrivacyPolicy()
    with Session(engine) as session:
        cohorts = list(session.exec(select(Cohort).where(Cohort.status == CohortStatus.ACTIVE)))
        due = []
        for cohort in cohorts:
            step = current_period(session, cohort, now)
            if step is None:
                continue
            posted = {row.organisation_id for row in stored_rows(session, cohort, str(step.period)) if row.message_ts}
            organisations = session.exec(select(Organisation.id).where(Organisation.cohort_id == cohort.id))
            missing = [int(o or 0) for o in organisations if o not in posted]
            if missing:
                due.append((cohort.team_id, int(cohort.id or 0), missing))
    planned = 0
    for team_id, cohort_id, organisation_ids in due:
        result = post_summaries(
            engine, client_for(team_id), cohort_id, organisation_ids, policy=policy, now=now, retry=False
        )
        planned += sum(1 for posting in result.postings if posting.planned)
    return planned
