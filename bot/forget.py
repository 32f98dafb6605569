"""`/mentori forget @user`: an admin erases a person from every table, leaving no row that names them.

Builds on bot.data_rights.erase_person (what the mentor's own delete uses: their words, experiments, meetings and
Slack profile) and goes further, because an admin's erasure must leave nothing that points at the person:

- every row that refers to one of their memberships, directly or through another row (deliveries, answers, kept
  DMs, …), found by walking the foreign keys of every table in SQLModel.metadata, is deleted, then the
  memberships themselves;
- every text column of every table holding their Slack user id is cleared (or, where it may not be empty, the row
  is deleted);
- the member ids stored behind HR summary figures are replaced by one random token per person, and their quotes are
  removed from every stored summary (erase_person). The token is kept, not dropped, so the privacy filter's check
  over time still sees that one person left a group and withholds a figure that would give away what that person
  had contributed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Table, delete, select, update
from sqlmodel import Session, SQLModel, col

from bot.data_rights import erase_person
from bot.summaries.model import person_key
from bot.summaries.store import erase_from_summaries
from storage import work_queue
from storage.models import Member


@dataclass(frozen=True)
class Forgotten:
    """What was removed, for the admin's confirmation."""

    memberships: int
    deliveries: int
    answers: int
    experiments: int
    meetings: int
    notes: int
    summaries: int  # summary figures whose people were anonymised
    other: int  # further rows deleted or cleared
    messages: list[tuple[str, str]] = field(default_factory=list)  # prompt DMs to delete from Slack after commit

    @property
    def anything(self) -> bool:
        return any(
            (
                self.memberships,
                self.deliveries,
                self.answers,
                self.experiments,
                self.meetings,
                self.notes,
                self.summaries,
                self.other,
            )
        )


def forget_person(session: Session, *, team_id: str, user_id: str, now: datetime) -> Forgotten:
    """Erase the person from every table of this workspace, in the caller's transaction."""
    member_ids = [
        int(i)
        for i in session.execute(
            select(col(Member.id)).where(col(Member.team_id) == team_id, col(Member.user_id) == user_id)
        ).scalars()
    ]
    erased = erase_person(session, team_id=team_id, user_id=user_id, now=now)
    summaries = _anonymise_summaries(session, team_id, member_ids)
    deleted = _delete_dependants(session, "member", set(member_ids))
    other = _clear_user_id(session, team_id, user_id) + _forget_queued(session, team_id, user_id)
    deliveries = deleted.pop("delivery", 0)
    memberships = deleted.pop("member", 0)
    for name in ("answer", "experiment", "hr_meeting", "dm_note"):
        deleted.pop(name, None)  # counted by erase_person
    session.flush()
    return Forgotten(
        memberships=memberships,
        deliveries=deliveries,
        answers=erased.answers,
        experiments=erased.experiments,
        meetings=erased.meetings,
        notes=erased.notes,
        summaries=summaries,
        other=other + sum(deleted.values()),
        messages=erased.messages,
    )


def _anonymise_summaries(session: Session, team_id: str, member_ids: list[int]) -> int:
    """Replace the person's member ids behind stored summary figures with one random token; return figures changed."""
    token = f"gone:{secrets.token_hex(8)}"
    return erase_from_summaries(session, team_id, {person_key(i): token for i in member_ids})


def _tables() -> list[Table]:
    return list(SQLModel.metadata.sorted_tables)


def _single_key(table: Table) -> Any | None:
    keys = list(table.primary_key.columns)
    return keys[0] if len(keys) == 1 else None


def _delete_dependants(session: Session, root: str, ids: set[Any]) -> dict[str, int]:
    """Delete the rows of ``root`` with these ids and every row that refers to them, however indirectly."""
    doomed: dict[str, set[Any]] = {root: set(ids)} if ids else {}
    conditions: dict[str, list[Any]] = {}
    for table in _tables():  # parents come before the tables that refer to them
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target not in doomed or not doomed[target] or fk.column is not _single_key(fk.column.table):
                continue
            conditions.setdefault(table.name, []).append(fk.parent.in_(doomed[target]))
            key = _single_key(table)
            if key is not None:
                found = set(session.execute(select(key).where(fk.parent.in_(doomed[target]))).scalars())
                doomed.setdefault(table.name, set()).update(found)
    counts: dict[str, int] = {}
    for table in reversed(_tables()):
        key = _single_key(table)
        criteria = [*conditions.get(table.name, [])]
        if key is not None and doomed.get(table.name):
            criteria.append(key.in_(doomed[table.name]))
        total = 0
        for criterion in criteria:
            total += int(session.exec(delete(table).where(criterion)).rowcount or 0)
        if total:
            counts[table.name] = total
    return counts


def _forget_queued(session: Session, team_id: str, user_id: str) -> int:
    """Commands and events of theirs still waiting for a worker (a DM's text among them)."""
    ids = work_queue.by_person(session.connection(), team_id, user_id)
    if ids:
        session.execute(delete(work_queue.TABLE).where(work_queue.TABLE.c.id.in_(ids)))
    return len(ids)


def _clear_user_id(session: Session, team_id: str, user_id: str) -> int:
    """Clear every text column holding the user id (deleting the row where the column may not be empty)."""
    touched = 0
    for table in reversed(_tables()):
        scope = [table.c.team_id == team_id] if "team_id" in table.c else []
        for column in table.columns:
            if not isinstance(column.type, String) or isinstance(column.type, JSON):
                continue
            where = [column == user_id, *scope]
            if column.nullable and not column.primary_key:
                result = session.exec(update(table).where(*where).values({column.name: None}))
            else:
                result = session.exec(delete(table).where(*where))
            touched += int(result.rowcount or 0)
    return touched
