"""Submissions of the coach's and admin's forms: new cohort, add an organisation, add people.

Every submission is authorised again (the form may have been opened by someone who has since lost the right, and
private_metadata is only a hint); bad values are shown next to their field with `response_action="errors"`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import cohort_admin, members, organisations
from bot.authz import Refused
from bot.blocks import cohort_receipts as receipts
from bot.blocks.cohort_forms import (
    ADD_MEMBERS,
    ADD_ORGANISATION,
    CREATE_COHORT,
    SESSION_FIELDS,
    notice_view,
    read_cohort_metadata,
)
from bot.blocks.kit import fallback, say, shown
from bot.blocks.welcome import welcome_renderer
from bot.cohort_admin import Caller
from bot.cohorts import Invalid
from bot.deps import Deps
from bot.numbers import whole_number
from bot.outbox import deliver
from bot.payloads import Values, chosen, element, form_values
from bot.people import language_for
from storage.db import session_scope
from storage.models import MessageKind, Role
from storage.outbox_messages import Envelope, enqueue, post

log = logging.getLogger(__name__)


def _text(values: Values, block_id: str) -> str:
    return str(element(values, block_id).get("value") or "")


def _date(values: Values, block_id: str) -> date:
    raw = element(values, block_id).get("selected_date")
    if not raw:
        raise Invalid("forms.error.required", field=block_id)
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise Invalid("cohorts.error.date_format", field=block_id, value=str(raw)) from None


class CohortViews:
    """The view_submission listeners of the three forms."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.welcome = welcome_renderer(deps.settings.min_group)

    def caller(self, body: dict[str, Any], client: WebClient) -> Caller:
        user = body.get("user") or {}
        team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        user_id = str(user.get("id") or "")
        language = language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)
        return Caller(self.deps, client, team_id, user_id, language)

    def reject(self, ack: Ack, caller: Caller, problem: Exception, title_key: str, fields: Iterable[str]) -> None:
        """A field's problem next to the field; anything else (a refusal, a cohort gone) replaces the form."""
        if isinstance(problem, Refused):
            text = say(caller.language, problem.key, **problem.params)
        else:
            assert isinstance(problem, Invalid)
            text = say(caller.language, problem.key, **problem.params)
            if problem.field in set(fields):
                ack(response_action="errors", errors={problem.field: shown(text)})
                return
        ack(response_action="update", view=notice_view(caller.language, say(caller.language, title_key), text))

    def create_cohort(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        caller = self.caller(body, client)
        values = form_values(body)
        try:
            dates = [_date(values, field) for field in SESSION_FIELDS]
            cohort = cohort_admin.create_cohort(
                caller,
                name=_text(values, "name"),
                language=chosen(values, "language") or "",
                timezone=chosen(values, "timezone") or "",
                dates=dates,
            )
        except (Refused, Invalid) as problem:
            self.reject(ack, caller, problem, "forms.cohort.title", ("name", "language", "timezone", *SESSION_FIELDS))
            return
        receipt = receipts.cohort_created(caller.language, cohort, dates)
        title = say(caller.language, "forms.cohort.title")
        ack(response_action="update", view=notice_view(caller.language, title, receipt))

    def add_organisation(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        caller = self.caller(body, client)
        values = form_values(body)
        try:
            cohort_id = self.cohort_id(body)
            channel_id = element(values, "channel").get("selected_conversation")
            if not channel_id:
                raise Invalid("forms.error.required", field="channel")
            added = cohort_admin.add_organisation(
                caller,
                cohort_id,
                name=_text(values, "name"),
                channel_id=str(channel_id),
                goals=organisations.split_goals(_text(values, "goals")),
            )
        except (Refused, Invalid) as problem:
            self.reject(ack, caller, problem, "forms.organisation.title", ("name", "channel", "goals"))
            return
        title = say(caller.language, "forms.organisation.title")
        receipt = receipts.organisation_added(caller.language, added)
        ack(response_action="update", view=notice_view(caller.language, title, receipt))

    def add_members(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        caller = self.caller(body, client)
        values = form_values(body)
        try:
            cohort_id = self.cohort_id(body)
            role = members.parse_role(chosen(values, "role") or "", allowed=(Role.MENTOR, Role.HR, Role.COACH))
            organisation = chosen(values, "organisation")
            added = cohort_admin.add_people(
                caller,
                cohort_id,
                user_ids=[str(u) for u in element(values, "users").get("selected_users") or []],
                role=role,
                organisation=whole_number(organisation),
                welcome=self.welcome,
            )
        except (Refused, Invalid) as problem:
            self.reject(ack, caller, problem, "forms.members.title", ("users", "role", "organisation"))
            return
        language = caller.language
        receipt = receipts.people_added(language, added)
        if added.welcomes:
            receipt += "\n" + say(language, "members.receipt.welcoming", count=len(added.welcomes))
        ack(response_action="update", view=notice_view(language, say(language, "forms.members.title"), receipt))
        failed = cohort_admin.send_welcomes(caller, added.welcomes)
        if failed:
            self.tell(client, caller, receipts.welcome_report(language, added.welcomes, failed))

    @staticmethod
    def cohort_id(body: dict[str, Any]) -> int:
        cohort_id = read_cohort_metadata((body.get("view") or {}).get("private_metadata"))
        if cohort_id is None:
            raise Invalid("cohorts.error.gone")
        return cohort_id

    def tell(self, client: WebClient, caller: Caller, text: str) -> None:
        """A DM to the person who submitted the form (a form has no response_url to answer on later)."""
        now = self.deps.now()
        with session_scope(self.deps.engine) as session:
            row_id = enqueue(
                session,
                Envelope(
                    kind=MessageKind.NOTICE,
                    key=f"form-reply:{caller.user_id}:{now.isoformat()}",
                    team_id=caller.team_id,
                    due_at=now,
                    latest_at=now + timedelta(days=1),
                    payload=post({"text": fallback(text)}),
                    user_id=caller.user_id,
                ),
                now=now,
            )
        deliver(self.deps, client, [row_id])


def register(app: App, deps: Deps) -> None:
    views = CohortViews(deps)
    app.view(CREATE_COHORT)(views.create_cohort)
    app.view(ADD_ORGANISATION)(views.add_organisation)
    app.view(ADD_MEMBERS)(views.add_members)
