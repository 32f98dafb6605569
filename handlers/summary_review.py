"""The coaches' review of HR summary drafts: approve, hold, a note for HR, a quote taken out, the draft from Home.

Every click loads the actor again and `bot.summaries.review.act` checks that they manage the draft's cohort: the id
in a button's value is only a hint. After a change the clicked draft (DM or modal) is drawn again and the Home too.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.authz import Refused, actor_for
from bot.blocks.kit import say
from bot.blocks.summary_review import (
    APPROVE,
    HOLD,
    NOTE,
    NOTE_BLOCK,
    NOTE_FORM,
    NOTE_INPUT,
    QUOTE,
    RENDERERS,
    SHOW,
    draft_blocks,
    draft_message,
    draft_view,
    note_view,
    notice_view,
)
from bot.cohorts import Invalid
from bot.deps import Deps
from bot.people import language_for
from bot.privacy import PrivacyPolicy
from bot.slack_api import error_code
from bot.summaries.model import Draft
from bot.summaries.posting import draft_for, post_summaries
from bot.summaries.review import Action, act, rules_from
from bot.summaries.store import period_summary
from storage.db import session_scope
from storage.models import Cohort, SummaryPost

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish(self, client: WebClient, team_id: str, user_id: str) -> None: ...


def _who(body: dict[str, Any]) -> tuple[str, str]:
    user = body.get("user") or {}
    team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
    return team_id, str(user.get("id") or "")


def _post_id(text: str) -> int:
    head = text.split(":", 1)[0]
    if not head.isdigit():
        raise Invalid("summary.review.gone")
    return int(head)


class Reviews:
    """The listeners of the draft's buttons, its quote menu and the note form."""

    def __init__(self, deps: Deps, publisher: Publisher) -> None:
        self.deps = deps
        self.publisher = publisher

    def language(self, team_id: str, user_id: str) -> str:
        return language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)

    def draft(self, post_id: int) -> tuple[Draft, str] | None:
        """The draft as it stands now, and its cohort's language; None when it is gone."""
        with Session(self.deps.engine) as session:
            row = session.get(SummaryPost, post_id)
            summary = period_summary(session, row.cohort_id, row.period) if row else None
            if row is None or summary is None:
                return None
            return draft_for(session, summary, row, rules_from(self.deps.settings)), summary.language

    # -- clicks ---------------------------------------------------------------------------------------------------

    def approve(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self.change(body, client, Action.APPROVE)

    def hold(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self.change(body, client, Action.HOLD)

    def remove_quote(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = str(((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value") or "")
        index = value.split(":", 1)[1] if ":" in value else ""
        self.change(body, client, Action.REMOVE_QUOTE, value=value, quote=int(index) if index.isdigit() else -1)

    def change(
        self,
        body: dict[str, Any],
        client: WebClient,
        action: Action,
        *,
        value: str | None = None,
        note: str | None = None,
        quote: int | None = None,
        where: dict[str, Any] | None = None,
    ) -> None:
        """Apply the coach's action, post an approved draft at once, then draw the draft and the Home again."""
        team_id, user_id = _who(body)
        language = self.language(team_id, user_id)
        try:
            post_id = _post_id(value or str((body.get("actions") or [{}])[0].get("value") or ""))
            actor = actor_for(self.deps, client, team_id, user_id)
            with session_scope(self.deps.engine) as session:
                row = act(session, actor, post_id, action, now=self.deps.now(), note=note, quote=quote)
                cohort_id, organisation_id = row.cohort_id, row.organisation_id
        except (Refused, Invalid) as problem:
            self.tell(client, body, language, say(language, problem.key, **problem.params))
            return
        if action == Action.APPROVE:
            result = post_summaries(
                self.deps.engine,
                client,
                cohort_id,
                [organisation_id],
                policy=PrivacyPolicy(min_group=self.deps.settings.min_group),
                now=self.deps.now(),
                render=RENDERERS,
                rules=rules_from(self.deps.settings),
                approve_as=actor,
                send_now=self.deps.send_now,
            )
            problems = [posting.problem for posting in result.postings if posting.problem is not None]
            for found in problems:  # approved, but it cannot reach HR yet: say why, and how to fix it
                reason = say(language, found.key, **found.params)
                organisation = result.postings[0].organisation
                self.tell(
                    client,
                    body,
                    language,
                    say(language, "summary.not_posted", organisation=organisation, problem=reason),
                )
        self.redraw(client, body, post_id, where)
        self.publisher.publish(client, team_id, user_id)

    def redraw(self, client: WebClient, body: dict[str, Any], post_id: int, where: dict[str, Any] | None) -> None:
        """Draw the draft again where it was clicked: the DM (chat.update) or the modal (views.update)."""
        found = self.draft(post_id)
        if found is None:
            return
        draft, language = found
        container = where or body.get("container") or {}
        try:
            if container.get("type") == "message" and container.get("channel_id"):
                update = draft_message(draft, language)
                client.chat_update(
                    channel=container["channel_id"],
                    ts=container["message_ts"],
                    text=update["text"],
                    blocks=draft_blocks(draft, language),
                )
            elif container.get("type") == "view" and container.get("view_id"):
                client.views_update(view_id=container["view_id"], view=draft_view(draft, language))
        except SlackApiError as error:
            log.warning("could not draw a summary draft again: %s", error_code(error))

    def tell(self, client: WebClient, body: dict[str, Any], language: str, text: str) -> None:
        """A problem with a click: a short notice where it was clicked."""
        view = notice_view(language, text)
        try:
            if (body.get("container") or {}).get("type") == "view":
                client.views_push(trigger_id=str(body.get("trigger_id") or ""), view=view)
            else:
                client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=view)
        except SlackApiError as error:
            log.warning("could not show a review notice: %s", error_code(error))

    # -- the draft from Home, and the note form ----------------------------------------------------------------

    def show(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = _who(body)
        language = self.language(team_id, user_id)
        try:
            post_id = _post_id(str((body.get("actions") or [{}])[0].get("value") or ""))
            self.check(client, team_id, user_id, post_id)
            found = self.draft(post_id)
            if found is None:
                raise Invalid("summary.review.gone")
        except (Refused, Invalid) as problem:
            self.tell(client, body, language, say(language, problem.key, **problem.params))
            return
        try:
            client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=draft_view(*found))
        except SlackApiError as error:
            log.warning("could not open a summary draft: %s", error_code(error))

    def check(self, client: WebClient, team_id: str, user_id: str, post_id: int) -> None:
        """Refused unless the user manages the draft's cohort."""
        actor = actor_for(self.deps, client, team_id, user_id)
        with Session(self.deps.engine) as session:
            row = session.get(SummaryPost, post_id)
            cohort = session.get(Cohort, row.cohort_id) if row else None
            if cohort is None or cohort.team_id != team_id:
                raise Invalid("summary.review.gone")
            if not actor.may_manage(cohort):
                raise Refused("authz.coaches_only", cohort=cohort.name)

    def open_note(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = _who(body)
        language = self.language(team_id, user_id)
        try:
            post_id = _post_id(str((body.get("actions") or [{}])[0].get("value") or ""))
            self.check(client, team_id, user_id, post_id)
            with Session(self.deps.engine) as session:
                row = session.get(SummaryPost, post_id)
                note = row.coach_note if row else None
        except (Refused, Invalid) as problem:
            self.tell(client, body, language, say(language, problem.key, **problem.params))
            return
        container = body.get("container") or {}
        where = {key: container.get(key) for key in ("type", "channel_id", "message_ts", "view_id")}
        metadata = json.dumps({"post": post_id, "where": where})
        view = note_view(post_id, note, language, metadata=metadata)
        try:
            if container.get("type") == "view":
                client.views_push(trigger_id=str(body.get("trigger_id") or ""), view=view)
            else:
                client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=view)
        except SlackApiError as error:
            log.warning("could not open the note form: %s", error_code(error))

    def save_note(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        values = (view.get("state") or {}).get("values") or {}
        note = str(((values.get(NOTE_BLOCK) or {}).get(NOTE_INPUT) or {}).get("value") or "")
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
            post_id, where = int(metadata["post"]), dict(metadata.get("where") or {})
        except (ValueError, KeyError, TypeError):
            ack()
            return
        team_id, user_id = _who(body)
        if len(" ".join(note.split())) > 500:
            language = self.language(team_id, user_id)
            ack(
                response_action="errors",
                errors={NOTE_BLOCK: say(language, "summary.review.note_too_long", length=len(note), limit=500)},
            )
            return
        ack()
        self.change(body, client, Action.NOTE, value=str(post_id), note=note, where=where)


def register(app: App, deps: Deps, publisher: Publisher) -> None:
    """The review's buttons (in the draft DM, its modal and the Home), its quote menu and the note form."""
    reviews = Reviews(deps, publisher)
    app.action(APPROVE)(reviews.approve)
    app.action(HOLD)(reviews.hold)
    app.action(QUOTE)(reviews.remove_quote)
    app.action(NOTE)(reviews.open_note)
    app.action(SHOW)(reviews.show)
    app.view(NOTE_FORM)(reviews.save_note)
