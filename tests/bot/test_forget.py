"""`forget_person`: after it, no row of any table names the person, by Slack id or by member id."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlmodel import Session, SQLModel

from bot.data_rights import erase_person, export_person, messages_sent_to
from bot.forget import forget_person
from bot.privacy import PrivacyPolicy
from bot.privacy_gate import Audience, Kind, csv_for
from bot.summaries.model import COHORT
from bot.summaries.store import ensure_summary
from storage import work_queue
from storage.db import session_scope
from storage.models import Answer, Cohort, Delivery, DmNote, Member, ProgrammeSession, Role, SlackUser, SummaryPost
from tests.bot.test_privacy import person_leaks
from tests.support.queued import enqueue
from tests.support.summary_cohort import TEAM, SummaryCohort, build, mentor_id

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


def test_after_forget_the_next_summaries_keep_their_figures_and_isolate_nobody(engine: Engine) -> None:
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
    assert second.figure(COHORT, "mentors").value == {"mentors": 15}  # membership, counted on the new snapshot
    with Session(engine) as session:
        stored = [f for row in session.execute(select(SummaryPost)).scalars() for f in row.figures["figures"]]
    for metric in {f["metric"] for f in stored if f["metric"].startswith("experiments")}:
        assert not person_leaks(list({frozenset(f["people"]) for f in stored if f["metric"] == metric})), metric


def _quoted_person(engine: Engine, cohort: SummaryCohort) -> tuple[str, list[str]]:
    """A Kela mentor whose every answer is their own words, shared with HR: (user id, the texts)."""
    user_id = mentor_id(1, 3)
    member_id = cohort.mentors[user_id]
    with session_scope(engine) as session:
        rows = session.execute(select(Answer).where(Answer.member_id == member_id)).scalars().all()
        texts = []
        for n, answer in enumerate(rows):
            if answer.text:
                answer.text = f"Erasable reflection number {n} about our pilot"
                answer.consent_to_quote = True
                texts.append(answer.text)
                session.add(answer)
        for n, delivery in enumerate(
            session.execute(select(Delivery).where(Delivery.member_id == member_id)).scalars()
        ):
            delivery.channel_id, delivery.message_ts = f"D{user_id[1:]}", f"1800000000.{n:06d}"  # the prompts posted
            session.add(delivery)
    return user_id, texts


@pytest.mark.parametrize("how", ["forget", "own delete"])
def test_erasure_takes_their_words_out_of_every_stored_summary_and_export(engine: Engine, how: str) -> None:
    cohort = build(engine)
    cohort.fill("before-session-2")
    user_id, texts = _quoted_person(engine, cohort)
    policy = PrivacyPolicy()
    kela = Audience(Kind.HR, cohort.cohort_id, cohort.organisations[1])
    first = cohort.moment("before-session-2")
    export = csv_for(engine, kela, policy=policy, now=first)
    assert export is not None and "Erasable reflection" in export[1]  # HR could read it in that period's export
    cohort.fill("before-session-3")
    assert ensure_summary(engine, cohort.cohort_id, policy=policy, now=cohort.moment("before-session-3"))
    with Session(engine) as session:
        member_ids = [cohort.mentors[user_id]]
        sent = messages_sent_to(session, TEAM, member_ids)
        held = export_person(session, team_id=TEAM, user_id=user_id, language="en", now=NOW)["quotes_held_for_hr"]
    assert sent  # the prompts Mentori posted to them
    assert all(q["organisation"] == "Kela" for q in held) and any("Erasable reflection" in q["text"] for q in held)

    with session_scope(engine) as session:
        if how == "forget":
            done = forget_person(session, team_id=TEAM, user_id=user_id, now=NOW)
        else:
            done = erase_person(session, team_id=TEAM, user_id=user_id, now=NOW)
    assert sorted(done.messages) == sorted(sent)

    for audience in (kela, Audience(Kind.COACHES, cohort.cohort_id)):
        for moment in (first + timedelta(hours=1), cohort.moment("before-session-3") + timedelta(days=1)):
            export = csv_for(engine, audience, policy=policy, now=moment)  # a re-export of each period
            assert export is not None and "Erasable reflection" not in export[1]
    with Session(engine) as session:  # every table, every stored summary
        for table in SQLModel.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                cell_texts = json.dumps({k: v for k, v in row.items()}, default=str)
                assert not [text for text in texts if text in cell_texts], table.name
                assert user_id not in cell_texts, table.name


def test_forgetting_someone_unknown_changes_nothing(engine: Engine) -> None:
    build(engine)
    with session_scope(engine) as session:
        done = forget_person(session, team_id=TEAM, user_id="UNOBODY", now=NOW)
    assert not done.anything
