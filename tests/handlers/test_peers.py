"""Peer groups through the real app against the fake Slack: formed at kickoff, introduced in a group DM through the
outbox, `/mentori pairs` for coaches, and "Did you meet?" with the reflection for mentors."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import combinations
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.deps import Deps
from bot.settings import Settings
from storage.db import session_scope
from storage.models import (
    DeliveryStatus,
    Member,
    MessageKind,
    OutboxMessage,
    PeerGroup,
    PeerGroupMember,
    PeerPreference,
)
from tests.support.app_driver import SlackDriver
from tests.support.coach_world import COACH, HR, KICKOFF_AT, MENTOR, MENTORS, World, add_people, build
from tests.support.fake_slack import Call, FakeSlack
from tests.support.outbox_world import messages_of, send_messages

FOLLOW_UP_AT = KICKOFF_AT + timedelta(days=7, hours=1)


@pytest.fixture
def deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=settings, engine=engine, now=lambda: KICKOFF_AT)


@pytest.fixture
def world(fake_slack: FakeSlack, engine: Engine) -> World:
    add_people(fake_slack)
    return build(engine)


def _answer(slack: SlackDriver, fake: FakeSlack, text: str, user_id: str = COACH) -> Call:
    before = len(fake.calls_to("response_url"))
    reply = slack.command(text, user_id=user_id, response_url=fake.response_url())
    assert reply.status == 200 and reply.body == ""
    answers = fake.calls_to("response_url")[before:]
    assert len(answers) == 1, answers
    assert fake.invalid == []
    return answers[0]


def _text(node: Any) -> str:
    if isinstance(node, dict):
        return "\n".join(_text(v) for k, v in node.items() if k not in ("type", "action_id", "value", "block_id"))
    if isinstance(node, list):
        return "\n".join(_text(item) for item in node)
    return node if isinstance(node, str) else ""


def _groups(engine: Engine, world: World) -> dict[int, list[tuple[int, ...]]]:
    """Each round's groups as sorted member ids."""
    with Session(engine) as session:
        rows = session.exec(
            select(PeerGroup.round, PeerGroupMember.group_id, PeerGroupMember.member_id)
            .join(PeerGroup, col(PeerGroup.id) == col(PeerGroupMember.group_id))
            .where(PeerGroup.cohort_id == world.cohort)
        ).all()
    groups: dict[tuple[int, int], list[int]] = {}
    for number, group_id, member_id in rows:
        groups.setdefault((number, group_id), []).append(member_id)
    out: dict[int, list[tuple[int, ...]]] = {}
    for (number, _), members in sorted(groups.items()):
        out.setdefault(number, []).append(tuple(sorted(members)))
    return out


def _organisation_of(engine: Engine) -> dict[int, int | None]:
    with Session(engine) as session:
        return {int(m.id or 0): m.organisation_id for m in session.exec(select(Member))}


def _kickoff(slack: SlackDriver, fake: FakeSlack) -> None:
    assert "has started" in _answer(slack, fake, 'kickoff "Spring 2027" 1').args["text"]


def test_a_kickoff_forms_mixed_pairs_and_introduces_each_in_a_group_dm_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _kickoff(slack, fake_slack)
    rounds = _groups(engine, world)
    assert list(rounds) == [1]
    organisation = _organisation_of(engine)
    placed = [member for group in rounds[1] for member in group]
    assert sorted(placed) == sorted(world.mentors.values())  # everyone once
    assert all(len(group) == 2 for group in rounds[1])  # 16 mentors: eight pairs
    assert all(organisation[a] != organisation[b] for group in rounds[1] for a, b in combinations(group, 2))

    send_messages(engine, fake_slack, KICKOFF_AT)
    send_messages(engine, fake_slack, KICKOFF_AT + timedelta(minutes=5))  # a second run sends nothing again
    opened = [c.args["users"] for c in fake_slack.calls_to("conversations.open") if "," in c.args.get("users", "")]
    assert len(opened) == 8
    groups = fake_slack.group_dms()
    introductions = [m for m in fake_slack.messages if m["channel"] in groups]
    assert len(introductions) == 8 and len({m["channel"] for m in introductions}) == 8
    user_of = {member_id: user_id for user_id, member_id in world.mentors.items()}
    assert sorted(groups.values()) == sorted(tuple(sorted(user_of[m] for m in g)) for g in rounds[1])
    first = introductions[0]
    people = groups[first["channel"]]
    text = _text(first["blocks"])
    assert all(f"<@{user}>" in text for user in people)
    assert "A suggestion: a 20-minute conversation on the theme of session 1" in text
    assert "works at" in text and "Current experiment" not in text  # nobody chose to show their experiment
    assert fake_slack.invalid == []


def test_the_follow_up_asks_each_mentor_and_a_yes_leads_to_the_reflection(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _kickoff(slack, fake_slack)
    send_messages(engine, fake_slack, KICKOFF_AT)
    assert not [m for m in fake_slack.messages if m["channel"] == fake_slack.dm_id(MENTOR)]  # not before a week
    send_messages(engine, fake_slack, FOLLOW_UP_AT)
    asked = [m for m in fake_slack.messages if m["channel"] == fake_slack.dm_id(MENTOR)]
    assert len(asked) == 1
    assert "Did you meet?" in _text(asked[0]["blocks"])
    buttons = asked[0]["blocks"][1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Yes", "Not yet", "We won't"]
    group_id = buttons[0]["value"]

    reply = slack.action(
        "peer_met_yes", group_id, user_id=MENTOR, channel_id=asked[0]["channel"], message_ts=asked[0]["ts"]
    )
    assert reply.status == 200
    update = fake_slack.calls_to("chat.update")[-1].args
    assert update["ts"] == asked[0]["ts"]
    assert "what did you learn from the other organisation" in _text(update["blocks"])
    reflect = next(
        e for b in update["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "peer_reflect"
    )
    slack.action("peer_reflect", reflect["value"], user_id=MENTOR)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "peer_reflection"

    empty = slack.submit(
        "peer_reflection", {"reflection": {"value": "  "}}, user_id=MENTOR, private_metadata=view["private_metadata"]
    )
    assert empty.json["response_action"] == "errors" and "reflection" in empty.json["errors"]
    saved = slack.submit(
        "peer_reflection",
        {"reflection": {"value": "Their stand-up for learning"}},
        user_id=MENTOR,
        private_metadata=view["private_metadata"],
    )
    assert saved.json["response_action"] == "update"
    with Session(engine) as session:
        row = session.exec(select(PeerGroupMember).where(PeerGroupMember.member_id == world.mentors[MENTOR])).one()
    assert (row.met, row.reflection) == ("yes", "Their stand-up for learning")


def test_another_mentors_group_cannot_be_answered(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _kickoff(slack, fake_slack)
    mine = world.mentors[MENTOR]
    with Session(engine) as session:
        own = session.exec(select(PeerGroupMember.group_id).where(PeerGroupMember.member_id == mine)).one()
        theirs = session.exec(select(PeerGroupMember.group_id).where(PeerGroupMember.group_id != own)).first()
    assert theirs is not None
    slack.action("peer_met_yes", str(theirs), user_id=MENTOR)
    private = json.dumps({"group": theirs})
    reply = slack.submit("peer_reflection", {"reflection": {"value": "x"}}, user_id=MENTOR, private_metadata=private)
    assert reply.json["response_action"] == "errors"
    with Session(engine) as session:
        assert session.exec(select(PeerGroupMember).where(col(PeerGroupMember.met).is_not(None))).all() == []
    assert fake_slack.calls_to("chat.update") == []


def test_coaches_see_the_groups_and_who_met_and_nobody_else_does(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _kickoff(slack, fake_slack)
    with session_scope(engine) as session:
        row = session.exec(select(PeerGroupMember).where(PeerGroupMember.member_id == world.mentors[MENTOR])).one()
        row.met = "yes"
        session.add(row)
    answer = _answer(slack, fake_slack, 'pairs "Spring 2027"')
    text = _text(answer.args["blocks"])
    assert "Spring 2027: peer groups" in text
    assert "On: groups of 2 are formed after each kickoff" in text
    assert "<@UM01> (Vero): met" in text and "no answer yet" in text
    for outsider in (HR, MENTORS[3]):
        refused = _answer(slack, fake_slack, 'pairs "Spring 2027"', user_id=outsider).args["text"]
        assert "Sorry" in refused and "<@" not in refused


def test_making_groups_again_asks_first_then_avoids_every_earlier_partner(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _kickoff(slack, fake_slack)
    asked = _answer(slack, fake_slack, 'pairs "Spring 2027" make')
    assert "already has peer groups" in asked.args["text"]
    assert list(_groups(engine, world)) == [1]  # nothing done yet
    confirm = asked.args["blocks"][1]["elements"][0]
    slack.action(confirm["action_id"], confirm["value"], user_id=COACH, response_url=fake_slack.response_url("r2"))
    receipt = fake_slack.calls_to("response_url")[-1].args
    assert receipt["replace_original"] is True
    assert receipt["text"].startswith("Formed 8 peer groups for session 1 of Spring 2027 from 16 mentors.")
    rounds = _groups(engine, world)
    first = {frozenset(p) for g in rounds[1] for p in combinations(g, 2)}
    second = {frozenset(p) for g in rounds[2] for p in combinations(g, 2)}
    assert not first & second
    earlier = messages_of(
        engine,
        col(OutboxMessage.kind) == MessageKind.INTRODUCTION,
        col(OutboxMessage.key).in_([f"peer:intro:{gid}" for gid in range(1, 9)]),
    )
    assert {m.status for m in earlier} == {DeliveryStatus.CANCELLED}  # the first round's were not sent yet


def test_off_on_and_trios(slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World) -> None:
    assert "are off for Spring 2027" in _answer(slack, fake_slack, 'pairs "Spring 2027" off').args["text"]
    _kickoff(slack, fake_slack)
    assert _groups(engine, world) == {}
    assert _answer(slack, fake_slack, 'pairs "Spring 2027" trios').args["text"] == (
        "From now on, peer groups of Spring 2027 have 3 people (an odd one out joins a group). "
        "Peer groups are off for Spring 2027. Groups already formed stay as they are."
    )
    assert "are on for Spring 2027" in _answer(slack, fake_slack, 'pairs "Spring 2027" on').args["text"]
    made = _answer(slack, fake_slack, 'pairs "Spring 2027" make').args["text"]
    assert made.startswith("Formed 6 peer groups")  # 16 mentors: four trios and two pairs
    assert sorted(len(g) for g in _groups(engine, world)[1]) == [2, 2, 3, 3, 3, 3]


def test_a_mentor_who_leaves_peer_groups_is_left_out(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    slack.action("peer_opt_out", None, user_id=MENTOR)
    with Session(engine) as session:
        assert session.get(PeerPreference, world.mentors[MENTOR]).opted_out is True  # type: ignore[union-attr]
    _kickoff(slack, fake_slack)
    placed = [m for g in _groups(engine, world)[1] for m in g]
    assert world.mentors[MENTOR] not in placed and len(placed) == 15  # an odd number: one trio
    slack.action("peer_opt_in", None, user_id=MENTOR)
    with Session(engine) as session:
        assert session.get(PeerPreference, world.mentors[MENTOR]).opted_out is False  # type: ignore[union-attr]


def test_a_shared_experiment_is_named_in_the_introduction(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    from storage.models import Experiment, ExperimentStatus

    with session_scope(engine) as session:
        session.add(
            Experiment(
                team_id="T111",
                member_id=world.mentors[MENTOR],
                title="Learning lunch <!here>",
                status=ExperimentStatus.RUNNING,
            )
        )
        session.add(
            Experiment(
                team_id="T111",
                member_id=world.mentors[MENTORS[1]],
                title="Kept to myself",
                status=ExperimentStatus.RUNNING,
            )
        )
    slack.action("peer_share_on", None, user_id=MENTOR)
    _kickoff(slack, fake_slack)
    send_messages(engine, fake_slack, KICKOFF_AT)
    texts = "\n".join(_text(m["blocks"]) for m in fake_slack.messages if m["channel"] in fake_slack.group_dms())
    assert "Current experiment: “Learning lunch &lt;!here&gt;”" in texts
    assert "Kept to myself" not in texts


def test_bad_words_get_the_usage(slack: SlackDriver, fake_slack: FakeSlack, world: World) -> None:
    text = _answer(slack, fake_slack, 'pairs "No such cohort" make').args["text"]
    assert "Write it like this: `/mentori pairs <cohort>`" in text


def test_home_shows_the_current_partners_and_the_choices(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _kickoff(slack, fake_slack)
    slack.action("peer_share_on", None, user_id=MENTOR)
    view = fake_slack.calls_to("views.publish")[-1].args
    assert view["user_id"] == MENTOR
    home = view["view"] if isinstance(view["view"], dict) else json.loads(view["view"])
    text = _text(home["blocks"])
    with Session(engine) as session:
        own = session.exec(
            select(PeerGroupMember.group_id).where(PeerGroupMember.member_id == world.mentors[MENTOR])
        ).one()
        partner = session.exec(
            select(Member.user_id)
            .join(PeerGroupMember, col(PeerGroupMember.member_id) == col(Member.id))
            .where(PeerGroupMember.group_id == own, Member.user_id != MENTOR)
        ).one()
    assert f"Spring 2027, session 1: your peer group is <@{partner}>" in text
    assert "Your peer group sees the title of your current experiment." in text
    actions = [e["action_id"] for b in home["blocks"] if b.get("block_id") == "peer_home" for e in b["elements"]]
    assert actions == ["peer_opt_out", "peer_share_off"]
    assert fake_slack.invalid == []


def test_a_removed_mentor_is_left_out_of_the_introductions_not_yet_sent(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _answer(slack, fake_slack, 'pairs "Spring 2027" trios')
    _kickoff(slack, fake_slack)
    groups = _groups(engine, world)[1]
    trio = next(g for g in groups if len(g) == 3)
    pair = next(g for g in groups if len(g) == 2)
    user_of = {member_id: user_id for user_id, member_id in world.mentors.items()}
    leaving = [user_of[trio[0]], user_of[pair[0]]]
    text = _answer(slack, fake_slack, f'member remove "Spring 2027" <@{leaving[0]}> <@{leaving[1]}>').args["text"]
    assert "Removed from *Spring 2027*" in text

    send_messages(engine, fake_slack, KICKOFF_AT)
    introduced = fake_slack.group_dms()
    assert len(introduced) == len(groups) - 1  # the pair, now one person, is not introduced
    assert tuple(sorted(user_of[m] for m in trio[1:])) in introduced.values()
    assert not [users for users in introduced.values() if set(users) & set(leaving)]
    introductions = json.dumps([m for m in fake_slack.messages if m["channel"] in introduced])
    assert not [user for user in leaving if user in introductions]

    send_messages(engine, fake_slack, FOLLOW_UP_AT)
    asked = {
        user: [m for m in fake_slack.messages if m["channel"] == fake_slack.dm_id(user)] for user in user_of.values()
    }
    assert asked[leaving[0]] == [] and asked[leaving[1]] == [] and asked[user_of[pair[1]]] == []
    for stayed in trio[1:]:
        [question] = asked[user_of[stayed]]
        assert "Did you meet?" in _text(question["blocks"]) and leaving[0] not in json.dumps(question)
    assert fake_slack.invalid == []


def test_nobody_is_asked_whether_they_met_when_their_group_was_never_introduced(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, world: World
) -> None:
    _kickoff(slack, fake_slack)
    fake_slack.script("conversations.open", {"ok": False, "error": "user_disabled"})
    send_messages(engine, fake_slack, KICKOFF_AT)
    with Session(engine) as session:
        [failed] = session.exec(
            select(OutboxMessage.key).where(
                col(OutboxMessage.key).like("peer:intro:%"), OutboxMessage.status == DeliveryStatus.FAILED
            )
        ).all()
        never_introduced = set(
            session.exec(
                select(Member.user_id)
                .join(PeerGroupMember, col(PeerGroupMember.member_id) == Member.id)
                .where(PeerGroupMember.group_id == int(failed.rsplit(":", 1)[1]))
            )
        )
    assert len(fake_slack.group_dms()) == 7 and len(never_introduced) == 2

    send_messages(engine, fake_slack, FOLLOW_UP_AT)
    asked = {
        user for user in world.mentors if [m for m in fake_slack.messages if m["channel"] == fake_slack.dm_id(user)]
    }
    assert asked == set(world.mentors) - never_introduced
    with Session(engine) as session:
        dropped = session.exec(
            select(OutboxMessage.last_error).where(
                col(OutboxMessage.key).like("peer:met:%"), OutboxMessage.status == DeliveryStatus.CANCELLED
            )
        ).all()
    assert dropped == ["not_introduced"] * 2
