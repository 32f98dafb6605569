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
from bot.authz import Actor
from bot.cohorts import Invalid
from bot.organisations import verify_hr_channel
from bot.outbox import SendNow, not_sent, send_and_read, told
from bot.privacy import PrivacyPolicy
from bot.privacy_gate import Audience
from bot.summaries.model import Draft, PostFile, Renderers, Summary
from bot.summaries.periods import current_period
from bot.summaries.review import (
    Next,
    Review,
    ReviewRules,
    approve_for_posting,
    coaches,
    decide,
    local,
    mark_of,
    posted_unreviewed_at,
    review_time,
    reviewed,
    stored_quotes,
)
from bot.summaries.store import ensure_summary, previous_summary, stored_rows
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
from storage.outbox_messages import Envelope, enqueue, post, summary_key, upload

log = logging.getLogger(__name__)

DEFAULT_RULES = ReviewRules()
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
    waiting: str | None = None  # not posted: the draft is with the coaches ("pending") or a coach "held" it
    due_at: datetime | None = None  # when a pending draft is posted without a review (cohort's time zone)
    drafted: bool = False  # the draft went to the coaches in this call


@dataclass
class Due:
    """What the scheduler's round planned: posts to HR channels, and drafts sent to the coaches (organisations)."""

    posts: int = 0
    drafts: int = 0


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


@dataclass(frozen=True)
class Plan:
    """How one round of posting goes: the renderers, the review rules, and who asked (a coach's ask approves)."""

    render: Renderers
    rules: ReviewRules = DEFAULT_RULES
    approve_as: Actor | None = None
    retry: bool = True


def post_summaries(
    engine: Engine,
    client: WebClient,
    cohort_id: int,
    organisation_ids: Sequence[int],
    *,
    policy: PrivacyPolicy,
    now: datetime,
    render: Renderers,
    rules: ReviewRules = DEFAULT_RULES,
    approve_as: Actor | None = None,
    retry: bool = True,
    send_now: SendNow | None = None,
    interim: bool = False,
) -> PostResult:
    """Put the current period's summary (rendered by ``render``, with its chart) for each organisation's HR channel
    in the outbox, once it is approved (bot.summaries.review), and send it at once when the process can
    (bot.outbox); a draft not reviewed yet goes to the coaches instead. A post made already is reported; one that
    failed is tried again (`retry`). ``approve_as``: a coach asked for the posts, approving the drafts not held.
    ``interim``: a person asked before the first summary step: the interim summary (bot.summaries.store)."""
    plan = Plan(render, rules, approve_as, retry)
    summary = ensure_summary(engine, cohort_id, policy=policy, now=now, interim=interim)
    if summary is None:
        return PostResult(None)
    result = PostResult(summary.period)
    planned: dict[int, Posting] = {}
    files: list[int] = []
    for organisation_id in organisation_ids:
        with session_scope(engine) as session:
            posting, row_ids, drafts = _plan_post(session, client, summary, cohort_id, organisation_id, now, plan=plan)
        if posting is None:
            continue
        result.postings.append(posting)
        if row_ids:
            planned[row_ids[0]] = posting
        files += row_ids[1:] + drafts
    found = send_and_read(engine, send_now, client, [*planned, *files])
    for row_id, row in found.items():
        if row_id in planned:
            _read_back(planned[row_id], row)
    if send_now is not None:  # asked for by a person, who reads the outcome in the reply
        told(engine, not_sent(found), now)
    return result


def _row(session: Session, cohort_id: int, organisation_id: int, period: str) -> SummaryPost | None:
    return session.exec(
        select(SummaryPost).where(
            SummaryPost.cohort_id == cohort_id,
            SummaryPost.organisation_id == organisation_id,
            SummaryPost.period == period,
        )
    ).first()


def draft_for(session: Session, summary: Summary, row: SummaryPost, rules: ReviewRules) -> Draft:
    """The organisation's draft for its coaches: exactly what its HR would get (bot.privacy_gate)."""
    organisation = session.get(Organisation, row.organisation_id)
    cohort = session.get(Cohort, row.cohort_id)
    assert organisation is not None and cohort is not None
    audience = Audience.review(organisation)
    before = previous_summary(session, cohort, summary.period)
    due = posted_unreviewed_at(review_time(session, cohort), row, rules)
    view = reviewed(privacy_gate.view(summary, audience), row)
    shown = {quote.text for quote in view.quotes}
    return Draft(
        post_id=int(row.id or 0), organisation=organisation.name,
        view=view, quotes=tuple((i, text) for i, text in enumerate(stored_quotes(row)) if text in shown),
        previous=privacy_gate.view(before, audience) if before else None, mark=mark_of(row),
        state="posted" if row.message_ts else str(row.review or Review.PENDING), due_at=local(due, cohort),
        reviewed_by=row.reviewed_by,
    )  # fmt: skip


def _plan_drafts(
    session: Session, draft: Draft, row: SummaryPost, cohort: Cohort, render: Renderers, now: datetime
) -> list[int]:
    """The draft, in a DM to each of the cohort's coaches, through the outbox."""
    message = render.draft(draft, cohort.language)
    return [
        enqueue(session, Envelope(kind=MessageKind.NOTICE, key=f"summary-draft:{row.id}:{coach}",
                                  team_id=cohort.team_id, due_at=now, latest_at=now + POST_FOR, cohort_id=cohort.id,
                                  user_id=coach, payload=post(message)), now=now)
        for coach in coaches(session, cohort)
    ]  # fmt: skip


def _plan_post(
    session: Session,
    client: WebClient,
    summary: Summary,
    cohort_id: int,
    organisation_id: int,
    now: datetime,
    *,
    plan: Plan,
) -> tuple[Posting | None, list[int], list[int]]:
    """The organisation's post as it stands, and the outbox rows planned for it: the post, then its chart; or the
    draft's DMs to the coaches while it waits for their review."""
    organisation = session.get(Organisation, organisation_id)
    row = _row(session, cohort_id, organisation_id, summary.period)
    cohort = session.get(Cohort, cohort_id)
    if organisation is None or row is None or cohort is None:
        return None, [], []
    posting = Posting(organisation.name)
    if row.message_ts:
        posting.channel_id, posting.ts, posting.already = row.channel_id, row.message_ts, True
        posting.posted_at = local(row.posted_at, cohort)
        return posting, [], []
    if plan.approve_as is not None:
        approve_for_posting(row, plan.approve_as, now)
    step = decide(session, cohort, row, plan.rules, now)
    if step != Next.POST:
        draft = draft_for(session, summary, row, plan.rules)
        posting.waiting, posting.due_at = draft.state, draft.due_at
        drafts = _plan_drafts(session, draft, row, cohort, plan.render, now) if step == Next.DRAFT else []
        posting.drafted = bool(drafts)
        return posting, [], drafts
    return posting, _plan_hr_post(session, client, summary, row, organisation, posting, now, plan), []


def _plan_hr_post(
    session: Session,
    client: WebClient,
    summary: Summary,
    row: SummaryPost,
    organisation: Organisation,
    posting: Posting,
    now: datetime,
    plan: Plan,
) -> list[int]:
    """The approved (or unreviewed) post and its chart in the outbox, to the organisation's checked HR channel."""
    key = summary_key(int(row.id or 0))
    envelope = Envelope(
        kind=MessageKind.SUMMARY,
        key=key,
        team_id=organisation.team_id,
        due_at=now,
        latest_at=now + POST_FOR,
        cohort_id=row.cohort_id,
    )
    try:
        channel = check_channel(session, client, organisation)
    except Invalid as problem:
        posting.problem = problem
        _note_problem(session, envelope, problem, now)
        return []
    existing = session.exec(
        select(OutboxMessage).where(OutboxMessage.team_id == organisation.team_id, OutboxMessage.key == key)
    ).first()
    if existing is not None and existing.status in (DeliveryStatus.PLANNED, DeliveryStatus.SENDING):
        posting.queued = True  # planned before and on its way: nothing new
        return [int(existing.id or 0)]
    if existing is not None and existing.status in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED) and not plan.retry:
        return []
    draft = draft_for(session, summary, row, plan.rules)
    rendered = plan.render.post(draft.view, draft.previous, draft.mark, summary.language)
    payloads = [post({**rendered.message, "unfurl_links": False}), *(_upload(f) for f in rendered.files)]
    keys = [key, *(f"{key}:file:{index}" for index in range(len(rendered.files)))]
    kinds = [MessageKind.SUMMARY, *[MessageKind.FILE] * len(rendered.files)]
    posting.queued = posting.planned = True
    return [
        _plan_row(session, replace(envelope, key=row_key, kind=kind, channel_id=channel, payload=payload), now)
        for row_key, payload, kind in zip(keys, payloads, kinds, strict=True)
    ]


def _upload(file: PostFile) -> dict[str, object]:
    return upload(
        content="", filename=file.filename, title=file.title, comment=file.title, data=file.data, alt_text=file.alt_text
    )


def _plan_row(session: Session, envelope: Envelope, now: datetime) -> int:
    """Put one row in the outbox; a row of the same key that failed before is planned again with the new payload."""
    row_id = enqueue(session, envelope, now=now)
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row_id,
            col(OutboxMessage.status).in_([DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]),
        )
        .values(
            status=DeliveryStatus.PLANNED,
            channel_id=envelope.channel_id,
            payload=envelope.payload,
            due_at=now,
            not_before=now,
            latest_at=now + POST_FOR,
            claimed_by=None,
            last_error=None,
            error_reported_at=None,
        )
    )
    return row_id


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
    engine: Engine,
    client_for: Callable[[str], WebClient],
    now: datetime,
    *,
    render: Renderers,
    rules: ReviewRules = DEFAULT_RULES,
    policy: PrivacyPolicy | None = None,
) -> Due:
    """For the scheduler: put every active cohort's current summary in the outbox for the organisations not posted
    yet; the scheduler's sender posts them.

    Only the latest period reached is posted (after downtime, earlier ones are not sent late). A post that failed is
    not planned again with the same problem; coaches hear of it once (schedules.coach_reports). A draft not reviewed
    yet goes to the coaches instead (bot.summaries.review). Returns how many posts and drafts were planned.
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
    planned = Due()
    for team_id, cohort_id, organisation_ids in due:
        result = post_summaries(
            engine,
            client_for(team_id),
            cohort_id,
            organisation_ids,
            policy=policy,
            now=now,
            render=render,
            rules=rules,
            retry=False,
        )
        planned.posts += sum(1 for posting in result.postings if posting.planned)
        planned.drafts += sum(1 for posting in result.postings if posting.drafted)
    return planned
