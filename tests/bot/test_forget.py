"""`forget_person`: after it, no row of any table names the person, by Slack id or by member id."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlmodel import Session, SQLModel

from bot.forget import forget_person
from bot.privacy import PrivacyPolicy
from bot.summaries.model import COHORT
from bot.summaries.store import ensure_summary
from storage import work_queue
from storage.db import session_scope
from storage.models import Cohort, Delivery, DmNote, Member, ProgrammeSession, Role, SlackUser
from tests.support.queued import enqueue
from tests.support.summary_cohort import TEAM, build, mentor_id

NOW = datetime(2027, 3, 6, 10, 0, tzinfo=UTC)
PERSON = mentor_id(1, 0)


def _member_ids(engine: Engine, user_id: str) -> set[int]:
    with Session(engine) as session:
        return {m.id for m in session.exec(select(Member).where(Member.user_id == user_id)).scalars() if m.id}


def _mentions(engine: Engine, user_id: str, member_ids: set[int]) -> list[str]:
    """Every cell of every table that names the person."""
    keys = {f"m:{i}" for i in member_ids}
    found: list[str] = []
    with Session(engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            member_columns = {
                column.name
                for column in table.columns
                if any(fk.column.table.name == "member" for fk in column.foreign_keys)
            }
            if table.name == "member":
                member_columns.add("id")
            for row in session.execute(select(table)).mappings():
                for name, value in row.items():
                    found += _check(f"{table.name}.{name}", value, user_id, keys, member_ids, name in member_columns)
    return found


def _check(where: str, value: Any, user_id: str, keys: set[str], ids: set[int], is_member_ref: bool) -> list[str]:
    if is_member_ref and value in ids:
        return [f"{where} = {value}"]
    if isinstance(value, str) and user_id in value:
        return [f"{where} = {value!r}"]
    if isinstance(value, dict | list):
        text = json.dumps(value)
        if user_id in text or any(f'"{key}"' in text for key in keys):
            return [f"{where} holds the person"]
    return []


def test_after_forget_no_row_in_any_table_names_the_person(engine: Engine) -> None:
    cohort = build(engine)
    for period in ("before-session-2", "before-session-3"):
        cohort.fill(period)
        assert ensure_summary(engine, cohort.cohort_id, policy=PrivacyPolicy(), now=cohort.moment(period))
    with session_scope(engine) as session:
        session.add(Member(team_id=TEAM, cohort_id=cohort.other_cohort_id, user_id=PERSON, role=Role.COACH))
        session.add(SlackUser(team_id=TEAM, user_id=PERSON, tz="Europe/Helsinki", locale="fi-FI"))
        session.execute(update(Cohort).where(Cohort.id == cohort.other_cohort_id).values(created_by=PERSON))
        session.execute(update(ProgrammeSession).where(ProgrammeSession.number == 1).values(started_by=PERSON))
        delivery = (
            session.execute(select(Delivery).where(Delivery.member_id == cohort.mentors[PERSON])).scalars().first()
        )
        session.add(DmNote(team_id=TEAM, delivery_id=delivery.id, channel_id="D1", message_ts="1.1", text="hei"))
    queued_dm = {"team_id": TEAM, "event": {"type": "message", "user": PERSON, "text": "my reflection"}}
    enqueue(engine, work_queue.EVENT, TEAM, queued_dm, now=NOW)
    enqueue(engine, work_queue.COMMAND, TEAM, {"user_id": PERSON, "text": "pause"}, now=NOW)
    enqueue(engine, work_queue.COMMAND, TEAM, {"user_id": "USOMEONE", "text": "status"}, now=NOW)
    ids = _member_ids(engine, PERSON)
    assert len(ids) == 2 and _mentions(engine, PERSON, ids)  # the checker finds the person before
    with Session(engine) as session:
        before = len(session.execute(select(Member)).all())

    with session_scope(engine) as session:
        done = forget_person(session, team_id=TEAM, user_id=PERSON, now=NOW)

    assert _mentions(engine, PERSON, ids) == []
    assert done.memberships == 2 and done.deliveries > 0 and done.answers > 0 and done.notes == 1
    assert done.summaries > 0  # figures whose people included them, now with an anonymous token
    with Session(engine) as session:
        assert len(session.execute(select(Member)).all()) == before - 2  # nobody else was touched
        assert session.get(Cohort, cohort.other_cohort_id) is not None
    assert [item.payload["user_id"] for item in work_queue.take(engine, 10)] == ["USOMEONE"]


def test_the_next_summary_does_not_give_away_what_the_erased_person_contributed(engine: Engine) -> None:
    cohort = build(engine)
    cohort.fill("before-session-3")
    policy = PrivacyPolicy()
    first = ensure_summary(engine, cohort.cohort_id, policy=policy, now=cohort.moment("before-session-3"))
    assert first is not None and first.figure(COHORT, "mentors") is not None
    with session_scope(engine) as session:
        forget_person(session, team_id=TEAM, user_id=PERSON, now=NOW)
    cohort.fill("after-session-3")
    second = ensure_summary(engine, cohort.cohort_id, policy=policy, now=cohort.moment("after-session-3"))
    assert second is not None
    assert second.figure(COHORT, "mentors") is None
    assert (COHORT, "mentors", "small_change") in second.withheld


def test_forgetting_someone_unknown_changes_nothing(engine: Engine) -> None:
    build(engine)
    with session_scope(engine) as session:
        done = forget_person(session, team_id=TEAM, user_id="UNOBODY", now=NOW)
    assert not done.anything
