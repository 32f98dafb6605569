"""Sending from a listener or the CLI: what it put in the outbox goes out at once, through the one sender.

The rows are written in the listener's own transaction (storage.outbox_messages.enqueue); `deliver` then runs the
outbox sender over just those rows with the listener's workspace client, so a person sees their welcome or file as
soon as the command is done — with the same retries and exactly-once guarantee as the scheduler's runs. Whatever
could not go out yet (Slack rate-limited it for long) stays planned and the scheduler's next run sends it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.deps import Deps
from storage.models import DeliveryStatus, MessageKind, OutboxMessage
from storage.outbox_messages import Envelope, deletion, enqueue, mark_reported, post, rows, upload

DELETE_FOR = timedelta(days=30)
FILE_FOR = timedelta(days=1)  # a file asked for and not delivered within a day is not sent: ask again
SendNow = Callable[[WebClient, Sequence[int]], None]


@dataclass(frozen=True)
class Notice:
    """A one-off DM: its idempotency key, the message, and how long it is of use."""

    key: str
    message: dict[str, Any]
    keep_for: timedelta


def deliver(deps: Deps, client: WebClient, ids: Sequence[int]) -> dict[int, OutboxMessage]:
    """Send the outbox rows `ids` now (when the process can) and return them as they are afterwards."""
    return send_and_read(deps.engine, deps.send_now, client, ids)


def send_and_read(
    engine: Engine, send_now: SendNow | None, client: WebClient, ids: Sequence[int]
) -> dict[int, OutboxMessage]:
    """`deliver` with the parts of Deps it uses; without `send_now` the rows wait for the scheduler."""
    if ids and send_now is not None:
        send_now(client, ids)
    return read(engine, ids)


def read(engine: Engine, ids: Sequence[int]) -> dict[int, OutboxMessage]:
    with Session(engine) as session:
        found = rows(session, ids)
        for row in found.values():
            session.expunge(row)
        return found


def not_sent(found: dict[int, OutboxMessage]) -> list[OutboxMessage]:
    """The rows that failed or were skipped (a row still waiting is not counted: it will go out)."""
    return [row for row in found.values() if row.status in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)]


def told(engine: Engine, rows_told: Sequence[OutboxMessage], now: datetime) -> None:
    """The person who asked has just been told that these rows could not be sent: the coaches' report skips them."""
    with Session(engine) as session:
        mark_reported(session, [int(row.id or 0) for row in rows_told], now=now)
        session.commit()


def plan_deletions(session: Session, team_id: str, messages: Sequence[tuple[str, str]], *, now: datetime) -> list[int]:
    """Put the deletion of each (channel, ts) Mentori posted in the outbox (an erased person's prompts and DMs)."""
    return [
        enqueue(
            session,
            Envelope(
                kind=MessageKind.DELETION,
                key=f"erased:{channel}:{ts}",
                team_id=team_id,
                due_at=now,
                latest_at=now + DELETE_FOR,
                payload=deletion(ts),
                channel_id=channel,
            ),
            now=now,
        )
        for channel, ts in messages
    ]


def plan_file(
    session: Session,
    team_id: str,
    *,
    key: str,
    content: str,
    filename: str,
    title: str,
    comment: str,
    now: datetime,
    user_id: str | None = None,
    channel_id: str | None = None,
    cohort_id: int | None = None,
) -> int:
    """Put a file upload in the outbox: to `user_id`'s DM with Mentori, or to `channel_id`."""
    return enqueue(
        session,
        Envelope(
            kind=MessageKind.FILE,
            key=key,
            team_id=team_id,
            due_at=now,
            latest_at=now + FILE_FOR,
            payload=upload(content=content, filename=filename, title=title, comment=comment),
            user_id=user_id,
            channel_id=channel_id,
            cohort_id=cohort_id,
        ),
        now=now,
    )


def plan_notice(session: Session, team_id: str, *, notice: Notice, user_id: str, now: datetime) -> int:
    """Put a one-off DM to `user_id` in the outbox, once per its key; after its `keep_for` it is not sent."""
    envelope = Envelope(
        kind=MessageKind.NOTICE,
        key=notice.key,
        team_id=team_id,
        due_at=now,
        latest_at=now + notice.keep_for,
        payload=post(notice.message),
        user_id=user_id,
    )
    return enqueue(session, envelope, now=now)
