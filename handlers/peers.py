"""Peer groups: `/mentori pairs`, its confirmation, the "Did you meet?" buttons, the reflection form, Home buttons.

A group id in a button or form only says which group was meant: the domain finds it among the clicking mentor's own
groups, so someone else's id is refused like one that does not exist.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import peer_answers, peers
from bot.authz import Actor, Refused, actor_for, require_manager
from bot.blocks import peers as blocks
from bot.blocks.answer_modal import VALUE
from bot.blocks.experiment import notice_view
from bot.blocks.kit import say, shown
from bot.cohorts import Invalid, find_cohort, get_cohort
from bot.deps import Deps
from bot.numbers import whole_number
from bot.payloads import who
from bot.people import language_for
from bot.privacy import PrivacyPolicy
from bot.privacy_gate import Audience, groups_met_for, peer_groups_for
from bot.slack_api import error_code
from bot.status import managed_cohorts
from bot.surfaces.command import CommandContext, Subcommands
from bot.surfaces.home import HomePublisher
from storage.db import session_scope
from storage.models import Cohort

log = logging.getLogger(__name__)
WORDS = ("make", "on", "off", "pairs", "trios")
SIZES = {"pairs": 2, "trios": 3}
WITH_USAGE = frozenset({"cohorts.error.unknown_cohort", "status.error.name_cohort"})


def clicked(body: dict[str, Any]) -> tuple[str, int | None]:
    """The clicked button's action id and the whole number in its value (a group or cohort id), if any."""
    action = (body.get("actions") or [{}])[0]
    return str(action.get("action_id") or ""), whole_number(str(action.get("value") or ""))


class Pairs:
    """`/mentori pairs <cohort> [make | on | off | pairs | trios]` and the make confirmation, for coaches."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def command(self, ctx: CommandContext) -> None:
        args = list(ctx.command.args)
        word = args.pop().lower() if args and args[-1].lower() in WORDS else None
        try:
            actor = actor_for(self.deps, ctx.client, ctx.team_id, ctx.user_id)
            with session_scope(self.deps.engine) as session:
                cohort = find_cohort(session, ctx.team_id, " ".join(args)) if args else self.only_cohort(session, actor)
                text, blocks_ = self.run(session, actor, cohort, word, ctx.language)
        except (Refused, Invalid) as problem:
            ctx.reply(self.problem(ctx.language, problem))
            return
        ctx.reply(text, blocks_)

    def run(
        self, session: Session, actor: Actor, cohort: Cohort, word: str | None, language: str
    ) -> tuple[str, list[dict[str, Any]] | None]:
        now = self.deps.now()
        if word is None:
            require_manager(actor, cohort)
            return self.show(session, cohort, language)
        if word == "make":
            formed = peers.make(session, actor=actor, cohort=cohort, now=now, messages=blocks.Messages())
            if formed.outcome == peers.MakeOutcome.NEEDS_CONFIRMATION:
                message = blocks.confirm_message(language, int(cohort.id or 0), formed)
                return message["text"], message["blocks"]
            return blocks.formed_text(language, formed, cohort.timezone), None
        enabled = {"on": True, "off": False}.get(word)
        setting = peers.change_setting(
            session, actor=actor, cohort=cohort, now=now, enabled=enabled, size=SIZES.get(word)
        )
        key = "peers.setting.on" if setting.enabled else "peers.setting.off"
        text = say(language, key, cohort=cohort.name, size=setting.size)
        if word in SIZES:
            text = say(language, "peers.setting.size", cohort=cohort.name, size=setting.size) + (
                "" if setting.enabled else " " + text
            )
        return text, None

    def show(self, session: Session, cohort: Cohort, language: str) -> tuple[str, list[dict[str, Any]]]:
        audience = Audience.coaches(cohort)
        policy = PrivacyPolicy(min_group=self.deps.settings.min_group)
        peer_round = peer_groups_for(session, audience, cohort)
        met = groups_met_for(session, audience, cohort, policy=policy)
        message = blocks.round_message(language, peer_round, met, cohort.timezone, cohort.name)
        return message["text"], message["blocks"]

    @staticmethod
    def only_cohort(session: Session, actor: Actor) -> Cohort:
        active = managed_cohorts(session, actor)
        if len(active) == 1:
            return active[0]
        if not active:
            raise Refused("status.error.no_cohorts")
        raise Invalid("status.error.name_cohort")

    @staticmethod
    def problem(language: str, problem: Refused | Invalid) -> str:
        text = say(language, problem.key, **problem.params)
        return text + "\n" + say(language, "peers.usage") if problem.key in WITH_USAGE else text

    def confirmed(self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """Form new groups after all; every check runs again (the button's cohort id is only a hint)."""
        ack()
        team_id, user_id = who(body)
        language = language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)
        _, cohort_id = clicked(body)
        try:
            actor = actor_for(self.deps, client, team_id, user_id)
            with session_scope(self.deps.engine) as session:
                cohort = get_cohort(session, team_id, cohort_id or 0)
                formed = peers.make(
                    session, actor=actor, cohort=cohort, now=self.deps.now(), messages=blocks.Messages(), confirmed=True
                )
                text = blocks.formed_text(language, formed, cohort.timezone)
        except (Refused, Invalid) as problem:
            text = self.problem(language, problem)
        respond(text=text, replace_original=True, response_type="ephemeral")

    def cancelled(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = who(body)
        language = language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)
        respond(text=say(language, "peers.confirm.kept"), replace_original=True, response_type="ephemeral")


class MentorSide:
    """The mentor's buttons: did you meet, write what you learned, and the Home choices."""

    def __init__(self, deps: Deps, publisher: HomePublisher) -> None:
        self.deps = deps
        self.publisher = publisher

    def language(self, team_id: str, user_id: str) -> str:
        return language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)

    def met(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        language = self.language(team_id, user_id)
        action_id, group_id = clicked(body)
        try:
            with session_scope(self.deps.engine) as session:
                met = blocks.MET_ACTIONS.get(action_id, "")
                row = peer_answers.record_met(
                    session, team_id=team_id, user_id=user_id, group_id=group_id or 0, met=met, now=self.deps.now()
                )
                partners = peer_answers.partners_of(session, row)
        except Invalid:
            return
        self.update(client, body, blocks.met_answered(language, row.group_id, str(row.met), partners))
        self.publisher.publish(client, team_id, user_id)

    def update(self, client: WebClient, body: dict[str, Any], message: dict[str, Any]) -> None:
        channel = str(
            (body.get("channel") or body.get("container") or {}).get("id")
            or (body.get("container") or {}).get("channel_id")
            or ""
        )
        ts = str((body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts") or "")
        try:
            client.chat_update(channel=channel, ts=ts, **message)
        except SlackApiError as error:
            log.warning("chat.update of a peer follow-up failed: %s", error_code(error))

    def reflect(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        _, group_id = clicked(body)
        view = blocks.reflection_view(self.language(team_id, user_id), group_id or 0)
        try:
            client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=view)
        except SlackApiError as error:
            log.warning("views.open failed: %s", error_code(error))

    def reflection(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = who(body)
        language = self.language(team_id, user_id)
        view = body.get("view") or {}
        try:
            group_id = int(json.loads(view.get("private_metadata") or "{}").get("group") or 0)
        except (ValueError, TypeError, AttributeError):
            group_id = 0
        state = ((view.get("state") or {}).get("values") or {}).get("reflection") or {}
        text = str((state.get(VALUE) or {}).get("value") or "")
        try:
            with session_scope(self.deps.engine) as session:
                peer_answers.save_reflection(
                    session, team_id=team_id, user_id=user_id, group_id=group_id, text=text, now=self.deps.now()
                )
        except Invalid as problem:
            field = problem.field or "reflection"
            ack(response_action="errors", errors={field: shown(say(language, problem.key, **problem.params))})
            return
        ack(
            response_action="update",
            view=notice_view(language, say(language, "peers.reflect.title"), say(language, "peers.reflect.saved")),
        )

    def home(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        action_id, _ = clicked(body)
        choice: dict[str, bool] = {
            blocks.OPT_OUT: {"opted_out": True},
            blocks.OPT_IN: {"opted_out": False},
            blocks.SHARE_ON: {"share_experiment": True},
            blocks.SHARE_OFF: {"share_experiment": False},
        }.get(action_id, {})
        with session_scope(self.deps.engine) as session:
            peer_answers.set_choice(session, team_id=team_id, user_id=user_id, now=self.deps.now(), **choice)
        self.publisher.publish(client, team_id, user_id)


def add_subcommands(router: Subcommands, deps: Deps) -> None:
    """`/mentori pairs`."""
    router.add("pairs", Pairs(deps).command)


def register(app: App, deps: Deps, publisher: HomePublisher) -> None:
    """The confirmation buttons, the mentor's buttons and the reflection form."""
    pairs, side = Pairs(deps), MentorSide(deps, publisher)
    app.action(blocks.MAKE_CONFIRM)(pairs.confirmed)
    app.action(blocks.MAKE_CANCEL)(pairs.cancelled)
    for action_id in blocks.MET_ACTIONS:
        app.action(action_id)(side.met)
    app.action(blocks.REFLECT)(side.reflect)
    for action_id in blocks.HOME_ACTIONS:
        app.action(action_id)(side.home)
    app.view(blocks.REFLECTION_FORM)(side.reflection)
