"""Who a Slack user is to Mentori: their language."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.i18n import language_or_default
from storage.models import Cohort, Member, MemberStatus, SlackUser


def language_for(engine: Engine, team_id: str, user_id: str, default: str) -> str:
    """The member's chosen language, else their newest cohort's, else their Slack locale, else `default`."""
    with Session(engine) as session:
        row = session.exec(
            select(Member.language, Cohort.language)
            .join(Cohort, col(Cohort.id) == col(Member.cohort_id))
            .where(Member.team_id == team_id, Member.user_id == user_id, Member.status == MemberStatus.ACTIVE)
            .order_by(col(Member.joined_at).desc())
        ).first()
        if row is not None:
            return row[0] or row[1]
        known = session.get(SlackUser, (team_id, user_id))
    return language_or_default(known.locale if known else None, default)
