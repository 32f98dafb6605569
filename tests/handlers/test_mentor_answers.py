"""Answering a prompt through the real app: the modal, its checks, saving, the DM update, editing and its end."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.db import session_scope
from storage.models import DeliveryStatus, SlackUser, SummaryPost
from tests.support import mentors
from tests.support.app_driver import SlackDriver
from tests.support.mentors import (
    MENTOR,
    NOW,
    OTHER,
    REFLECTION,
    T0,
    answer_of,
    delivery,
    mentor_rows,
    opened_view,
    post_summary,
    send_prompt,
    view_text,
)

THUMBS = "s3-followup-3"

deps, world = mentors.deps, mentors.world  # fixtures: the clock stopped at NOW, the seeded programme


def _click(slack: SlackDriver, action_id: str, delivery_id: int, user_id: str = MENTOR) -> None:
    reply = slack.action(action_id, str(delivery_id), user_id=user_id, channel_id="D" + user_id[1:])
    assert reply.status == 200


def _submit(slack: SlackDriver, delivery_id: Any, values: dict[str, Any], user_id: str = MENTOR) -> Any:
    reply = slack.submit("answer", values, user_id=user_id, private_metadata=json.dumps({"delivery": delivery_id}))
    assert reply.status == 200
    return reply


def _values(text: str | None = "I learned by asking a colleague.", consent: bool = False, **ratings: Any) -> dict:
    values: dict[str, Any] = {
        "text": {"value": text},
        "consent": {"value": {"type": "checkboxes", "selected_options": [{"value": "quote"}] if consent else []}},
    }
    for block_id, value in ratings.items():
        option = None if value is None else {"value": str(value), "text": {"type": "plain_text", "text": str(value)}}
        values[block_id] = {"value": {"type": "radio_buttons", "selected_option": option}}
    return values


def test_the_answer_button_opens_the_modal_with_the_question(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _click(slack, "prompt.answer", sent.id)
    view = opened_view(fake_slack)
    text = view_text(view)
    assert view["callback_id"] == "answer"
    assert "What did you learn from a mentor from another organisation" in text
    assert "Up to 2,000 characters." in text
    assert "HR may quote this anonymously" in text
    assert "Only you can read your answer" in text
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    assert blocks["text"]["element"]["max_length"] == 2000
    assert "initial_options" not in blocks["consent"]["element"], "consent must be off by default"
    assert fake_slack.invalid == []


def test_a_saved_answer_updates_the_dm_and_the_home(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    reply = _submit(slack, sent.id, _values(consent=True))
    assert reply.body == ""  # the modal closes
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "I learned by asking a colleague."
    assert answer.consent_to_quote is True and answer.source == "modal" and answer.member_id == world.mentor
    assert delivery(engine, sent.id).status == DeliveryStatus.ANSWERED
    update = fake_slack.calls_to("chat.update")[-1].args
    assert (update["channel"], update["ts"]) == (sent.channel_id, sent.message_ts)
    shown = view_text(update["blocks"])
    assert "Answered Tue 19 Jan 2027 at 12:00" in shown
    assert "I learned by asking a colleague." in shown
    buttons = [e["action_id"] for b in update["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["answer.edit", "answer.stop_sharing"]
    assert (
        "your organisation's HR may read it in their summary, without your name, after your coaches have checked the"
        " summary, exactly like this"
    ) in shown
    assert update["metadata"]["event_payload"]["delivery_id"] == sent.id
    assert "I learned by asking a colleague." in view_text(fake_slack.home_views[MENTOR])
    assert fake_slack.invalid == []


def test_an_empty_answer_is_refused_next_to_the_field(slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    reply = _submit(slack, sent.id, _values(text="   "))
    assert reply.json["response_action"] == "errors"
    assert "Write an answer or choose a rating" in reply.json["errors"]["text"]
    assert answer_of(engine, sent.id) is None
    assert delivery(engine, sent.id).status == DeliveryStatus.SENT


def test_a_too_long_answer_is_refused_with_its_length(slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    reply = _submit(slack, sent.id, _values(text="x" * 2001))
    assert reply.json["errors"]["text"] == (
        "That's 2,001 characters; an answer can have at most 2,000. Please shorten it."
    )
    assert answer_of(engine, sent.id) is None


def test_a_self_efficacy_check_in_stores_each_rating(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, T0)
    _click(slack, "prompt.answer", sent.id)
    view = opened_view(fake_slack)
    items = [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("item_")]
    assert [b["block_id"] for b in items] == [f"item_SE{n}" for n in range(1, 7)]
    options = items[0]["element"]["options"]
    assert options[0]["text"]["text"] == "1 – Strongly disagree" and options[4]["text"]["text"] == "5 – Strongly agree"
    ratings = {f"item_SE{n}": n % 5 + 1 for n in range(1, 7)}
    _submit(slack, sent.id, _values(text=None, **ratings))
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text is None
    assert answer.ratings == {f"SE{n}": n % 5 + 1 for n in range(1, 7)}


def test_a_rating_outside_the_scale_is_refused(slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, T0)
    reply = _submit(slack, sent.id, _values(text=None, item_SE1=9))
    assert reply.json["response_action"] == "errors"
    assert reply.json["errors"] == {"item_SE1": "Please choose one of the options."}
    assert answer_of(engine, sent.id) is None


def test_an_experiment_check_in_takes_one_tap(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, THUMBS, block=3)
    _click(slack, "prompt.answer", sent.id)
    thumbs = next(b for b in opened_view(fake_slack)["blocks"] if b.get("block_id") == "thumbs")
    assert [o["text"]["text"][0] for o in thumbs["element"]["options"]] == ["👍", "🤔", "👎"]
    reply = _submit(slack, sent.id, _values(text=None, thumbs="sideways"))
    assert reply.json["errors"] == {"thumbs": "Please choose one of the options."}
    _submit(slack, sent.id, _values(text=None, thumbs="up"))
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.ratings == {"thumbs": "up"}
    assert "Your check-in: 👍" in view_text(fake_slack.calls_to("chat.update")[-1].args["blocks"])


def test_edit_opens_the_answer_filled_in_and_saves_the_change(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _submit(slack, sent.id, _values(consent=True))
    _click(slack, "answer.edit", sent.id)
    view = opened_view(fake_slack)
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    assert view["title"]["text"] == "Edit your answer"
    assert blocks["text"]["element"]["initial_value"] == "I learned by asking a colleague."
    assert blocks["consent"]["element"]["initial_options"][0]["value"] == "quote"
    _submit(slack, sent.id, _values(text="Changed my mind.", consent=False))
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "Changed my mind." and answer.consent_to_quote is False


def test_after_the_summary_went_out_an_edit_is_politely_refused(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _submit(slack, sent.id, _values())
    post_summary(engine, world, "before-session-2", NOW - timedelta(days=1))
    _click(slack, "answer.edit", sent.id)
    notice = view_text(opened_view(fake_slack))
    assert "can no longer be changed: the HR summary for its period went out on Mon 18 Jan 2027" in notice
    reply = _submit(slack, sent.id, _values(text="Sneaky change"))  # a form opened before the summary went out
    assert reply.json["response_action"] == "update"
    assert "can no longer be changed" in view_text(reply.json["view"])
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "I learned by asking a colleague."


def test_a_summary_for_another_period_does_not_close_the_answer(slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _submit(slack, sent.id, _values())
    post_summary(engine, world, "before-session-3")
    _submit(slack, sent.id, _values(text="Still mine to change"))
    assert answer_of(engine, sent.id).text == "Still mine to change"  # type: ignore[union-attr]  # the row (or match) exists here


def test_a_late_first_answer_is_kept_and_says_it_missed_the_summary(
    slack, fake_slack, engine, world, slack_client
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    post_summary(engine, world, "before-session-2")
    _click(slack, "prompt.answer", sent.id)
    assert "has already gone out, so this answer stays with you" in view_text(opened_view(fake_slack))
    _submit(slack, sent.id, _values(text="Better late"))
    assert answer_of(engine, sent.id).text == "Better late"  # type: ignore[union-attr]  # the row (or match) exists here
    update = fake_slack.calls_to("chat.update")[-1].args
    assert not [b for b in update["blocks"] if b["type"] == "actions"], "no Edit button once closed"


# -- another mentor's prompt ------------------------------------------------------------------------------------


def test_another_mentors_prompt_cannot_be_opened(slack, fake_slack, engine, world, slack_client) -> None:
    theirs = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _click(slack, "prompt.answer", theirs.id, user_id=OTHER)
    view = opened_view(fake_slack)
    assert view.get("callback_id") != "answer"
    assert "couldn't find that prompt among yours" in view_text(view)
    assert "another organisation" not in view_text(view)


def test_another_mentors_answer_cannot_be_read_through_edit(slack, fake_slack, engine, world, slack_client) -> None:
    theirs = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _submit(slack, theirs.id, _values(text="My private thought"))
    _click(slack, "answer.edit", theirs.id, user_id=OTHER)
    assert "My private thought" not in view_text(opened_view(fake_slack))


@pytest.mark.parametrize("metadata", ["theirs", "not-a-number", None])
def test_a_crafted_submission_cannot_write_another_mentors_answer(slack, engine, world, slack_client, metadata) -> None:
    theirs = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _submit(slack, theirs.id, _values(text="Original"))
    send_prompt(engine, slack_client, world.other, REFLECTION)  # OTHER has a prompt of their own
    before = mentor_rows(engine)
    target = theirs.id if metadata == "theirs" else metadata
    reply = _submit(slack, target, _values(text="Overwritten"), user_id=OTHER)
    assert reply.json["response_action"] == "update"
    assert "couldn't find that prompt among yours" in view_text(reply.json["view"])
    assert mentor_rows(engine) == before


def test_a_removed_mentor_can_no_longer_answer(slack, engine, world, slack_client) -> None:
    from storage.db import session_scope
    from storage.models import Member, MemberStatus

    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    with session_scope(engine) as session:
        row = session.get(Member, world.mentor)
        row.status = MemberStatus.REMOVED  # type: ignore[union-attr]  # the row (or match) exists here
    reply = _submit(slack, sent.id, _values())
    assert "no longer taking part in *Spring 2027*" in view_text(reply.json["view"])
    assert answer_of(engine, sent.id) is None


def test_the_same_user_id_in_another_workspace_cannot_touch_the_answer(slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _submit(slack, sent.id, _values(text="Original"))
    before = mentor_rows(engine)
    reply = slack.submit(
        "answer",
        _values(text="From elsewhere"),
        user_id=MENTOR,
        team_id="T999",
        private_metadata=json.dumps({"delivery": sent.id}),
    )
    assert reply.json["response_action"] == "update"
    assert mentor_rows(engine) == before


def test_after_saving_the_mentor_sees_what_hr_may_read_and_can_stop_sharing(
    slack, fake_slack, engine, world, slack_client
) -> None:
    with session_scope(engine) as session:  # a colleague in the cohort, as Slack names them
        session.add(SlackUser(team_id="T111", user_id=OTHER, real_name="Ossi Virtanen", display_name="ossi"))
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    text = "Ossi and Virtasen tiimi at Vero showed me https://wiki.example/x — call 040 765 4321."
    _submit(slack, sent.id, _values(text=text, consent=True))
    update = fake_slack.calls_to("chat.update")[-1].args
    shown = view_text(update["blocks"])
    assert ">[…] and […] tiimi at […] showed me […] — call […]." in shown  # exactly what HR may read
    with session_scope(engine) as session:  # a summary already stored with the quote
        quotes = [
            {"text": "[…]", "authors": [f"m:{world.mentor}"], "prompt": REFLECTION},
            {"text": "Someone else's", "authors": ["m:999"], "prompt": REFLECTION},
        ]
        session.add(
            SummaryPost(
                team_id="T111",
                cohort_id=world.cohort,
                organisation_id=world.organisation,
                period="before-session-2",
                figures={"quotes": quotes},
            )
        )

    _click(slack, "answer.stop_sharing", sent.id)

    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.consent_to_quote is False and answer.text == text
    update = fake_slack.calls_to("chat.update")[-1].args
    buttons = [e["action_id"] for b in update["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["answer.edit"] and "exactly like this" not in view_text(update["blocks"])
    assert "HR won't see this answer" in view_text(opened_view(fake_slack))
    with Session(engine) as session:
        [post] = session.exec(select(SummaryPost)).all()
        assert [q["text"] for q in post.figures["quotes"]] == ["Someone else's"]
    assert fake_slack.invalid == []


def test_another_mentor_cannot_stop_sharing_my_answer(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _submit(slack, sent.id, _values(consent=True))
    _click(slack, "answer.stop_sharing", sent.id, user_id=OTHER)
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.consent_to_quote is True
