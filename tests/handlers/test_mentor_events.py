"""A mentor's DMs to Mentori through the real app: thread replies as answers, stray messages kept for one click,
retried events, old prompts, pauses, and Home on app_home_opened."""

from __future__ import annotations

from datetime import date, timedelta

from storage.db import session_scope
from storage.models import DeliveryStatus, DmNote, Member
from tests.support import mentors, slack_requests
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.mentors import (
    MENTOR,
    NOW,
    OTHER,
    REFLECTION,
    STRANGER,
    T0,
    answer_of,
    delivery,
    member,
    mentor_rows,
    post_summary,
    rows,
    send_prompt,
    view_text,
)

DM = "D111"

deps, world = mentors.deps, mentors.world  # fixtures: the clock stopped at NOW, the seeded programme


def _reply(
    slack: SlackDriver,
    text: str,
    *,
    thread_ts: str | None,
    user_id: str = MENTOR,
    channel: str = DM,
    event_id: str | None = None,
    ts: str | None = None,
) -> str:
    """The user writes in their DM (in a thread when thread_ts is given); returns the message ts."""
    ts = ts or slack_requests.new_ts()
    body = slack_requests.message_im(
        text, user_id=user_id, channel=channel, ts=ts, thread_ts=thread_ts, event_id=event_id
    )
    assert slack.post(body).status == 200
    return ts


def _posted(fake: FakeSlack, since: int) -> list[dict]:
    return [call.args for call in fake.calls_to("chat.postMessage")[since:]]


def test_a_thread_reply_is_saved_as_the_answer(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    ts = _reply(slack, "From a colleague, by asking.", thread_ts=sent.message_ts)
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "From a colleague, by asking." and answer.source == "thread"
    assert answer.consent_to_quote is False
    assert delivery(engine, sent.id).status == DeliveryStatus.ANSWERED
    assert (DM, ts, "white_check_mark") in fake_slack.reactions
    update = fake_slack.calls_to("chat.update")[-1].args
    assert update["ts"] == sent.message_ts and "From a colleague, by asking." in view_text(update["blocks"])
    assert fake_slack.invalid == []


def test_a_retried_event_never_saves_twice(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    ts = slack_requests.new_ts()
    for _ in range(3):
        _reply(slack, "Once only.", thread_ts=sent.message_ts, event_id="Ev0RETRIED", ts=ts)
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "Once only."
    assert len(fake_slack.calls_to("reactions.add")) == 1
    assert len(fake_slack.calls_to("chat.update")) == 1


def test_a_second_reply_is_added_to_the_answer_while_it_may_change(
    slack, fake_slack, engine, world, slack_client
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _reply(slack, "First thought.", thread_ts=sent.message_ts)
    before = len(fake_slack.calls_to("chat.postMessage"))
    _reply(slack, "And another.", thread_ts=sent.message_ts)
    assert answer_of(engine, sent.id).text == "First thought.\n\nAnd another."  # type: ignore[union-attr]  # the row (or match) exists here
    [said] = _posted(fake_slack, before)
    assert said["thread_ts"] and said["text"].startswith("I added this to your answer.")


def test_a_reply_to_an_answer_whose_summary_went_out_changes_nothing(
    slack, fake_slack, engine, world, slack_client
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _reply(slack, "Kept as it was.", thread_ts=sent.message_ts)
    post_summary(engine, world, "before-session-2", NOW - timedelta(days=2))
    before = len(fake_slack.calls_to("chat.postMessage"))
    ts = _reply(slack, "A late addition.", thread_ts=sent.message_ts)
    assert answer_of(engine, sent.id).text == "Kept as it was."  # type: ignore[union-attr]  # the row (or match) exists here
    [said] = _posted(fake_slack, before)
    assert said["thread_ts"] == ts
    assert said["text"] == (
        "I didn't change your answer: the HR summary for this period went out on Sun 17 Jan 2027, so the answer "
        "is closed. Your reply stays here in our chat."
    )
    assert (DM, ts, "white_check_mark") not in fake_slack.reactions


def test_a_first_reply_to_a_prompt_of_a_past_period_is_kept(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    post_summary(engine, world, "before-session-2")
    ts = _reply(slack, "Better late than never.", thread_ts=sent.message_ts)
    assert answer_of(engine, sent.id).text == "Better late than never."  # type: ignore[union-attr]  # the row (or match) exists here
    assert (DM, ts, "white_check_mark") in fake_slack.reactions
    update = fake_slack.calls_to("chat.update")[-1].args
    assert "can no longer be changed" in view_text(update["blocks"])


def test_a_reply_to_a_skipped_prompt_answers_it(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION, status=DeliveryStatus.SKIPPED)
    _reply(slack, "Changed my mind.", thread_ts=sent.message_ts)
    assert delivery(engine, sent.id).status == DeliveryStatus.ANSWERED


def test_a_reply_after_the_mentor_paused_is_saved_and_the_pause_stays(
    slack, fake_slack, engine, world, slack_client
) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    assert slack.command("pause 2027-02-05", user_id=MENTOR, response_url=fake_slack.response_url()).status == 200
    before = len(fake_slack.calls_to("chat.postMessage"))
    _reply(slack, "Answering before my holiday.", thread_ts=sent.message_ts)
    assert answer_of(engine, sent.id).text == "Answering before my holiday."  # type: ignore[union-attr]  # the row (or match) exists here
    assert member(engine, world.mentor).paused_until == date(2027, 2, 5)
    [said] = _posted(fake_slack, before)
    assert "Your prompts stay paused until Fri 5 Feb 2027" in said["text"]


def test_a_text_reply_to_a_check_in_points_to_the_ratings(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, T0)
    before = len(fake_slack.calls_to("chat.postMessage"))
    _reply(slack, "Feeling fine.", thread_ts=sent.message_ts)
    [said] = _posted(fake_slack, before)
    assert "use the prompt's *Answer* button" in said["text"]


def test_a_reply_in_someone_elses_prompt_thread_is_not_their_answer(
    slack, fake_slack, engine, world, slack_client
) -> None:
    theirs = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    before = mentor_rows(engine)
    _reply(slack, "Hijack", thread_ts=theirs.message_ts, user_id=OTHER, channel=DM)
    assert answer_of(engine, theirs.id) is None
    assert mentor_rows(engine) == before  # OTHER has no open prompt, so nothing is kept either


def test_a_dm_outside_a_thread_gets_help_and_one_click_keeps_it(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    before = len(fake_slack.calls_to("chat.postMessage"))
    _reply(slack, "I learned SQL from a colleague.", thread_ts=None)
    [help_reply] = _posted(fake_slack, before)
    assert "thread_ts" not in help_reply or not help_reply["thread_ts"]
    text = view_text(help_reply["blocks"])
    assert "A message written only here isn't saved." in text
    assert "Shall I keep this message as your answer to *Reflection: learning from another organisation*?" in text
    button = next(e for b in help_reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"] == "note.attach"
    assert "SQL" not in button["value"], "the text is kept in the database, not in the button"
    help_ts = next(m["ts"] for m in fake_slack.messages if m.get("blocks") == help_reply["blocks"])
    reply = slack.action("note.attach", button["value"], user_id=MENTOR, channel_id=DM, message_ts=help_ts)
    assert reply.status == 200
    answer = answer_of(engine, sent.id)
    assert answer is not None and answer.text == "I learned SQL from a colleague." and answer.source == "dm"
    assert rows(engine, DmNote) == []
    assert "Saved as your answer to" in view_text(next(m for m in fake_slack.messages if m["ts"] == help_ts))
    assert fake_slack.invalid == []


def test_a_kept_dm_cannot_be_attached_by_someone_else(slack, fake_slack, engine, world, slack_client) -> None:
    send_prompt(engine, slack_client, world.mentor, REFLECTION)
    send_prompt(engine, slack_client, world.other, REFLECTION)
    _reply(slack, "Mine alone.", thread_ts=None)
    [note] = rows(engine, DmNote)
    before = mentor_rows(engine)
    slack.action("note.attach", str(note.id), user_id=OTHER, channel_id="D222")
    assert mentor_rows(engine) == before
    assert "no longer waiting" in view_text(fake_slack.calls_to("views.open")[-1].args["view"])


def test_a_kept_dm_over_a_week_old_can_no_longer_be_attached(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    _reply(slack, "Written long ago.", thread_ts=None)
    [note] = rows(engine, DmNote)
    with session_scope(engine) as session:
        session.get(DmNote, note.id).created_at = NOW - timedelta(days=8)
    slack.action("note.attach", str(note.id), user_id=MENTOR, channel_id=DM)
    assert answer_of(engine, sent.id) is None
    assert "more than a week old" in view_text(fake_slack.calls_to("views.open")[-1].args["view"])


def test_a_dm_with_no_open_prompt_gets_help_and_is_not_kept(slack, fake_slack, engine, world) -> None:
    before = len(fake_slack.calls_to("chat.postMessage"))
    _reply(slack, "Hello?", thread_ts=None, user_id=STRANGER, channel="DSTRANGER")
    [help_reply] = _posted(fake_slack, before)
    assert "You have no open prompt right now" in view_text(help_reply["blocks"])
    assert not any(b["type"] == "actions" for b in help_reply["blocks"])
    assert rows(engine, DmNote) == []


def test_a_dm_too_long_to_be_an_answer_is_explained(slack, fake_slack, engine, world, slack_client) -> None:
    send_prompt(engine, slack_client, world.mentor, REFLECTION)
    before = len(fake_slack.calls_to("chat.postMessage"))
    _reply(slack, "x" * 2500, thread_ts=None)
    [help_reply] = _posted(fake_slack, before)
    assert "too long to be an answer" in view_text(help_reply["blocks"])
    assert rows(engine, DmNote) == []


def test_the_help_reply_speaks_the_mentors_language(slack, fake_slack, engine, world) -> None:
    with session_scope(engine) as session:
        row = session.get(Member, world.mentor)
        row.language = "fi"  # type: ignore[union-attr]  # the row (or match) exists here
    _reply(slack, "Moi", thread_ts=None)
    assert "Hei! Tallennan vastaukset" in view_text(fake_slack.calls_to("chat.postMessage")[-1].args["blocks"])


def test_bot_messages_and_edits_are_ignored(slack, fake_slack, engine, world, slack_client) -> None:
    sent = send_prompt(engine, slack_client, world.mentor, REFLECTION)
    fake_slack.reset_calls()
    own = slack_requests.load("event_message_im_from_bot.json")["event"]
    own.update(channel=DM, thread_ts=sent.message_ts)
    assert slack.event(own).status == 200
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel": DM,
        "channel_type": "im",
        "hidden": True,
        "ts": slack_requests.new_ts(),
        "event_ts": slack_requests.new_ts(),
        "message": {"type": "message", "user": MENTOR, "text": "edited", "ts": "1.2", "thread_ts": sent.message_ts},
        "previous_message": {"type": "message", "user": MENTOR, "text": "before", "ts": "1.2"},
    }
    assert slack.event(edit).status == 200
    assert answer_of(engine, sent.id) is None
    assert fake_slack.calls == []


def test_opening_the_home_tab_publishes_it(slack, fake_slack, engine, world) -> None:
    assert slack.post(slack_requests.app_home_opened(MENTOR)).status == 200
    assert "Spring 2027" in view_text(fake_slack.home_views[MENTOR])
    assert slack.post(slack_requests.app_home_opened(OTHER, tab="messages")).status == 200
    assert OTHER not in fake_slack.home_views
