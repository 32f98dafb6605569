"""The prompt DM's buttons (Answer, Snooze, Skip, Edit), the stray-DM "save as my answer" button, and
`/mentori pause | resume`.

The delivery id in a button's value only says which prompt was clicked: the domain finds it only among the
clicking user's own prompts, so another mentor's id is refused like one that does not exist.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import answers, data_rights, mentor_prefs
from bot.blocks.answer_modal import (
    ANSWER_EDIT,
    NOTE_ATTACH,
    PROMPT_ANSWER,
    PROMPT_SKIP,
    PROMPT_SNOOZE,
    QUOTE_STOP,
    answer_view,
    note_saved_message,
    with_state,
)
from bot.blocks.experiment import notice_view
from bot.blocks.kit import say
from bot.blocks.pause import offer_for, paused_text, resumed_text
from bot.blocks.problems import explain
from bot.cohorts import Invalid, parse_day
from bot.deps import Deps
from bot.i18n import moment
from bot.outbox import deliver, plan_notice
from bot.payloads import action_value, who
from bot.slack_api import error_code, open_view
from bot.surfaces.command import CommandContext, Subcommands
from bot.surfaces.home import HomePublisher
from bot.surfaces.prompt_dm import refresh_prompt_message
from storage.db import session_scope

log = logging.getLogger(__name__)


class MentorActions:
    def __init__(self, deps: Deps, publisher: HomePublisher) -> None:
        self.deps = deps
        self.publisher = publisher

    def answer(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Answer (or Edit): the answer modal for the user's own prompt, filled with their answer if any."""
        ack()
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        with Session(self.deps.engine) as session:
            try:
                prompt = answers.own_prompt(session, team_id=team_id, user_id=user_id, delivery_id=action_value(body))
                answers.require_changeable(session, prompt)
                view = self.answer_view(session, prompt, language)
            except Invalid as problem:
                view = notice_view(language, say(language, "mentor.answer.title"), explain(language, problem))
        open_view(client, body, view)

    def answer_view(self, session: Session, prompt: answers.Prompt, language: str) -> dict[str, Any]:
        step, programme, answer = prompt.step, prompt.programme, prompt.answer
        items = [(item_id, programme.item(item_id).text.get(language)) for item_id in step.items]
        return answer_view(
            language,
            delivery_id=prompt.delivery_id,
            label=step.label.get(language),
            question=answers.question(session, prompt, language, now=self.deps.now()),
            items=items,
            scale_low=programme.scale_low.get(language),
            scale_high=programme.scale_high.get(language),
            thumbs=step.rating == "thumbs",
            text=answer.text if answer else None,
            ratings=answer.ratings if answer else None,
            consent=bool(answer and answer.consent_to_quote),
            editing=answer is not None,
            late=answer is None and answers.summary_posted(session, prompt) is not None,
            limit=answers.ANSWER_LIMIT,
        )

    def snooze(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Snooze: one reminder on the mentor's next working morning; the DM says when."""
        ack()
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        try:
            with session_scope(self.deps.engine) as session:
                prompt = answers.own_prompt(session, team_id=team_id, user_id=user_id, delivery_id=action_value(body))
                at = answers.snooze_prompt(session, prompt, now=self.deps.now())
                local = at.astimezone(answers.mentor_zone(session, prompt.cohort, prompt.member))
        except Invalid as problem:
            self.tell(client, body, language, explain(language, problem))
            return
        self.mark(client, body, say(language, "mentor.prompt.snoozed", when=moment(language, local)))
        self.publisher.publish(client, team_id, user_id)

    def skip(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Skip: no reminder; the DM shows it was skipped and can still be answered."""
        ack()
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        try:
            with session_scope(self.deps.engine) as session:
                prompt = answers.own_prompt(session, team_id=team_id, user_id=user_id, delivery_id=action_value(body))
                answers.skip_prompt(session, prompt)
        except Invalid as problem:
            self.tell(client, body, language, explain(language, problem))
            return
        refresh_prompt_message(
            self.deps, client, team_id=team_id, user_id=user_id, delivery_id=prompt.delivery_id, language=language
        )
        self.publisher.publish(client, team_id, user_id)

    def stop_sharing(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Stop sharing: HR may no longer quote this answer; the prompt DM shows it is no longer shared."""
        ack()
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        try:
            with session_scope(self.deps.engine) as session:
                prompt = answers.own_prompt(session, team_id=team_id, user_id=user_id, delivery_id=action_value(body))
                data_rights.stop_sharing(session, prompt)
        except Invalid as problem:
            self.tell(client, body, language, explain(language, problem))
            return
        refresh_prompt_message(
            self.deps, client, team_id=team_id, user_id=user_id, delivery_id=prompt.delivery_id, language=language
        )
        self.tell(client, body, language, say(language, "mentor.prompt.sharing_stopped"))

    def attach_note(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """ "Save as my answer" under the reply to a stray DM: the kept message becomes (part of) the answer."""
        ack()
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        try:
            with session_scope(self.deps.engine) as session:
                note, prompt = answers.own_note(
                    session, team_id=team_id, user_id=user_id, note_id=action_value(body), now=self.deps.now()
                )
                added = answers.answer_from_reply(session, prompt, text=note.text, now=self.deps.now(), source="dm")
                session.delete(note)
                label = prompt.step.label.get(language)
        except Invalid as problem:
            self.tell(client, body, language, explain(language, problem))
            return
        container = body.get("container") or {}
        if container.get("channel_id") and container.get("message_ts"):
            try:
                client.chat_update(
                    channel=container["channel_id"],
                    ts=container["message_ts"],
                    **note_saved_message(language, label=label, added=added),
                )
            except SlackApiError as error:
                log.warning("could not update the DM reply: %s", error_code(error))
        refresh_prompt_message(
            self.deps, client, team_id=team_id, user_id=user_id, delivery_id=prompt.delivery_id, language=language
        )
        self.publisher.publish(client, team_id, user_id)

    def mark(self, client: WebClient, body: dict[str, Any], note: str) -> None:
        """Add Mentori's line to the clicked prompt DM (only when the click came from the DM itself)."""
        container, message = body.get("container") or {}, body.get("message") or {}
        if container.get("type") != "message" or not message.get("blocks"):
            return
        try:
            client.chat_update(
                channel=container["channel_id"],
                ts=container["message_ts"],
                text=message.get("text") or note,
                blocks=with_state(message["blocks"], note),
                metadata=message.get("metadata"),
            )
        except SlackApiError as error:
            log.warning("could not update a prompt DM: %s", error_code(error))

    def tell(self, client: WebClient, body: dict[str, Any], language: str, text: str) -> None:
        """A problem with a click: a short notice the user sees wherever they clicked."""
        open_view(client, body, notice_view(language, say(language, "mentor.answer.title"), text))

    # -- /mentori pause | resume ---------------------------------------------------------------------------------

    def pause_command(self, context: CommandContext) -> None:
        language = context.language
        try:
            if len(context.command.args) != 1:
                raise Invalid("mentor.error.pause_usage")
            try:
                until = parse_day(context.command.args[0])
            except Invalid:
                raise Invalid("mentor.error.pause_date", value=context.command.args[0][:40]) from None
            with session_scope(self.deps.engine) as session:
                result = mentor_prefs.pause(
                    session, team_id=context.team_id, user_id=context.user_id, until=until, now=self.deps.now()
                )
        except Invalid as problem:
            context.reply(explain(language, problem))
            return
        context.reply(paused_text(language, result))
        self.publisher.publish(context.client, context.team_id, context.user_id)

    def resume_command(self, context: CommandContext) -> None:
        language, now = context.language, self.deps.now()
        try:
            with session_scope(self.deps.engine) as session:
                result = mentor_prefs.resume(session, team_id=context.team_id, user_id=context.user_id, now=now)
                offer = offer_for(language, result)
                ids = (
                    [plan_notice(session, context.team_id, notice=offer, user_id=context.user_id, now=now)]
                    if offer
                    else []
                )
        except Invalid as problem:
            context.reply(explain(language, problem))
            return
        context.reply(resumed_text(language, offered=bool(ids)))
        deliver(self.deps, context.client, ids)
        self.publisher.publish(context.client, context.team_id, context.user_id)


def add_subcommands(router: Subcommands, deps: Deps, publisher: HomePublisher) -> None:
    """`/mentori pause` and `/mentori resume`."""
    actions = MentorActions(deps, publisher)
    router.add("pause", actions.pause_command)
    router.add("resume", actions.resume_command)


def register(app: App, deps: Deps, publisher: HomePublisher) -> None:
    """The buttons under a prompt and under a mentor's stray DM."""
    actions = MentorActions(deps, publisher)
    app.action(PROMPT_ANSWER)(actions.answer)
    app.action(ANSWER_EDIT)(actions.answer)
    app.action(PROMPT_SNOOZE)(actions.snooze)
    app.action(PROMPT_SKIP)(actions.skip)
    app.action(NOTE_ATTACH)(actions.attach_note)
    app.action(QUOTE_STOP)(actions.stop_sharing)
