"""The cohort calendar form: work days and quiet periods, opened from the coach Home's Calendar button.

Who may change a cohort's calendar is checked when the form opens and again when it is saved.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.authz import Refused, actor_for, require_manager
from bot.blocks.calendar import (
    CALENDAR_FORM,
    OPEN_ACTION,
    USUAL,
    VALUE,
    calendar_blocks,
    calendar_notice,
    calendar_view,
)
from bot.blocks.kit import say, section, shown
from bot.cohorts import Invalid, get_cohort, require_active
from bot.deps import Deps
from bot.numbers import whole_number
from bot.payloads import action_value, who
from bot.people import language_for
from bot.quiet_periods import overview, parse_periods, set_calendar
from bot.slack_api import error_code
from storage.db import session_scope

log = logging.getLogger(__name__)


class Calendars:
    """The listeners of the calendar form and of the Home button that opens it."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def open_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        language = language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)
        cohort_id = whole_number(action_value(body))
        try:
            if cohort_id is None:
                raise Invalid("cohorts.error.gone")
            actor = actor_for(self.deps, client, team_id, user_id)
            with Session(self.deps.engine) as session:
                cohort = get_cohort(session, team_id, cohort_id)
                require_manager(actor, cohort)
                require_active(cohort)
                view = calendar_view(language, overview(session, cohort))
            client.views_open(trigger_id=str(body.get("trigger_id", "")), view=view)
        except (Refused, Invalid) as problem:
            client.chat_postEphemeral(channel=user_id, user=user_id, text=say(language, problem.key, **problem.params))
        except SlackApiError as error:
            log.warning("views.open of the calendar form failed: %s", error_code(error))

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = who(body)
        language = language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)
        view = body.get("view") or {}
        values = (view.get("state") or {}).get("values") or {}
        try:
            cohort_id = int(json.loads(view.get("private_metadata") or "{}").get("cohort") or 0)
        except (ValueError, TypeError, AttributeError):
            cohort_id = 0
        workdays = {int(v) for v in _chosen(values, "workdays") if v.isdigit() and int(v) < 7}
        try:
            periods = parse_periods(str((values.get("own") or {}).get(VALUE, {}).get("value") or ""), field="own")
            if not workdays:
                raise Invalid("calendar.error.no_workdays", field="workdays")
            actor = actor_for(self.deps, client, team_id, user_id)
            with session_scope(self.deps.engine) as session:
                cohort = get_cohort(session, team_id, cohort_id)
                require_manager(actor, cohort)
                moved = set_calendar(
                    session,
                    cohort,
                    workdays=workdays,
                    usual_quiet=USUAL in _chosen(values, "usual"),
                    periods=periods,
                    now=self.deps.now(),
                )
                head = say(language, "calendar.done.saved", cohort=cohort.name, moved=moved)
                blocks = calendar_blocks(language, overview(session, cohort), head)
        except Invalid as problem:
            text = say(language, problem.key, **problem.params)
            if problem.field:
                ack(response_action="errors", errors={problem.field: shown(text)})
            else:
                ack(response_action="update", view=calendar_notice(language, [section(text)]))
            return
        except Refused as problem:
            ack(
                response_action="update",
                view=calendar_notice(language, [section(say(language, problem.key, **problem.params))]),
            )
            return
        ack(response_action="update", view=calendar_notice(language, blocks))


def _chosen(values: dict[str, Any], block_id: str) -> list[str]:
    element = (values.get(block_id) or {}).get(VALUE) or {}
    return [str(o.get("value")) for o in element.get("selected_options") or [] if isinstance(o, dict)]


def register(app: App, deps: Deps) -> None:
    """The calendar form and the Home button that opens it."""
    calendars = Calendars(deps)
    app.action(OPEN_ACTION)(calendars.open_from_home)
    app.view(CALENDAR_FORM)(calendars.submit)
