"""Posting a period's summary to each organisation's private HR channel, once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.blocks.summary import summary_message
from bot.cohorts import Invalid
from bot.organisations import verify_hr_channel
from bot.privacy import PrivacyPolicy
from bot.summaries.model import org_group
from bot.summaries.periods import current_period
from bot.summaries.store import ensure_summary, stored_rows
from storage.db import session_scope
from storage.models import Cohort, CohortStatus, Organisation, SummaryPost

log = logging.getLogger(__name__)


@dataclass
class Posting:
    """What happened to one organisation's post."""

    organisation: str
    channel_id: str | None = None
    ts: str | None = None
    already: bool = False
    posted_at: datetime | None = None
    problem: Invalid | None = None


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
    engine: Engine, client: WebClient, cohort_id: int, organisation_ids: Sequence[int], *, policy: PrivacyPolicy,
    now: datetime,
) -> PostResult:  # fmt: skip
    """Post the current period's summary to each organisation's HR channel, once: a post already made is reported."""

    summary = ensure_summary(engine, cohort_id, policy=policy, now=now)
    if summary is None:
        return PostResult(None)
    result = PostResult(summary.period)
    for organisation_id in organisation_ids:
        with session_scope(engine) as session:
            organisation = session.get(Organisation, organisation_id)
            row = session.exec(select(SummaryPost).where(
                SummaryPost.cohort_id == cohort_id, SummaryPost.organisation_id == organisation_id,
                SummaryPost.period == summary.period,
            ).with_for_update()).first()  # fmt: skip
            if organisation is None or row is None:
                continue
            posting = Posting(organisation.name)
            result.postings.append(posting)
            if row.message_ts:
                posting.channel_id, posting.ts, posting.already = row.channel_id, row.message_ts, True
                posting.posted_at = row.posted_at
                continue
            try:
                channel = check_channel(session, client, organisation)
            except Invalid as problem:
                posting.problem = problem
                continue
            message = summary_message(summary.view(org_group(organisation_id)), summary.language)
            try:
                response = client.chat_postMessage(channel=channel, text=message["text"], blocks=message["blocks"],
                                                   unfurl_links=False)  # fmt: skip
            except SlackApiError as error:
                code = error.response.get("error") if error.response is not None else None
                log.warning("summary post to %s failed: %s", channel, code)
                posting.problem = Invalid("organisations.error.channel_unreadable", error=str(code))
                continue
            row.channel_id, row.message_ts, row.posted_at = channel, str(response.get("ts")), now
            session.add(row)
            posting.channel_id, posting.ts = row.channel_id, row.message_ts
    return result


def post_due_summaries(engine: Engine, client_for: Callable[[str], WebClient], now: datetime,
                       *, policy: PrivacyPolicy | None = None) -> int:  # fmt: skip
    """For the scheduler: post every active cohort's current summary to the organisations not posted yet.

    Only the latest period reached is posted (after downtime, earlier ones are not sent late). Returns the number of
    posts made; a channel Mentori may not post to is logged and retried on the next run.
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
    made = 0
    for team_id, cohort_id, organisation_ids in due:
        result = post_summaries(engine, client_for(team_id), cohort_id, organisation_ids, policy=policy, now=now)
        for posting in result.postings:
            if posting.problem is not None:
                log.warning("summary for cohort %s, %s not posted: %s", cohort_id, posting.organisation,
                            posting.problem.key)  # fmt: skip
            elif not posting.already:
                made += 1
    return made
