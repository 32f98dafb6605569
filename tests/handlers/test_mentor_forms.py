"""The mentor's forms from App Home through the real app: experiments, HR meetings, export and erasure."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from storage.db import session_scope
from storage.models import Answer, Cohort, DeliveryStatus, DmNote, Experiment, HrMeeting, Member, MemberStatus
from tests.support import mentors, slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.mentors import (
    MENTOR,
    NOW,
    OTHER,
    REFLECTION,
    STRANGER,
    World,
    delivery,
    member,
    mentor_rows,
    opened_view,
    plan,
    rows,
    send_prompt,
    view_text,
)

deps, world = mentors.deps, mentors.world  # fixtures: the clock stopped at NOW, the seeded programme


def _click(slack: SlackDriver, action_id: str, value: str = "x", user_id: str = MENTOR) -> None:
    assert slack.action(action_id, value, user_id=user_id, view={"type": "home", "blocks": []}).status == 200


def _submit(
    slack: SlackDriver, callback_id: str, values: dict[str, Any], metadata: dict[str, Any], user_id: str = MENTOR
) -> Any:
    reply = slack.submit(callback_id, values, user_id=user_id, private_metadata=json.dumps(metadata))
    assert reply.status == 200
    return reply


def _option(value: str | None, kind: str = "static_select") -> dict[str, Any]:
    selected = None if value is None else {"value": value, "text": {"type": "plain_text", "text": value}}
    return {"type": kind, "selected_option": selected}


def _experiment_values(title: str | None = "Learning lunch", goal: str | None = None) -> dict[str, Any]:
    return {
        "title": {"value": title},
        "goal": {"value": _option(goal)},
        "plan_when": {"value": "a new colleague starts"},
        "plan_then": {"value": "invite them to lunch"},
    }


def _edit_values(status: str | None = "running", outcome: str | None = None, decision: str | None = None) -> dict:
    return {
        "status": {"value": _option(status, "radio_buttons")},
        "outcome": {"value": outcome},
        "decision": {"value": _option(decision, "radio_buttons")},
    }


# -- experiments -------------------------------------------------------------------------------------------------


def test_a_mentor_registers_an_experiment_for_their_organisations_goal(slack, fake_slack, engine, world) -> None:
    _click(slack, "home.experiment_new", "new")
    view = opened_view(fake_slack)
    goal = next(b for b in view["blocks"] if b.get("block_id") == "goal")
    assert [o["text"]["text"] for o in goal["element"]["options"]] == ["Growing into an expert role"]
    assert json.loads(view["private_metadata"]) == {"member": world.mentor}
    reply = _submit(slack, "experiment_new", _experiment_values(goal=str(world.goal)), {"member": world.mentor})
    assert reply.body == ""
    [experiment] = rows(engine, Experiment)
    assert (experiment.member_id, experiment.title, experiment.goal_id, experiment.status) == (
        world.mentor,
        "Learning lunch",
        world.goal,
        "planned",
    )
    assert (experiment.plan_when, experiment.plan_then) == ("a new colleague starts", "invite them to lunch")
    home = view_text(fake_slack.home_views[MENTOR])
    assert "*Learning lunch* · planned" in home
    assert "_When_ a new colleague starts, _I will_ invite them to lunch." in home


def test_an_experiment_needs_a_name(slack, engine, world) -> None:
    reply = _submit(slack, "experiment_new", _experiment_values(title="  "), {"member": world.mentor})
    assert reply.json == {"response_action": "errors", "errors": {"title": "Please give your experiment a name."}}
    assert rows(engine, Experiment) == []


def test_a_goal_of_another_organisation_is_refused(slack, engine, world) -> None:
    reply = _submit(slack, "experiment_new", _experiment_values(goal="999"), {"member": world.mentor})
    assert reply.json["errors"] == {"goal": "Choose one of your organisation's goals."}


def test_an_experiment_cannot_be_registered_for_another_mentor(slack, engine, world) -> None:
    before = mentor_rows(engine)
    reply = _submit(slack, "experiment_new", _experiment_values(), {"member": world.mentor}, user_id=OTHER)
    assert reply.json["response_action"] == "update"
    assert mentor_rows(engine) == before


def test_status_outcome_and_decision_are_recorded(slack, fake_slack, engine, world) -> None:
    _submit(slack, "experiment_new", _experiment_values(), {"member": world.mentor})
    [experiment] = rows(engine, Experiment)
    _click(slack, "home.experiment_edit", str(experiment.id))
    view = opened_view(fake_slack)
    assert view["callback_id"] == "experiment_edit" and "Learning lunch" in view_text(view)
    _submit(slack, "experiment_edit", _edit_values("running"), {"experiment": experiment.id})
    [running] = rows(engine, Experiment)
    assert running.status == "running" and running.started_at == NOW
    _submit(
        slack,
        "experiment_edit",
        _edit_values("done", "Three lunches, twelve people.", "spread"),
        {"experiment": experiment.id},
    )
    [done] = rows(engine, Experiment)
    assert (done.status, done.outcome, done.decision, done.started_at) == (
        "done",
        "Three lunches, twelve people.",
        "spread",
        NOW,
    )
    assert "Decision: Spread" in view_text(fake_slack.home_views[MENTOR])


def test_a_status_that_does_not_exist_is_refused(slack, engine, world) -> None:
    _submit(slack, "experiment_new", _experiment_values(), {"member": world.mentor})
    [experiment] = rows(engine, Experiment)
    reply = _submit(slack, "experiment_edit", _edit_values("abandoned"), {"experiment": experiment.id})
    assert reply.json["errors"] == {"status": "Choose a status."}
    reply = _submit(slack, "experiment_edit", _edit_values("done", decision="sell"), {"experiment": experiment.id})
    assert reply.json["errors"] == {"decision": "Choose continue, spread or stop."}
    assert rows(engine, Experiment)[0].status == "planned"


def test_another_mentors_experiment_can_be_neither_read_nor_changed(slack, fake_slack, engine, world) -> None:
    _submit(slack, "experiment_new", _experiment_values(title="Secret plan"), {"member": world.mentor})
    [experiment] = rows(engine, Experiment)
    _click(slack, "home.experiment_edit", str(experiment.id), user_id=OTHER)
    assert "Secret plan" not in view_text(opened_view(fake_slack))
    before = mentor_rows(engine)
    reply = _submit(slack, "experiment_edit", _edit_values("dropped"), {"experiment": experiment.id}, user_id=OTHER)
    assert reply.json["response_action"] == "update"
    assert mentor_rows(engine) == before


def test_the_check_in_prompt_names_the_running_experiment(slack, fake_slack, engine, world, slack_client) -> None:
    _submit(slack, "experiment_new", _experiment_values(title="Learning lunch"), {"member": world.mentor})
    [experiment] = rows(engine, Experiment)
    _submit(slack, "experiment_edit", _edit_values("running"), {"experiment": experiment.id})
    sent = send_prompt(engine, slack_client, world.mentor, "s3-followup-3", block=3)
    assert slack.action("prompt.answer", str(sent.id), user_id=MENTOR, channel_id="D111").status == 200
    assert "your experiment “Learning lunch” has been running for a week" in view_text(opened_view(fake_slack))


def test_a_planned_experiment_is_asked_about_without_a_made_up_duration(
    slack, fake_slack, engine, world, slack_client
) -> None:
    _submit(slack, "experiment_new", _experiment_values(title="Learning lunch"), {"member": world.mentor})
    sent = send_prompt(engine, slack_client, world.mentor, "s3-followup-3", block=3)
    assert slack.action("prompt.answer", str(sent.id), user_id=MENTOR, channel_id="D111").status == 200
    text = view_text(opened_view(fake_slack))
    assert "how is your experiment “Learning lunch” going now?" in text
    assert "running" not in text and "week" not in text


def test_the_if_then_prompt_opens_the_new_experiment_form_from_the_dm(slack, fake_slack, engine, world) -> None:
    assert slack.action("home.experiment_new", "new", user_id=MENTOR, channel_id="D111").status == 200
    view = opened_view(fake_slack)
    assert view["callback_id"] == "experiment_new"
    assert json.loads(view["private_metadata"]) == {"member": world.mentor}


# -- HR meetings -------------------------------------------------------------------------------------------------


def _meeting(held_on: str | None, notes: str | None = "Agreed on a learning day.") -> dict[str, Any]:
    return {"held_on": {"value": {"type": "datepicker", "selected_date": held_on}}, "notes": {"value": notes}}


def test_a_mentor_logs_an_hr_meeting_with_private_notes(slack, fake_slack, engine, world) -> None:
    _click(slack, "home.hr_meeting", "new")
    view = opened_view(fake_slack)
    picker = next(b for b in view["blocks"] if b.get("block_id") == "held_on")["element"]
    assert picker["initial_date"] == "2027-01-19"
    _submit(slack, "hr_meeting", _meeting("2027-01-18"), {"member": world.mentor})
    [meeting] = rows(engine, HrMeeting)
    assert (meeting.member_id, meeting.held_on, meeting.notes) == (
        world.mentor,
        date(2027, 1, 18),
        "Agreed on a learning day.",
    )
    assert "Mon 18 Jan 2027 — Agreed on a learning day." in view_text(fake_slack.home_views[MENTOR])
    assert "Agreed on a learning day." not in view_text(fake_slack.home_views.get(OTHER, {}))


def test_a_meeting_in_the_future_is_refused(slack, engine, world) -> None:
    reply = _submit(slack, "hr_meeting", _meeting("2027-01-20"), {"member": world.mentor})
    assert reply.json["errors"] == {"held_on": "Wed 20 Jan 2027 is still ahead: log the meeting once it has happened."}
    assert rows(engine, HrMeeting) == []


def test_a_meeting_cannot_be_logged_for_another_mentor(slack, engine, world) -> None:
    before = mentor_rows(engine)
    reply = _submit(slack, "hr_meeting", _meeting("2027-01-18"), {"member": world.mentor}, user_id=OTHER)
    assert reply.json["response_action"] == "update"
    assert mentor_rows(engine) == before


def test_someone_who_is_no_mentor_cannot_log_a_meeting(slack, fake_slack, engine, world) -> None:
    _click(slack, "home.hr_meeting", "new", user_id=STRANGER)
    assert "You're not a mentor in an active cohort" in view_text(opened_view(fake_slack))


# -- export and erasure ------------------------------------------------------------------------------------------


def _activity(slack: SlackDriver, engine: Engine, world: World, slack_client: Any) -> int:
    """The mentor answers, plans an experiment and logs a meeting; OTHER answers too."""
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    slack.submit(
        "answer",
        {"text": {"value": "My reflection."}},
        user_id=MENTOR,
        private_metadata=json.dumps({"delivery": sent.id}),
    )
    theirs = send_prompt(engine, slack_client, world.other, REFLECTION)
    slack.submit(
        "answer",
        {"text": {"value": "OTHER's reflection."}},
        user_id=OTHER,
        private_metadata=json.dumps({"delivery": theirs.id}),
    )
    _submit(slack, "experiment_new", _experiment_values(), {"member": world.mentor})
    _submit(slack, "hr_meeting", _meeting("2027-01-18"), {"member": world.mentor})
    return sent.id


def test_export_sends_the_mentors_own_data_to_their_dm(slack, fake_slack, engine, world, slack_client) -> None:
    _activity(slack, engine, world, slack_client)
    _click(slack, "home.export", "export")
    assert "on Mentori's *Messages* tab" in view_text(opened_view(fake_slack))
    [upload] = fake_slack.uploads
    assert upload["channel_id"] == "D111"
    assert upload["name"] == "mentori-my-data-2027-01-19.json"
    data = json.loads(upload["content"])
    assert data["user"] == MENTOR
    assert [a["text"] for a in data["answers"]] == ["My reflection."]
    assert data["answers"][0]["prompt"] == "Reflection: learning from another organisation"
    assert [e["title"] for e in data["experiments"]] == ["Learning lunch"]
    assert data["hr_meetings"] == [
        {"held_on": "2027-01-18", "notes": "Agreed on a learning day.", "logged_at": NOW.isoformat()}
    ]
    assert "OTHER's reflection." not in upload["content"].decode()


def test_a_failed_export_is_told_in_the_dm(slack, fake_slack, engine, world) -> None:
    fake_slack.script("files.getUploadURLExternal", {"error": "not_allowed_token_type"})
    _click(slack, "home.export", "export")
    assert fake_slack.uploads == []
    assert fake_slack.calls_to("chat.postMessage")[-1].args["text"] == (
        "I couldn't send the file just now. Please try again in a moment."
    )


def test_delete_my_data_asks_first_then_erases_only_that_person(slack, fake_slack, engine, world, slack_client) -> None:
    answered = _activity(slack, engine, world, slack_client)
    planned = plan(engine, world.mentor, "s1-pulse-se5", NOW)
    send_prompt(engine, slack_client, world.mentor, "s1-goal")  # still open, so a stray DM is kept for it
    slack.post(slack_requests.message_im("A stray note", user_id=MENTOR))
    assert [note.text for note in rows(engine, DmNote)] == ["A stray note"]
    with session_scope(engine) as session:
        session.get(Cohort, world.cohort).created_by = MENTOR  # type: ignore[union-attr]  # the row (or match) exists here
    _click(slack, "home.erase", "erase")
    confirm = opened_view(fake_slack)
    assert confirm["callback_id"] == "data_erase" and "deletes for good" in view_text(confirm)
    assert rows(engine, Answer)[0].text == "My reflection.", "opening the dialog deletes nothing"
    prompt_ts = delivery(engine, answered).message_ts
    reply = _submit(slack, "data_erase", {}, {})
    assert "Your data has been deleted." in view_text(reply.json["view"])
    assert [a.text for a in rows(engine, Answer)] == ["OTHER's reflection."]
    assert rows(engine, Experiment) == [] and rows(engine, HrMeeting) == [] and rows(engine, DmNote) == []
    gone = member(engine, world.mentor)
    assert (gone.user_id, gone.status, gone.language) == (f"erased-{world.mentor}", MemberStatus.LEFT, None)
    assert member(engine, world.other).user_id == OTHER
    kept = delivery(engine, answered)
    assert kept.status == DeliveryStatus.ANSWERED, "the count of answered prompts stays honest"
    assert (kept.channel_id, kept.message_ts) == (None, None)
    assert delivery(engine, planned).status == DeliveryStatus.CANCELLED
    assert prompt_ts in [c.args["ts"] for c in fake_slack.calls_to("chat.delete")]
    assert len(fake_slack.calls_to("chat.delete")) == 3  # both prompts Mentori sent them, and its answer to their DM
    assert not [m for m in fake_slack.messages if m["channel"] == FakeSlack.dm_id(MENTOR)]  # nothing of Mentori's left
    with session_scope(engine) as session:
        assert session.get(Cohort, world.cohort).created_by is None  # type: ignore[union-attr]  # the row (or match) exists here
        assert not session.exec(select(Member).where(Member.user_id == MENTOR)).all()
    assert "You aren't a mentor in any cohort yet." in view_text(fake_slack.home_views[MENTOR])
    assert fake_slack.invalid == []
