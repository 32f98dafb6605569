"""Writing to the outbox: one row per message, written in the caller's transaction, at most once per key.

A message is enqueued in the same transaction as the change that calls for it (a mentor added → their welcome), so
a crash either loses both or keeps both; the sender picks the row up after commit. Enqueuing a key already there
writes nothing and returns the existing row's id, which makes every caller idempotent.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import DeliveryStatus, MessageKind, OutboxMessage

TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]  # SQLModel leaves __table__ untyped
OPEN = (DeliveryStatus.PLANNED, DeliveryStatus.SENDING)


@dataclass(frozen=True)
class Envelope:
    """What to send, where, from when until when; `key` makes it idempotent within the workspace."""

    kind: str
    key: str
    team_id: str
    due_at: datetime
    latest_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    user_id: str | None = None  # a DM to this user (or a group DM: payload["users"]) …
    channel_id: str | None = None  # … or a post in this channel
    thread_ts: str | None = None
    cohort_id: int | None = None
    member_id: int | None = None


def summary_key(summary_post_id: int) -> str:
    """The key of the outbox row that posts the summary `summary_post_id` (one post per organisation and period)."""
    return f"summary:{summary_post_id}"


def summary_post_of(key: str) -> int | None:
    """The summary post an outbox key stands for, if it is a summary's key."""
    prefix, _, number = key.partition(":")
    return int(number) if prefix == "summary" and number.isdigit() else None


def introduction_key(group_id: int) -> str:
    """The key of the outbox row that introduces a peer group to each other."""
    return f"peer:intro:{group_id}"


def met_question_key(group_id: int, member_id: int) -> str:
    """The key of the outbox row that asks one member of a peer group whether they met."""
    return f"peer:met:{group_id}:{member_id}"


def met_questions_like(group_id: int) -> str:
    """A LIKE pattern matching the keys of every "Did you meet?" of a peer group."""
    return f"peer:met:{group_id}:%"


def introduction_of(key: str) -> str | None:
    """For a "Did you meet?" question's key, the key of its group's introduction."""
    parts = key.split(":")
    if len(parts) == 4 and parts[:2] == ["peer", "met"] and parts[2].isdigit():
        return introduction_key(int(parts[2]))
    return None


def post(message: dict[str, Any]) -> dict[str, Any]:
    """The payload of a chat.postMessage (text, blocks, …)."""
    return {"action": "post", "message": message}


def group_post(message: dict[str, Any], users: Sequence[str]) -> dict[str, Any]:
    """The payload of a chat.postMessage in the group DM of `users` with Mentori (opened when it is sent)."""
    return {"action": "post", "message": message, "users": list(users)}


def upload(
    *, content: str, filename: str, title: str, comment: str, data: bytes | None = None, alt_text: str | None = None
) -> dict[str, Any]:
    """The payload of a file upload to the channel (files_upload_v2): text ``content``, or binary ``data`` (an
    image, kept base64-encoded in the JSON payload) with its ``alt_text``."""
    payload = {"action": "upload", "content": content, "filename": filename, "title": title, "comment": comment}
    if data is not None:
        payload["data"] = base64.b64encode(data).decode("ascii")
    if alt_text:
        payload["alt_text"] = alt_text
    return payload


def deletion(ts: str) -> dict[str, Any]:
    """The payload of a chat.delete of the message `ts` in the row's channel."""
    return {"action": "delete", "ts": ts}


def enqueue(session: Session, envelope: Envelope, *, now: datetime) -> int:
    """Write the message unless its key is there already; returns the row's id either way."""
    values = {
        "team_id": envelope.team_id,
        "kind": envelope.kind,
        "key": envelope.key[:200],
        "cohort_id": envelope.cohort_id,
        "member_id": envelope.member_id,
        "user_id": envelope.user_id,
        "channel_id": envelope.channel_id,
        "thread_ts": envelope.thread_ts,
        "payload": envelope.payload,
        "status": DeliveryStatus.PLANNED,
        "due_at": envelope.due_at,
        "not_before": envelope.due_at,
        "latest_at": envelope.latest_at,
        "attempts": 0,
        "created_at": now,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(TABLE).values(values).on_conflict_do_nothing())
    found = session.execute(
        select(TABLE.c.id).where(TABLE.c.team_id == envelope.team_id, TABLE.c.key == values["key"])
    ).scalar_one()
    return int(found)


def retry(session: Session, row_id: int, *, due_at: datetime, latest_at: datetime) -> None:
    """Plan a failed or skipped message again (someone fixed the cause and asked again)."""
    session.execute(
        update(TABLE)
        .where(TABLE.c.id == row_id, TABLE.c.status.in_([DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]))
        .values(
            status=DeliveryStatus.PLANNED,
            due_at=due_at,
            not_before=due_at,
            latest_at=latest_at,
            claimed_by=None,
            last_error=None,
            error_reported_at=None,
        )
    )


def mark_reported(session: Session, ids: Iterable[int], *, now: datetime) -> None:
    """Note that the person who asked was told these rows failed, so the coaches' report does not tell it again."""
    wanted = sorted(set(ids))
    if wanted:
        session.execute(
            update(TABLE)
            .where(TABLE.c.id.in_(wanted), TABLE.c.error_reported_at.is_(None))
            .values(error_reported_at=now)
        )


def rows(session: Session, ids: Iterable[int]) -> dict[int, OutboxMessage]:
    """The rows with these ids, fresh from the database."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(wanted)))  # type: ignore[call-overload]  # a stored row's id is set
    return {row.id: row for row in found.scalars()}


def cancel_for_person(
    session: Session, member_ids: Sequence[int], *, team_id: str, user_id: str
) -> list[tuple[str, str]]:
    """Cancel what is still to go to a person (their memberships, or them by user id); returns (channel, ts) of what
    already reached Slack."""
    session.execute(
        update(TABLE)
        .where(_for_person(member_ids, team_id, user_id), TABLE.c.status.in_(OPEN))
        .values(status=DeliveryStatus.CANCELLED, payload={})
    )
    return sent_to(session, member_ids, team_id=team_id, user_id=user_id)


def sent_to(session: Session, member_ids: Sequence[int], *, team_id: str, user_id: str) -> list[tuple[str, str]]:
    """(channel, ts) of every message the outbox posted to a person (welcomes, reminders, answers to their DMs, …)."""
    found = session.execute(
        select(TABLE.c.channel_id, TABLE.c.message_ts).where(
            _for_person(member_ids, team_id, user_id),
            TABLE.c.message_ts.is_not(None),
            TABLE.c.channel_id.is_not(None),
            TABLE.c.kind != MessageKind.DELETION,
        )
    ).all()
    return [(str(channel), str(ts)) for channel, ts in found]


def _for_person(member_ids: Sequence[int], team_id: str, user_id: str) -> Any:
    return or_(TABLE.c.member_id.in_(list(member_ids)), and_(TABLE.c.team_id == team_id, TABLE.c.user_id == user_id))
