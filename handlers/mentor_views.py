"""Submissions of the mentor's forms: an answer, an experiment, its progress, an HR meeting, deleting one's data.

Each submission re-finds what it changes among the submitting user's own rows (private_metadata is only a hint);
a problem with a field is shown next to it with `response_action="errors"`, anything else replaces the form with
a notice, and nothing is half-saved (one transaction per submission).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import answers, data_rights, experiments, hr_meetings, mentor_prefs
from bot.blocks.answer_modal import ANSWER, read_metadata
from bot.blocks.experiment import DATA_ERASE, EXPERIMENT_EDIT, EXPERIMENT_NEW, HR_MEETING, notice_view
from bot.blocks.kit import say, shown
from bot.blocks.problems import explain
from bot.cohorts import Invalid
from bot.deps import Deps
from bot.outbox import deliver, plan_deletions
from bot.payloads import Values, chosen, element, form_values, who
from bot.surfaces.home import HomePublisher
from bot.surfaces.prompt_dm import refresh_prompt_message
from storage.db import session_scope

log = logging.getLogger(__name__)


def _text(values: Values, block_id: str) -> str | None:
    value = element(values, block_id).get("value")
    return str(value) if value is not None else None


def _metadata(body: dict[str, Any], key: str) -> Any:
    return read_metadata((body.get("view") or {}).get("private_metadata"), key)


class MentorViews:
    def __init__(self, deps: Deps, publisher: HomePublisher) -> None:
        self.deps = deps
        self.publisher = publisher

    def reject(self, ack: Ack, body: dict[str, Any], language: str, problem: Invalid, title_key: str) -> None:
        """A field's problem next to the field; anything else (not yours, closed, gone) replaces the form."""
        text = explain(language, problem)
        if problem.field and problem.field in form_values(body):
            ack(response_action="errors", errors={problem.field: shown(text)})
            return
        ack(response_action="update", view=notice_view(language, say(language, title_key), text))

    def answer(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        values = form_values(body)
        ticked = element(values, "consent").get("selected_options") or []
        consent = any(option.get("value") == "quote" for option in ticked)
        try:
            with session_scope(self.deps.engine) as session:
                prompt = answers.own_prompt(
                    session, team_id=team_id, user_id=user_id, delivery_id=_metadata(body, "delivery")
                )
                ratings: dict[str, Any] = {item: chosen(values, f"item_{item}") for item in prompt.step.items}
                if prompt.step.rating == "thumbs":
                    ratings["thumbs"] = chosen(values, "thumbs")
                answers.save_answer(
                    session,
                    prompt,
                    text=_text(values, "text"),
                    ratings=ratings,
                    consent=consent,
                    source="modal",
                    now=self.deps.now(),
                )
        except Invalid as problem:
            self.reject(ack, body, language, problem, "mentor.answer.title")
            return
        ack()
        refresh_prompt_message(
            self.deps, client, team_id=team_id, user_id=user_id, delivery_id=prompt.delivery_id, language=language
        )
        self.publisher.publish(client, team_id, user_id)

    def experiment_new(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        values = form_values(body)
        try:
            with session_scope(self.deps.engine) as session:
                membership = mentor_prefs.own_membership(
                    session, team_id=team_id, user_id=user_id, member_id=_metadata(body, "member")
                )
                experiments.create_experiment(
                    session,
                    membership.member,
                    title=_text(values, "title"),
                    goal_id=chosen(values, "goal"),
                    plan_when=_text(values, "plan_when"),
                    plan_then=_text(values, "plan_then"),
                    now=self.deps.now(),
                )
        except Invalid as problem:
            self.reject(ack, body, language, problem, "mentor.experiment.new_title")
            return
        ack()
        self.publisher.publish(client, team_id, user_id)

    def experiment_edit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        values = form_values(body)
        try:
            with session_scope(self.deps.engine) as session:
                experiment, _ = experiments.own_experiment(
                    session, team_id=team_id, user_id=user_id, experiment_id=_metadata(body, "experiment")
                )
                experiments.update_experiment(
                    session,
                    experiment,
                    status=chosen(values, "status"),
                    outcome=_text(values, "outcome"),
                    decision=chosen(values, "decision"),
                    now=self.deps.now(),
                )
        except Invalid as problem:
            self.reject(ack, body, language, problem, "mentor.experiment.edit_title")
            return
        ack()
        self.publisher.publish(client, team_id, user_id)

    def hr_meeting(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        values = form_values(body)
        now = self.deps.now()
        try:
            raw = element(values, "held_on").get("selected_date")
            try:
                held_on = date.fromisoformat(str(raw)) if raw else None
            except ValueError:
                raise Invalid("mentor.hr.error.date", field="held_on") from None
            with session_scope(self.deps.engine) as session:
                membership = mentor_prefs.own_membership(
                    session, team_id=team_id, user_id=user_id, member_id=_metadata(body, "member")
                )
                today = now.astimezone(answers.mentor_zone(session, membership.cohort, membership.member)).date()
                logged = hr_meetings.log_meeting(
                    session, membership.member, held_on=held_on, notes=_text(values, "notes"), today=today, now=now
                )
        except Invalid as problem:
            self.reject(ack, body, language, problem, "mentor.hr.title")
            return
        ack()
        for delivery_id in logged.settled:  # the HR-meeting prompt in the DM shows it is settled
            refresh_prompt_message(
                self.deps, client, team_id=team_id, user_id=user_id, delivery_id=delivery_id, language=language
            )
        self.publisher.publish(client, team_id, user_id)

    def erase(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Delete my data: erase the submitting user (only them), then remove the prompt DMs that showed it."""
        team_id, user_id = who(body)
        language = self.publisher.language(team_id, user_id)
        with session_scope(self.deps.engine) as session:
            erased = data_rights.erase_person(session, team_id=team_id, user_id=user_id, now=self.deps.now())
            deletions = plan_deletions(session, team_id, erased.messages, now=self.deps.now())
        title, text = say(language, "mentor.data.erase_title"), say(language, "mentor.data.erased")
        ack(response_action="update", view=notice_view(language, title, text))
        log.info("a person erased their data: %s memberships, %s answers", erased.memberships, erased.answers)
        deliver(self.deps, client, deletions)  # the DMs that showed their prompts, gone from Slack too
        self.publisher.publish(client, team_id, user_id)


def register(app: App, deps: Deps, publisher: HomePublisher) -> None:
    views = MentorViews(deps, publisher)
    app.view(ANSWER)(views.answer)
    app.view(EXPERIMENT_NEW)(views.experiment_new)
    app.view(EXPERIMENT_EDIT)(views.experiment_edit)
    app.view(HR_MEETING)(views.hr_meeting)
    app.view(DATA_ERASE)(views.erase)
