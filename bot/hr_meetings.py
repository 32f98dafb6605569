"""The mentor's log of meetings with their HR contact; the notes are the mentor's alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.cohorts import Invalid
from bot.programmes import programme_by_id
from storage.models import Answer, Cohort, Delivery, DeliveryStatus, HrMeeting, Member, ProgrammeSession

NOTES_MAX = 2000
OLDEST_DAYS = 2 * 366  # a meeting logged as older than this is a typo in the year


@dataclass(frozen=True)
class Logged:
    meeting: HrMeeting
    settled: list[int]  # the HR-meeting prompts the meeting settled (delivery ids)


def log_meeting(
    session: Session, member: Member, *, held_on: date | None, notes: str | None, today: date, now: datetime
) -> Logged:
    """Record that the mentor met HR on `held_on` (not in the future), with private notes; it settles the block's
    HR-meeting prompt."""
    if held_on is None:
        raise Invalid("mentor.hr.error.date", field="held_on")
    if held_on > today:
        raise Invalid("mentor.hr.error.future", field="held_on", value=held_on)
    if held_on < today - timedelta(days=OLDEST_DAYS):
        raise Invalid("mentor.hr.error.long_ago", field="held_on", value=held_on)
    cleaned = (notes or "").strip() or None
    if cleaned and len(cleaned) > NOTES_MAX:
        raise Invalid("mentor.hr.error.too_long", field="notes", max=NOTES_MAX, length=len(cleaned))
    meeting = HrMeeting(
        team_id=member.team_id, member_id=int(member.id or 0), held_on=held_on, notes=cleaned, created_at=now
    )
    session.add(meeting)
    session.flush()
    return Logged(meeting, settle_meeting_prompts(session, member, held_on=held_on, now=now))


SETTLED = "hr_meeting_logged"  # the skip reason of an HR-meeting prompt made needless by a logged meeting


def settle_meeting_prompts(session: Session, member: Member, *, held_on: date, now: datetime) -> list[int]:
    """A meeting logged in a block settles that block's HR-meeting prompt: one already sent counts as answered (no
    reminder to book it comes), one not yet sent is skipped. Returns the ids of the prompts settled."""
    cohort = session.get(Cohort, member.cohort_id)
    if cohort is None:
        return []
    kinds = {step.id: step.kind for step in programme_by_id(cohort.programme).steps}
    starts = {
        row.number: row.date
        for row in session.exec(select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort.id))
    }
    settled = []
    for delivery in list(
        session.exec(
            select(Delivery).where(
                Delivery.member_id == member.id,
                col(Delivery.status).in_([DeliveryStatus.PLANNED, DeliveryStatus.SENT]),
            )
        )
    ):
        start = starts.get(delivery.block)
        if kinds.get(delivery.step_id) != "hr_meeting" or start is None or held_on < start:
            continue  # a meeting of an earlier block does not answer this block's "book your next meeting"
        if _settle(session, delivery, now):
            settled.append(int(delivery.id or 0))
    return settled


def _settle(session: Session, delivery: Delivery, now: datetime) -> bool:
    was = delivery.status
    if was == DeliveryStatus.PLANNED:
        values = {"status": DeliveryStatus.SKIPPED, "last_error": SETTLED}
    else:
        values = {"status": DeliveryStatus.ANSWERED}
    query = update(Delivery).where(col(Delivery.id) == delivery.id, col(Delivery.status) == was).values(**values)
    changed = session.exec(query).rowcount  # a sender that claimed it meanwhile wins: answerable as ever
    if changed and was == DeliveryStatus.SENT:
        session.add(
            Answer(
                team_id=delivery.team_id,
                delivery_id=int(delivery.id or 0),
                member_id=delivery.member_id,
                source="hr_meeting",
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    return bool(changed)


def meetings_of(session: Session, member_ids: list[int]) -> list[HrMeeting]:
    """The meetings of these memberships, the latest first."""
    return list(
        session.exec(
            select(HrMeeting)
            .where(col(HrMeeting.member_id).in_(member_ids))
            .order_by(col(HrMeeting.held_on).desc(), col(HrMeeting.id).desc())
        )
    )
