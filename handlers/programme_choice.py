"""The programme form, from the coach Home's Programme button: pick a template or upload an adapted one (TOML),
see it with the cohort's real dates, and make it the cohort's programme only on confirmation.

Who may choose, and that the cohort has not started, is checked when the form opens, at the preview and again when
the choice is confirmed; an uploaded file is read and checked again at confirmation, and must be the one previewed.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import programme_store, slack_import
from bot.authz import Refused, actor_for
from bot.blocks.kit import say
from bot.blocks.programme_choice import (
    CONFIRM_FORM,
    OPEN_ACTION,
    PROGRAMME_FORM,
    VALUE,
    checking_view,
    metadata,
    notice_view,
    preview_view,
    problems_view,
    programme_view,
    read_metadata,
)
from bot.cohorts import Invalid, get_cohort
from bot.deps import Deps
from bot.numbers import whole_number
from bot.payloads import action_value, who
from bot.people import language_for
from bot.programmes import Programme, ProgrammeError, programme_by_id
from bot.slack_api import error_code
from bot.slack_import import FileRefused
from storage.db import session_scope

log = logging.getLogger(__name__)
TOML_TYPES = frozenset({"toml", "text"})


class ProgrammeChoice:
    """The listeners of the programme form, its preview and its confirmation."""

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
                programme_store.check_choice(session, actor, cohort)
                view = programme_view(
                    language,
                    cohort_id,
                    cohort.name,
                    cohort.programme,
                    programme_store.choices(session, team_id, language),
                )
            client.views_open(trigger_id=str(body.get("trigger_id", "")), view=view)
        except (Refused, Invalid) as problem:
            client.chat_postEphemeral(channel=user_id, user=user_id, text=say(language, problem.key, **problem.params))
        except SlackApiError as error:
            log.warning("views.open of the programme form failed: %s", error_code(error))

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A chosen template is previewed at once; an uploaded one is read and checked first."""
        team_id, user_id = who(body)
        language = language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)
        view = body.get("view") or {}
        values = (view.get("state") or {}).get("values") or {}
        meta = read_metadata(view.get("private_metadata"))
        if meta is None:
            ack(response_action="update", view=notice_view(language, 1, say(language, "cohorts.error.gone")))
            return
        files = [f for f in ((values.get("file") or {}).get(VALUE) or {}).get("files") or [] if isinstance(f, dict)]
        if files and files[0].get("id"):
            name = str(files[0].get("name") or "")
            ack(response_action="update", view=checking_view(language, meta["cohort"], name))
            shown = self.preview(client, team_id, user_id, language, meta["cohort"], file_id=str(files[0]["id"]))
            _update(client, str(view.get("id") or ""), shown)
            return
        option = ((values.get("template") or {}).get(VALUE) or {}).get("selected_option") or {}
        template = str(option.get("value") or "") if isinstance(option, dict) else ""
        ack(
            response_action="update",
            view=self.preview(client, team_id, user_id, language, meta["cohort"], template=template),
        )

    def preview(
        self,
        client: WebClient,
        team_id: str,
        user_id: str,
        language: str,
        cohort_id: int,
        *,
        template: str = "",
        file_id: str = "",
    ) -> dict[str, Any]:
        """The preview view, or a view saying what is wrong."""
        try:
            actor = actor_for(self.deps, client, team_id, user_id)
            if file_id:
                upload = self.fetch(client, file_id)
                _, programme = programme_store.check_text(upload.data, upload.name)
                name, meta = upload.name, metadata(cohort_id, file_id=file_id, digest=upload.digest)
            else:
                programme, name, meta = self.known(team_id, template), "", metadata(cohort_id, template=template)
            with Session(self.deps.engine) as session:
                cohort = get_cohort(session, team_id, cohort_id)
                programme_store.check_choice(session, actor, cohort)
                dates = programme_store.session_dates(session, cohort)
                name = name or _name_of(session, team_id, template, programme, language)
                return preview_view(
                    language, programme, name=name, cohort=cohort.name, dates=dates, tz=cohort.timezone, meta=meta
                )
        except ProgrammeError as error:
            return problems_view(language, cohort_id, _file_name(error), error.errors)
        except (FileRefused, Refused, Invalid) as problem:
            return notice_view(language, cohort_id, say(language, problem.key, **problem.params))

    def fetch(self, client: WebClient, file_id: str) -> slack_import.Upload:
        return slack_import.fetch(
            client, file_id, kinds=TOML_TYPES, extensions=(".toml", ".txt"), wrong="programmes.error.not_toml"
        )

    def known(self, team_id: str, template: str) -> Programme:
        """A template of the list: the built-in one, or an upload of this workspace."""
        with Session(self.deps.engine) as session:
            if template not in {choice.id for choice in programme_store.choices(session, team_id)}:
                raise Invalid("programmes.error.unknown")
        return programme_by_id(template)

    def confirm(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = who(body)
        language = language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)
        view = body.get("view") or {}
        meta = read_metadata(view.get("private_metadata"))
        if meta is None:
            ack(response_action="update", view=notice_view(language, 1, say(language, "cohorts.error.gone")))
            return
        ack(response_action="update", view=checking_view(language, meta["cohort"], ""))
        _update(client, str(view.get("id") or ""), self.choose(client, team_id, user_id, language, meta))

    def choose(self, client: WebClient, team_id: str, user_id: str, language: str, meta: dict[str, Any]) -> Any:
        cohort_id = meta["cohort"]
        try:
            actor = actor_for(self.deps, client, team_id, user_id)
            upload = None
            if meta["file"]:
                fetched = self.fetch(client, meta["file"])
                if fetched.digest != meta["digest"]:
                    raise FileRefused("importer.slack.changed")
                upload = (fetched.name, programme_store.check_text(fetched.data, fetched.name)[0])
            elif meta["template"]:
                self.known(team_id, meta["template"])
            with session_scope(self.deps.engine) as session:
                cohort = get_cohort(session, team_id, cohort_id)
                programme = programme_store.use(
                    session, actor, cohort, meta["template"], upload=upload, now=self.deps.now()
                )
                name = upload[0] if upload else _name_of(session, team_id, meta["template"], programme, language)
                text = say(language, "programmes.done.chosen", cohort=cohort.name, name=name)
        except ProgrammeError as error:
            return problems_view(language, cohort_id, _file_name(error), error.errors)
        except (FileRefused, Refused, Invalid) as problem:
            return notice_view(language, cohort_id, say(language, problem.key, **problem.params))
        return notice_view(language, cohort_id, text)


def _name_of(session: Session, team_id: str, template: str, programme: Programme, language: str) -> str:
    names = {choice.id: choice.name for choice in programme_store.choices(session, team_id, language)}
    return names.get(template) or programme.name.get(language)


def _file_name(error: ProgrammeError) -> str:
    first = error.errors[0] if error.errors else ""
    return first.split(":", 1)[0] if ":" in first else "?"


def _update(client: WebClient, view_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackApiError as error:
        log.info("views.update of the programme form failed: %s", error_code(error))


def register(app: App, deps: Deps) -> None:
    """The programme form, its preview's button, and the Home button that opens it."""
    choice = ProgrammeChoice(deps)
    app.action(OPEN_ACTION)(choice.open_from_home)
    app.view(PROGRAMME_FORM)(choice.submit)
    app.view(CONFIRM_FORM)(choice.confirm)
