"""The App Home tab: publishing it, and the mentor's buttons there (pause, resume, language, forms, data rights).

Every action re-reads who the user is from Slack's payload and changes only their own rows; ids in button values
and modal metadata are re-checked by the domain functions in `bot/`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from bot import data_rights, mentor_prefs
from bot.answers import mentor_zone
from bot.blocks.experiment import (
    erase_confirm_view,
    experiment_edit_view,
    experiment_new_view,
    hr_meeting_view,
    notice_view,
)
from bot.blocks.home import (
    HOME_ERASE,
    HOME_EXPERIMENT_EDIT,
    HOME_EXPERIMENT_NEW,
    HOME_EXPORT,
    HOME_HR_MEETING,
    HOME_LANGUAGE,
    HOME_PAUSE,
    HOME_RESUME,
)
from bot.blocks.kit import say
from bot.blocks.pause import offer_for, paused_text
from bot.blocks.problems import explain
from bot.cohorts import Invalid
from bot.deps import Deps
from bot.experiments import own_experiment
from bot.i18n import t
from bot.mentor_home import goal_choices
from bot.outbox import deliver, plan_file, plan_notice
from bot.payloads import action_value, who
from bot.slack_api import open_view
from bot.surfaces.home import HomePublisher
from storage.db import session_scope
from storage.models import DeliveryStatus, MessageKind
from storage.outbox_messages import Envelope, enqueue, post

log = logging.getLogger(__name__)


class HomeActions:
    """The Home tab's buttons, selects and date picker."""

    def __init__(self, deps: Deps, publisher: HomePublisher) -> None:
        self.deps = deps
        self.publisher = publisher

    def notice(self, client: WebClient, body: dict[str, Any], language: str, title_key: str, text: str) -> None:
        open_view(client, body, notice_view(language, say(language, title_key), text))

    def pause(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        raw = str((body.get("actions") or [{}])[0].get("selected_date") or "")
        try:
            try:
                until = date.fromisoformat(raw)
            except ValueError:
                raise Invalid("mentor.error.pause_date", value=raw) from None
            with session_scope(self.deps.engine) as session:
                result = mentor_prefs.pause(session, team_id=team_id, user_id=user_id, until=until, now=self.deps.now())
            self.notice(client, body, language, "home.paused_title", paused_text(language, result))
        except Invalid as problem:
            self.notice(client, body, language, "home.pause_confirm_title", explain(language, problem))
        self.publisher.publish(client, team_id, user_id)

    def resume(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        try:
            with session_scope(self.deps.engine) as session:
                result = mentor_prefs.resume(session, team_id=team_id, user_id=user_id, now=self.deps.now())
                offer = offer_for(language, result)
                ids = (
                    [plan_notice(session, team_id, notice=offer, user_id=user_id, now=self.deps.now())] if offer else []
                )
        except Invalid as problem:
            self.notice(client, body, language, "home.resume", explain(language, problem))
        else:
            deliver(self.deps, client, ids)
        self.publisher.publish(client, team_id, user_id)

    def language(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        chosen = str(((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value") or "")
        try:
            with session_scope(self.deps.engine) as session:
                mentor_prefs.set_language(session, team_id=team_id, user_id=user_id, language=chosen)
        except Invalid as problem:
            language = self.publisher.language(team_id, user_id)
            self.notice(client, body, language, "home.title", explain(language, problem))
        self.publisher.publish(client, team_id, user_id)

    def experiment_new(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def build(session: Session, language: str, team_id: str, user_id: str) -> dict[str, Any]:
            membership = mentor_prefs.own_membership(session, team_id=team_id, user_id=user_id)
            return experiment_new_view(
                language, member_id=int(membership.member.id or 0), goals=goal_choices(session, membership)
            )

        self.open_form(body, client, "mentor.experiment.new_title", build)

    def experiment_edit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def build(session: Session, language: str, team_id: str, user_id: str) -> dict[str, Any]:
            experiment, _ = own_experiment(session, team_id=team_id, user_id=user_id, experiment_id=action_value(body))
            return experiment_edit_view(
                language,
                experiment_id=int(experiment.id or 0),
                title=experiment.title,
                plan_when=experiment.plan_when,
                plan_then=experiment.plan_then,
                status=experiment.status,
                outcome=experiment.outcome,
                decision=experiment.decision,
            )

        self.open_form(body, client, "mentor.experiment.edit_title", build)

    def hr_meeting(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def build(session: Session, language: str, team_id: str, user_id: str) -> dict[str, Any]:
            membership = mentor_prefs.own_membership(session, team_id=team_id, user_id=user_id)
            today = self.deps.now().astimezone(mentor_zone(session, membership.cohort, membership.member)).date()
            return hr_meeting_view(language, member_id=int(membership.member.id or 0), today=today)

        self.open_form(body, client, "mentor.hr.title", build)

    def open_form(
        self,
        body: dict[str, Any],
        client: WebClient,
        title_key: str,
        build: Callable[[Session, str, str, str], dict[str, Any]],
    ) -> None:
        """Open the modal `build` makes from the mentor's own rows, or a notice saying why it cannot be opened."""
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        try:
            with Session(self.deps.engine) as session:
                view = build(session, language, team_id, user_id)
        except Invalid as problem:
            view = notice_view(language, say(language, title_key), explain(language, problem))
        open_view(client, body, view)

    def erase(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        open_view(client, body, erase_confirm_view(self.publisher.language(team_id, user_id)))

    def export(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A JSON file of everything Mentori holds about the user, sent to their DM."""
        ack()
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        self.notice(client, body, language, "mentor.data.export_title", say(language, "mentor.data.export_sent"))
        send_export(self.deps, client, team_id, user_id, language)


def send_export(deps: Deps, client: WebClient, team_id: str, user_id: str, language: str) -> bool:
    """Upload the user's data export to their DM with Mentori, through the outbox; tells them in the DM if it could
    not be sent. False when it failed (a file still on its way counts as sent: the scheduler delivers it)."""
    now = deps.now()
    with session_scope(deps.engine) as session:
        data = data_rights.export_person(session, team_id=team_id, user_id=user_id, language=language, now=now)
        row_id = plan_file(
            session,
            team_id,
            key=f"my-data:{user_id}:{now.isoformat()}",
            content=json.dumps(data, ensure_ascii=False, indent=2),
            filename=f"mentori-my-data-{now.date().isoformat()}.json",
            title=t(language, "mentor.data.export_title"),
            comment=say(language, "mentor.data.export_comment"),
            now=now,
            user_id=user_id,
        )
    row = deliver(deps, client, [row_id])[row_id]
    if row.status not in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
        return True
    log.warning("data export upload failed: %s", row.last_error)
    with session_scope(deps.engine) as session:
        notice = enqueue(
            session,
            Envelope(
                kind=MessageKind.NOTICE,
                key=f"my-data-failed:{user_id}:{now.isoformat()}",
                team_id=team_id,
                due_at=now,
                latest_at=now + timedelta(days=1),
                payload=post({"text": say(language, "mentor.data.export_failed")}),
                user_id=user_id,
            ),
            now=now,
        )
    deliver(deps, client, [notice])
    return False


def register(app: App, deps: Deps) -> HomePublisher:
    """Wire the Home tab's actions; returns the publisher the other mentor listeners refresh the Home with."""
    publisher = HomePublisher(deps)
    actions = HomeActions(deps, publisher)
    app.action(HOME_PAUSE)(actions.pause)
    app.action(HOME_RESUME)(actions.resume)
    app.action(HOME_LANGUAGE)(actions.language)
    app.action(HOME_EXPERIMENT_NEW)(actions.experiment_new)
    app.action(HOME_EXPERIMENT_EDIT)(actions.experiment_edit)
    app.action(HOME_HR_MEETING)(actions.hr_meeting)
    app.action(HOME_ERASE)(actions.erase)
    app.action(HOME_EXPORT)(actions.export)
    return publisher
