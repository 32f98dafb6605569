"""`/mentori kickoff`: start a session's block from a one-line command or a form, and the out-of-order confirmation.

Every path (command, form, Confirm button, confirmation form) loads the actor again and runs `bot.kickoff.kickoff`
in one transaction, which checks that they manage the cohort: a button value or a form's metadata is only a hint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.authz import Actor, Refused, actor_for
from bot.blocks.kickoff import (
    CANCEL_ACTION,
    CONFIRM_ACTION,
    KICKOFF_CONFIRM_FORM,
    KICKOFF_FORM,
    VALUE,
    CohortChoice,
    already_text,
    confirm_message,
    confirm_view,
    kickoff_view,
    notice_view,
    read_choice,
    receipt_message,
)
from bot.blocks.kit import fallback, message, say, section, shown
from bot.blocks.peers import Messages
from bot.cohorts import Invalid, find_cohort, get_cohort
from bot.deps import Deps
from bot.i18n import t
from bot.kickoff import KickoffResult, Outcome, kickoff, parse_number
from bot.numbers import whole_number
from bot.people import language_for
from bot.programmes import Programme, programme_by_id
from bot.slack_api import error_code
from bot.status import managed_cohorts
from bot.surfaces.command import CommandContext, Subcommands
from storage.db import session_scope
from storage.models import ProgrammeSession

log = logging.getLogger(__name__)
# Problems with how the command was written: the usage line follows them.
WITH_USAGE = frozenset({"kickoff.error.missing", "kickoff.error.number", "cohorts.error.unknown_cohort"})
FORM_FIELDS = ("cohort", "session")
Reply = Callable[..., None]


class Kickoffs:
    """The listeners of `/mentori kickoff`, its form, and the out-of-order confirmation."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    # -- shared -----------------------------------------------------------------------------------------------

    def actor(self, client: WebClient, team_id: str, user_id: str) -> Actor:
        return actor_for(self.deps, client, team_id, user_id)

    def language(self, team_id: str, user_id: str) -> str:
        return language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)

    def run(self, actor: Actor, *, cohort: str | int, number: int, confirmed: bool = False) -> KickoffResult:
        """The kickoff in one transaction; a clash with a concurrent write (a mentor added meanwhile) is retried."""
        try:
            return self.run_once(actor, cohort=cohort, number=number, confirmed=confirmed)
        except IntegrityError:
            log.info("kickoff clashed with a concurrent write; retrying once")
            return self.run_once(actor, cohort=cohort, number=number, confirmed=confirmed)

    def run_once(self, actor: Actor, *, cohort: str | int, number: int, confirmed: bool) -> KickoffResult:
        with session_scope(self.deps.engine) as session:
            if isinstance(cohort, int):
                found = get_cohort(session, actor.team_id, cohort)
            else:
                found = find_cohort(session, actor.team_id, cohort)
            return kickoff(
                session,
                actor=actor,
                cohort=found,
                number=number,
                now=self.deps.now(),
                confirmed=confirmed,
                peer_messages=Messages(),
            )

    @staticmethod
    def problem_text(language: str, problem: Refused | Invalid) -> str:
        text = say(language, problem.key, **problem.params)
        if problem.key in WITH_USAGE:
            text += "\n" + say(language, "kickoff.usage.kickoff")
        return text

    @staticmethod
    def answer(reply: Reply, result: KickoffResult, language: str) -> None:
        """The receipt, the 'already started' note or the out-of-order question, as a message."""
        if result.outcome == Outcome.STARTED:
            message = receipt_message(result, language)
        elif result.outcome == Outcome.ALREADY_STARTED:
            message = {"text": already_text(result, language), "blocks": None}
        else:
            message = confirm_message(result, language)
        reply(message["text"], message["blocks"])

    # -- the command ------------------------------------------------------------------------------------------

    def command(self, ctx: CommandContext) -> None:
        language, args = ctx.language, ctx.command.args
        try:
            if not args:
                self.open_form(ctx)
                return
            if len(args) < 2:
                raise Invalid("kickoff.error.missing")
            number = parse_number(args[-1])
            actor = self.actor(ctx.client, ctx.team_id, ctx.user_id)
            result = self.run(actor, cohort=" ".join(args[:-1]), number=number)
        except (Refused, Invalid) as problem:
            ctx.reply(self.problem_text(language, problem))
            return
        self.answer(ctx.reply, result, language)

    def open_form(self, ctx: CommandContext) -> None:
        """The form offers only the active cohorts the user manages; someone who manages none is told so."""
        actor = self.actor(ctx.client, ctx.team_id, ctx.user_id)
        with Session(self.deps.engine) as session:
            cohorts = managed_cohorts(session, actor)
            rows = session.exec(
                select(ProgrammeSession)
                .where(col(ProgrammeSession.cohort_id).in_([c.id for c in cohorts]))
                .order_by(col(ProgrammeSession.number))
            )
            sessions: dict[int, list[ProgrammeSession]] = {}
            for row in rows:
                sessions.setdefault(row.cohort_id, []).append(row)
        if not cohorts:
            raise Refused("kickoff.error.no_cohorts")
        choices = [
            CohortChoice(
                cohort.id,  # type: ignore[arg-type]  # a stored row's id is set
                cohort.name,
                tuple(row.date for row in sessions.get(cohort.id, [])),  # type: ignore[arg-type]  # a stored row's id is set
                tuple(row.number for row in sessions.get(cohort.id, []) if row.started_at),  # type: ignore[arg-type]  # a stored row's id is set
            )
            for cohort in cohorts
        ]
        programmes = {cohort.programme for cohort in cohorts}
        view = kickoff_view(ctx.language, choices, _programme(programmes.pop()) if len(programmes) == 1 else None)
        try:
            ctx.client.views_open(trigger_id=str(ctx.body.get("trigger_id", "")), view=view)
        except SlackApiError as error:
            code = error_code(error)
            log.warning("views.open failed: %s", code)
            usage = say(ctx.language, "kickoff.usage.kickoff")
            ctx.reply(say(ctx.language, "forms.error.open", error=str(code)) + "\n" + usage)

    # -- the Confirm and Cancel buttons under the out-of-order question ----------------------------------------

    def confirm(self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        if not body.get("response_url"):
            return  # these buttons exist only in Mentori's answer to a command; this click came from nowhere
        team_id, user_id = _who(body)
        language = self.language(team_id, user_id)

        def reply(text: str, blocks: list[dict[str, Any]] | None = None) -> None:
            respond(**message(text, blocks), response_type="ephemeral", replace_original=True)

        choice = read_choice(_action_value(body))
        try:
            if choice is None:
                raise Invalid("cohorts.error.gone")
            actor = self.actor(client, team_id, user_id)
            result = self.run(actor, cohort=choice[0], number=choice[1], confirmed=True)
        except (Refused, Invalid) as problem:
            reply(self.problem_text(language, problem))
            return
        self.answer(reply, result, language)

    def cancel(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        if not body.get("response_url"):
            return
        team_id, user_id = _who(body)
        text = say(self.language(team_id, user_id), "kickoff.confirm.cancelled")
        respond(text=fallback(text), response_type="ephemeral", replace_original=True)

    # -- the form and its confirmation ------------------------------------------------------------------------

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = _who(body)
        language = self.language(team_id, user_id)
        values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
        cohort_raw, number_raw = _selected(values, "cohort"), _selected(values, "session")
        errors = {}
        cohort_id = whole_number(cohort_raw)
        if cohort_id is None:
            errors["cohort"] = t(language, "kickoff.error.choose_cohort")
        if not number_raw:
            errors["session"] = t(language, "kickoff.error.choose_session")
        if errors or cohort_id is None or not number_raw:
            ack(response_action="errors", errors=errors)
            return
        self.submit_choice(ack, client, team_id, user_id, language, (cohort_id, number_raw), confirmed=False)

    def submit_confirmation(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = _who(body)
        language = self.language(team_id, user_id)
        choice = read_choice((body.get("view") or {}).get("private_metadata"))
        if choice is None:
            ack(response_action="update", view=notice_view(language, [section(say(language, "cohorts.error.gone"))]))
            return
        self.submit_choice(ack, client, team_id, user_id, language, (choice[0], str(choice[1])), confirmed=True)

    def submit_choice(
        self,
        ack: Ack,
        client: WebClient,
        team_id: str,
        user_id: str,
        language: str,
        choice: tuple[int, str],
        *,
        confirmed: bool,
    ) -> None:
        try:
            number = parse_number(choice[1], field="session")
            actor = self.actor(client, team_id, user_id)
            result = self.run(actor, cohort=choice[0], number=number, confirmed=confirmed)
        except (Refused, Invalid) as problem:
            text = say(language, problem.key, **problem.params)
            if isinstance(problem, Invalid) and problem.field in FORM_FIELDS and not confirmed:
                ack(response_action="errors", errors={problem.field: shown(text)})
            else:
                ack(response_action="update", view=notice_view(language, [section(text)]))
            return
        if result.outcome == Outcome.NEEDS_CONFIRMATION:
            ack(response_action="update", view=confirm_view(result, language))
        elif result.outcome == Outcome.ALREADY_STARTED:
            ack(response_action="update", view=notice_view(language, [section(already_text(result, language))]))
        else:
            ack(response_action="update", view=notice_view(language, receipt_message(result, language)["blocks"]))


def _programme(programme_id: str) -> Programme | None:
    try:
        return programme_by_id(programme_id)
    except (KeyError, ValueError):
        return None


def _who(body: dict[str, Any]) -> tuple[str, str]:
    user = body.get("user") or {}
    team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
    return team_id, str(user.get("id") or "")


def _action_value(body: dict[str, Any]) -> str | None:
    found = body.get("actions") or [{}]
    return found[0].get("value")


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    element = (values.get(block_id) or {}).get(VALUE) or {}
    option = element.get("selected_option") or {}
    return str(option["value"]) if isinstance(option, dict) and option.get("value") else None


def add_subcommands(router: Subcommands, deps: Deps) -> None:
    """`/mentori kickoff` (with no arguments it opens the form)."""
    router.add("kickoff", Kickoffs(deps).command, opens_form=lambda args: not args)


def register(app: App, deps: Deps) -> None:
    """The kickoff form, and the Confirm/Cancel buttons of the out-of-order question."""
    kickoffs = Kickoffs(deps)
    app.action(CONFIRM_ACTION)(kickoffs.confirm)
    app.action(CANCEL_ACTION)(kickoffs.cancel)
    app.view(KICKOFF_FORM)(kickoffs.submit)
    app.view(KICKOFF_CONFIRM_FORM)(kickoffs.submit_confirmation)
