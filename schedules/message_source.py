"""Every message besides prompts for the sender: the `outbox_message` table (reminders, welcomes, coach reports,
HR summary posts, files, deletions, notices)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from schedules import claims
from schedules.claims import Outcome, Scope
from schedules.outbox import Triage
from schedules.slack_steps import LATE, Task, is_message, message_metadata
from storage.models import DeliveryStatus, MessageKind, OutboxMessage, SummaryPost
from storage.outbox_messages import introduction_of, summary_post_of

TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]  # SQLModel leaves __table__ untyped
_RETURNED = ("id", "team_id", "kind", "key", "user_id", "channel_id", "thread_ts", "payload", "not_before", "latest_at")
# last_error of a "Did you meet?" cancelled because its group was never introduced: the coaches were told of the
# introduction itself, so the questions are cancelled, not reported again
NOT_INTRODUCED = "not_introduced"


@dataclass(frozen=True)
class Claimed:
    """An outbox message this sender now holds."""

    row: Any
    taken_over: bool


class MessageSource:
    """Outbox messages other than prompts."""

    name = "messages"

    def __init__(self, scope: Scope | None = None) -> None:
        self.scope = scope or claims.EVERYTHING

    def triage(self, session: Session, now: datetime) -> Triage:
        """Skip what is past its latest-useful moment: it is no use any more."""
        result = session.exec(
            update(TABLE)
            .where(TABLE.c.status == DeliveryStatus.PLANNED, TABLE.c.latest_at < now)
            .values(status=DeliveryStatus.SKIPPED, last_error=LATE, payload={})
        )
        return Triage(late=int(result.rowcount or 0))

    def claim(
        self, engine: Engine, *, worker: str, now: datetime, limit: int, lease: timedelta, paused: frozenset[str]
    ) -> list[Claimed]:
        scope = Scope(paused=paused, ids=self.scope.ids)
        rows = claims.claim_rows(
            engine, TABLE, _RETURNED, worker=worker, now=now, limit=limit, lease=lease, scope=scope
        )
        return [Claimed(row, taken_over) for row, taken_over in rows]

    def prepare(self, engine: Engine, claimed: Sequence[Claimed], moment: datetime) -> tuple[list[Task], list[Outcome]]:
        ready, settled = [], []
        unintroduced = _questions_without_introduction(engine, [claim.row for claim in claimed])
        for claim in claimed:
            task = _task(claim)
            if int(claim.row["id"]) in unintroduced:
                settled.append(Outcome(int(claim.row["id"]), DeliveryStatus.CANCELLED, error=NOT_INTRODUCED))
            elif task is None:
                settled.append(Outcome(int(claim.row["id"]), DeliveryStatus.FAILED, error="empty"))
            else:
                ready.append(task)
        return ready, settled

    def record(self, engine: Engine, outcomes: Sequence[Outcome], *, worker: str, now: datetime) -> list[Outcome]:
        # The summary learns where it was posted before its outbox row is marked sent: a worker stopped between the
        # two then leaves the row to be re-claimed, found in Slack and noted again, never a post without its record.
        _note_summary_posts(engine, [o for o in outcomes if o.status == DeliveryStatus.SENT], now)
        orphans = claims.record(engine, TABLE, outcomes, worker=worker, now=now)
        return orphans


def _task(claim: Claimed) -> Task | None:
    row = claim.row
    payload = dict(row["payload"] or {})
    action = payload.get("action")
    row_id = int(row["id"])
    if action == "post":
        body = dict(payload["message"])
        body.setdefault("metadata", message_metadata(row_id))
        mark = is_message(row_id)
    elif action == "upload":
        body = payload
        filename = payload["filename"]
        mark = lambda message: any(f.get("name") == filename for f in message.get("files") or [])  # noqa: E731
    elif action == "delete":
        body, mark = payload, lambda message: False
    else:
        return None
    # A group DM (a peer group's introduction) is opened with every one of its people: conversations.open users=U1,U2
    person = row["user_id"] or (",".join(payload["users"]) if payload.get("users") else None)
    return Task(
        row_id,
        str(row["team_id"]),
        action,
        body,
        mark,
        person,
        row["channel_id"],
        check=claim.taken_over,
        thread_ts=row["thread_ts"],
        latest_at=row["latest_at"],
    )


def _questions_without_introduction(engine: Engine, rows: Sequence[Any]) -> set[int]:
    """The "Did you meet?" questions among `rows` whose group was never introduced (its introduction failed, came
    too late or was cancelled): nobody is asked about a meeting they were never offered."""
    wanted = {int(row["id"]): introduction_of(str(row["key"])) for row in rows}
    introductions = {key for key in wanted.values() if key is not None}
    if not introductions:
        return set()
    teams = {str(row["team_id"]) for row in rows}
    with Session(engine) as session:
        sent = set(
            session.exec(
                select(OutboxMessage.key).where(
                    col(OutboxMessage.key).in_(introductions),
                    col(OutboxMessage.team_id).in_(teams),
                    OutboxMessage.status == DeliveryStatus.SENT,
                )
            )
        )
    return {row_id for row_id, key in wanted.items() if key is not None and key not in sent}


def _note_summary_posts(engine: Engine, sent: Sequence[Outcome], now: datetime) -> None:
    """A summary post that went out is stored with its summary: where and when it was posted."""
    if not sent:
        return
    with Session(engine) as session:
        keys = dict(
            session.exec(
                select(OutboxMessage.id, OutboxMessage.key).where(
                    col(OutboxMessage.id).in_([o.row_id for o in sent]),
                    OutboxMessage.kind == MessageKind.SUMMARY,
                )
            ).all()
        )
        for outcome in sent:
            summary_id = summary_post_of(str(keys.get(outcome.row_id, "")))
            if summary_id is None:
                continue
            session.execute(
                update(SummaryPost)
                .where(SummaryPost.id == summary_id)  # type: ignore[arg-type]  # a model attribute in a query is a column
                .values(channel_id=outcome.channel_id, message_ts=outcome.message_ts, posted_at=now)
            )
        session.commit()
