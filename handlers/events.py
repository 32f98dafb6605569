"""Events: a mentor's DMs to Mentori (replies in a prompt's thread, and messages outside any thread) and
app_home_opened.

Slack retries an event it thinks was not received; each event id is recorded in the same transaction as what it
changes, so a retry never saves an answer twice. Replies go through the Web API client directly: Bolt treats a
human's DM thread message as an assistant-thread event and its `say` would look the thread up first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import answers
from bot.blocks.answer_modal import dm_help_message
from bot.blocks.kit import fallback, joined, say
from bot.blocks.problems import explain
from bot.cohorts import Invalid
from bot.deps import Deps
from bot.i18n import day
from bot.outbox import deliver
from bot.slack_api import error_code
from bot.surfaces.home import HomePublisher
from bot.surfaces.prompt_dm import refresh_prompt_message
from storage.db import session_scope
from storage.models import MessageKind
from storage.outbox_messages import Envelope, enqueue, post

log = logging.getLogger(__name__)
HUMAN_SUBTYPES = (None, "file_share")
REPLY_FOR = timedelta(hours=6)  # an answer to a DM that could not go out for hours would only confuse


def human_dm(event: dict[str, Any]) -> bool:
    """A message a person wrote in their DM with Mentori (not a bot's, not an edit or deletion)."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") in HUMAN_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def other_dm(event: dict[str, Any]) -> bool:
    """Every other DM event (Mentori's own posts, edits, deletions): nothing to do."""
    return event.get("channel_type") == "im" and not human_dm(event)


@dataclass
class Response:
    """What to do in Slack once the transaction has committed."""

    react: bool = False
    thread_lines: list[str] = field(default_factory=list)
    message: dict[str, Any] | None = None
    refresh: int | None = None  # a delivery whose prompt DM now shows the answer


class DmEvents:
    def __init__(self, deps: Deps, publisher: HomePublisher) -> None:
        self.deps = deps
        self.publisher = publisher

    def message(self, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        team_id = str(body.get("team_id") or event.get("team") or "")
        user_id, channel, ts = str(event["user"]), str(event.get("channel") or ""), str(event.get("ts") or "")
        text = str(event.get("text") or "").strip()
        thread_ts = event.get("thread_ts")
        if not text or not channel:
            return
        language = self.publisher.language(team_id, user_id)
        for attempt in (1, 2):
            try:
                response = self.record(body, team_id, user_id, channel, ts, thread_ts, text, language)
                break
            except IntegrityError:
                # The same event delivered twice at once (the retry then finds it claimed and stops), or two
                # messages racing for the same answer (the retry adds to the other's): once more settles both.
                if attempt == 2:
                    log.warning("a DM could not be saved: it kept clashing with another write")
                    return
        if response is not None:
            self.respond(client, team_id, user_id, channel, ts, language, response)

    def record(
        self,
        body: dict[str, Any],
        team_id: str,
        user_id: str,
        channel: str,
        ts: str,
        thread_ts: Any,
        text: str,
        language: str,
    ) -> Response | None:
        """Save what the DM means, in one transaction with its event id; None when the event was handled before."""
        with session_scope(self.deps.engine) as session:
            if not answers.claim_event(
                session, event_id=str(body.get("event_id") or ""), team_id=team_id, now=self.deps.now()
            ):
                return None
            prompt = None
            if thread_ts and thread_ts != ts:
                prompt = answers.prompt_for_thread(
                    session, team_id=team_id, user_id=user_id, channel_id=channel, thread_ts=str(thread_ts)
                )
            if prompt is not None:
                return self.thread_reply(session, prompt, text, language)
            return self.stray_message(session, team_id, user_id, channel, ts, text, language)

    def thread_reply(self, session: Session, prompt: answers.Prompt, text: str, language: str) -> Response:
        """A reply in a prompt's thread is its answer (or is added to it while the answer may change)."""
        now = self.deps.now()
        try:
            added = answers.answer_from_reply(session, prompt, text=text, now=now)  # checks before it writes
        except Invalid as problem:
            if problem.key == "mentor.error.closed":
                posted = day(language, problem.params["posted"].date())
                return Response(thread_lines=[say(language, "mentor.thread.closed", day=posted)])
            return Response(thread_lines=[explain(language, problem)])
        lines: list[str] = [say(language, "mentor.thread.added")] if added else []
        answer = prompt.answer
        if (prompt.step.items or prompt.step.rating) and answer is not None and not answer.ratings:
            lines.append(say(language, "mentor.thread.rate"))
        today = now.astimezone(answers.mentor_zone(session, prompt.cohort, prompt.member)).date()
        if prompt.member.paused_until is not None and prompt.member.paused_until >= today:
            lines.append(say(language, "mentor.thread.paused", day=day(language, prompt.member.paused_until)))
        return Response(react=True, thread_lines=lines, refresh=prompt.delivery_id)

    def stray_message(
        self, session: Session, team_id: str, user_id: str, channel: str, ts: str, text: str, language: str
    ) -> Response:
        """A DM outside any prompt's thread: how answers reach Mentori, and one click to keep it as the answer
        to the newest open prompt."""
        prompts = answers.open_prompts(session, team_id=team_id, user_id=user_id, limit=1)
        if not prompts:
            return Response(message=dm_help_message(language, note_id=None, label=None))
        prompt = prompts[0]
        label = prompt.step.label.get(language)
        if len(text) > answers.ANSWER_LIMIT:
            return Response(
                message=dm_help_message(language, note_id=None, label=label, too_long=True, limit=answers.ANSWER_LIMIT)
            )
        note = answers.keep_note(session, prompt, channel_id=channel, message_ts=ts, text=text, now=self.deps.now())
        return Response(message=dm_help_message(language, note_id=note.id, label=label))

    def respond(
        self, client: WebClient, team_id: str, user_id: str, channel: str, ts: str, language: str, response: Response
    ) -> None:
        try:
            if response.react:
                try:
                    client.reactions_add(channel=channel, timestamp=ts, name="white_check_mark")
                except SlackApiError as error:
                    if error_code(error) != "already_reacted":
                        raise
        except SlackApiError as error:
            log.warning("could not react to a DM: %s", error_code(error))
        deliver(self.deps, client, self.plan_answer(team_id, user_id, channel, ts, response))
        if response.refresh is not None:
            refresh_prompt_message(
                self.deps, client, team_id=team_id, user_id=user_id, delivery_id=response.refresh, language=language
            )
            self.publisher.publish(client, team_id, user_id)

    def plan_answer(self, team_id: str, user_id: str, channel: str, ts: str, response: Response) -> list[int]:
        """Mentori's answer to a DM, in the outbox: once per message the mentor wrote (its channel and ts)."""
        now = self.deps.now()
        envelope = Envelope(
            kind=MessageKind.NOTICE,
            key=f"reply:{channel}:{ts}",
            team_id=team_id,
            due_at=now,
            latest_at=now + REPLY_FOR,
            user_id=user_id,
            channel_id=channel,
        )
        ids = []
        with session_scope(self.deps.engine) as session:
            if response.thread_lines:
                text = fallback(joined(response.thread_lines))
                ids.append(enqueue(session, replace(envelope, thread_ts=ts, payload=post({"text": text})), now=now))
            if response.message is not None:
                help_text = replace(envelope, key=f"help:{channel}:{ts}", payload=post(response.message))
                ids.append(enqueue(session, help_text, now=now))
        return ids

    def home_opened(self, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        self.publisher.publish(client, str(body.get("team_id") or ""), str(event["user"]))


def register(app: App, deps: Deps, publisher: HomePublisher) -> None:
    """DMs and Home openings."""
    events = DmEvents(deps, publisher)
    app.event("message", matchers=[human_dm])(events.message)
    app.event("app_home_opened")(events.home_opened)
    app.event("message", matchers=[other_dm])(lambda: None)
