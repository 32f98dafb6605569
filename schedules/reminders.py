"""One reminder for an unanswered prompt: a reply in its thread, also shown in the DM.

A sent prompt (status `sent`: not answered, not skipped) is reminded once, `Cohort.reminder_days` working days after
it went out (0 turns reminders off), in the mentor's working hours — unless the next prompt has reached the mentor
by then. A prompt the mentor snoozed is reminded at the moment the snooze chose (`snoozed_until`) instead.
A due reminder is put in the outbox (kind `reminder`, key `reminder:<delivery id>`) in the same transaction that
sets `reminded_at`, and the outbox sender posts it like every other message: retried through rate limits and
Slack's errors, exactly once. Its latest-useful moment is the cohort's grace after the moment it was due: a
reminder the scheduler or Slack held back longer than that is skipped rather than sent days late.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.blocks.prompt import reminder_message
from bot.planning import mentor_context
from bot.programmes import Step, programme_by_id
from bot.work_calendar import add_working_days, is_working_moment
from schedules.outbox import grace, reachable
from storage.models import Cohort, Delivery, DeliveryStatus, Member, MessageKind
from storage.outbox_messages import Envelope, enqueue, post
from storage.types import AwareDateTime

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=21)  # prompts sent longer ago than this are never reminded


def enqueue_reminders(session: Session, *, now: datetime) -> list[int]:
    """Put the reminders due now in the outbox, each marked (`reminded_at`) so it is planned once; returns the ids."""
    rows = session.exec(
        select(Delivery, Member, Cohort)
        .join(Member, col(Member.id) == col(Delivery.member_id))
        .join(Cohort, col(Cohort.id) == col(Delivery.cohort_id))
        .where(
            col(Delivery.status) == DeliveryStatus.SENT,
            col(Delivery.reminded_at).is_(None),
            col(Delivery.message_ts).is_not(None),
            col(Delivery.sent_at) >= now - LOOK_BACK,
        )
        .order_by(col(Delivery.sent_at), col(Delivery.id))
    ).all()
    if not rows:
        return []
    latest = _latest_sent(session, {member.id for _, member, _ in rows})  # type: ignore[misc]  # a stored row's id is set
    policies = {}
    for cohort in {cohort.id: cohort for _, _, cohort in rows}.values():
        policies.update(mentor_context(session, cohort, [m for _, m, c in rows if c.id == cohort.id]))
    reminders: list[int] = []
    for delivery, member, cohort in rows:
        if not reachable(cohort, member) or delivery.sent_at is None:
            continue
        step = _step(cohort, delivery.step_id)
        if step is None or step.kind == "kickoff":
            continue
        policy = policies[int(member.id or 0)]
        if delivery.snoozed_until is not None:
            moment = delivery.snoozed_until
        elif cohort.reminder_days > 0 and latest.get(member.id, delivery.sent_at) <= delivery.sent_at:  # type: ignore[arg-type]  # a stored row's id is set
            moment = add_working_days(delivery.sent_at, cohort.reminder_days, policy)
        else:
            continue  # reminders are off, or the next prompt has gone out
        if moment > now or now - moment > grace(cohort) or not is_working_moment(now, policy):
            continue
        marked = session.exec(
            update(Delivery)
            .where(
                col(Delivery.id) == delivery.id,
                col(Delivery.status) == DeliveryStatus.SENT,
                col(Delivery.reminded_at).is_(None),
            )
            .values(reminded_at=now)
        )
        if marked.rowcount != 1:
            continue
        message = {**reminder_message(step, member.language or cohort.language), "reply_broadcast": True}
        reminders.append(
            enqueue(
                session,
                Envelope(
                    kind=MessageKind.REMINDER,
                    key=f"reminder:{delivery.id}",
                    team_id=delivery.team_id,
                    due_at=moment,
                    latest_at=moment + grace(cohort),
                    payload=post(message),
                    channel_id=delivery.channel_id,
                    user_id=member.user_id,
                    thread_ts=delivery.message_ts,
                    cohort_id=cohort.id,
                    member_id=member.id,
                ),
                now=now,
            )
        )
    return reminders


def _latest_sent(session: Session, member_ids: set[int]) -> dict[int, datetime]:
    """When each mentor's newest prompt reached them."""
    rows = session.exec(
        select(Delivery.member_id, func.max(Delivery.sent_at, type_=AwareDateTime))
        .where(col(Delivery.member_id).in_(sorted(member_ids)), col(Delivery.sent_at).is_not(None))
        .group_by(col(Delivery.member_id))
    ).all()
    return {member_id: moment for member_id, moment in rows if moment is not None}


def _step(cohort: Cohort, step_id: str) -> Step | None:
    try:
        return programme_by_id(cohort.programme).step(step_id)
    except KeyError:
        return None
