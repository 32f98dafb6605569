"""Workspaces whose token Slack refuses (`account_inactive`, `invalid_auth`, `token_revoked`): sending pauses.

One refused token would otherwise fail every message of a fan-out for good. Instead the first refusal pauses the
workspace: its rows go back to the outbox untouched, and no sender claims them while the pause lasts. Every run
asks Slack (`auth.test`) whether the token works again — at most once a minute per workspace; when it does, the
pause ends, what is still within its latest-useful time goes out, and the workspace's admins and coaches get one
DM saying that sending had stopped, since when and why (Slack accepted nothing from Mentori until then, so this is
the first moment anyone can be told).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.blocks.notices import sending_resumed
from bot.people import language_of
from bot.slack_api import SlackFailure, call
from storage.db import session_scope
from storage.models import Cohort, CohortStatus, Member, MemberStatus, MessageKind, Role, SendingPause, SlackUser
from storage.outbox_messages import Envelope, enqueue, post

log = logging.getLogger(__name__)

RECHECK = timedelta(minutes=1)
NOTICE_FOR = timedelta(days=7)
TABLE = SendingPause.__table__  # type: ignore[attr-defined]  # SQLModel leaves __table__ untyped


def pause(engine: Engine, team_id: str, cause: str, now: datetime) -> None:
    """Pause sending to `team_id` (once: a pause already there keeps its first cause and moment)."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    with engine.begin() as connection:
        added = connection.execute(
            dialect.insert(TABLE)
            .values(team_id=team_id, cause=cause, paused_at=now, checked_at=now)
            .on_conflict_do_nothing()
        ).rowcount
    if added:
        log.error(
            "Slack refuses Mentori's token in workspace %s (%s): sending is paused until it works again", team_id, cause
        )


def paused_teams(
    engine: Engine, client_for: Callable[[str], WebClient], now: datetime, *, language: str
) -> frozenset[str]:
    """The workspaces still paused, after asking Slack about those not asked for a minute (ending their pause if
    the token works again; `language`: for an admin who chose none and coaches no cohort, MENTORI_LANG)."""
    with Session(engine) as session:
        pauses = list(session.exec(select(SendingPause)))
    still = set()
    for row in pauses:
        if now - row.checked_at < RECHECK or not _token_works(client_for, row.team_id):
            still.add(row.team_id)
            if now - row.checked_at >= RECHECK:
                with session_scope(engine) as session:
                    session.execute(TABLE.update().where(TABLE.c.team_id == row.team_id).values(checked_at=now))
            continue
        resume(engine, row, now, language=language)
    return frozenset(still)


def _token_works(client_for: Callable[[str], WebClient], team_id: str) -> bool:
    try:
        call(client_for(team_id).auth_test)
        return True
    except (SlackFailure, LookupError):
        return False


def resume(engine: Engine, pause_row: SendingPause, now: datetime, *, language: str) -> int:
    """End the pause and tell the workspace's admins and coaches, once; returns how many were told."""
    with session_scope(engine) as session:
        gone = session.exec(delete(SendingPause).where(col(SendingPause.team_id) == pause_row.team_id)).rowcount
        if not gone:  # another sender ended it first
            return 0
        told = 0
        for user_id, chosen in _admins_and_coaches(session, pause_row.team_id, language):
            message = sending_resumed(chosen, cause=pause_row.cause, since=pause_row.paused_at)
            enqueue(
                session,
                Envelope(
                    kind=MessageKind.NOTICE,
                    key=f"resumed:{pause_row.paused_at.isoformat()}:{user_id}",
                    team_id=pause_row.team_id,
                    due_at=now,
                    latest_at=now + NOTICE_FOR,
                    payload=post(message),
                    user_id=user_id,
                ),
                now=now,
            )
            told += 1
    log.warning(
        "sending resumed in workspace %s after %s; %d admins and coaches told", pause_row.team_id, pause_row.cause, told
    )
    return told


def _admins_and_coaches(session: Session, team_id: str, default: str) -> list[tuple[str, str]]:
    """(user id, language) of the coaches of the workspace's active cohorts and its Slack admins, each once; each
    in their own language, else their cohort's, else `default`."""
    people: dict[str, str] = {}
    coaches = session.exec(
        select(Member.user_id, Member.language, Cohort.language)
        .join(Cohort, col(Cohort.id) == col(Member.cohort_id))
        .where(
            Member.team_id == team_id,
            Member.role == Role.COACH,
            Member.status == MemberStatus.ACTIVE,
            Cohort.status == CohortStatus.ACTIVE,
        )
        .order_by(col(Member.id))
    )
    for user_id, own, cohort_language in coaches:
        people.setdefault(user_id, own or cohort_language)
    admins = session.exec(
        select(SlackUser.user_id).where(
            SlackUser.team_id == team_id,
            or_(col(SlackUser.is_admin), col(SlackUser.is_owner)),
            col(SlackUser.is_bot).is_(False),
            col(SlackUser.deleted).is_(False),
        )
    )
    for user_id in admins:
        people.setdefault(user_id, language_of(session, team_id, user_id, default))
    return sorted(people.items())
