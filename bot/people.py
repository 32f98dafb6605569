"""Who a Slack user is to Mentori: their language.

A person's language is stable: their own choice, else the language of their cohorts, else `MENTORI_LANG` — for
mentors, coaches, HR contacts and admins alike. Slack's locale is never used: Slack has no Finnish locale, so it
would pull Finnish users to English.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.i18n import LANGUAGES
from storage.models import Cohort, Member, MemberStatus


def chosen_language(session: Session, team_id: str, user_id: str) -> str | None:
    """The language the person chose themselves (on any of their active memberships, the newest first), if any."""
    rows = session.exec(
        select(Member.language)
        .where(Member.team_id == team_id, Member.user_id == user_id, Member.status == MemberStatus.ACTIVE,
               col(Member.language).is_not(None))
        .order_by(col(Member.joined_at).desc(), col(Member.id).desc())
    )  # fmt: skip
    return next((language for language in rows if language in LANGUAGES), None)


def language_of(session: Session, team_id: str, user_id: str, default: str) -> str:
    """The person's own choice, else their newest cohort's language (active memberships first), else `default`."""
    chosen = chosen_language(session, team_id, user_id)
    if chosen is not None:
        return chosen
    cohort_language = session.exec(
        select(Cohort.language)
        .join(Member, col(Member.cohort_id) == col(Cohort.id))
        .where(Member.team_id == team_id, Member.user_id == user_id)
        .order_by(col(Member.status) != MemberStatus.ACTIVE, col(Member.joined_at).desc(), col(Member.id).desc())
    ).first()
    return cohort_language if cohort_language in LANGUAGES else default


def language_for(engine: Engine, team_id: str, user_id: str, default: str) -> str:
    """`language_of` in a session of its own."""
    with Session(engine) as session:
        return language_of(session, team_id, user_id, default)
