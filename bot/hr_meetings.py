"""The mentor's log of meetings with their HR contact; the notes are the mentor's alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.cohorts import Invalid
from storage.models import HrMeeting, Member

NOTES_MAX = 2000
OLDEST_DAYS = 2 * 366  # a meeting logged as older than this is a typo in the year


def log_meeting(
    session: Session, member: Member, *, held_on: date | None, notes: str | None, today: date, now: datetime
) -> HrMeeting:
    """Record that the mentor met HR on `held_on` (not in the future), with private notes."""
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
    return meeting


def meetings_of(session: Session, member_ids: list[int]) -> list[HrMeeting]:
    """The meetings of these memberships, the latest first."""
    return list(
        session.exec(
            select(HrMeeting)
            .where(col(HrMeeting.member_id).in_(member_ids))
            .order_by(col(HrMeeting.held_on).desc(), col(HrMeeting.id).desc())
        )
    )
