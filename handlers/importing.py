"""`/mentori import <cohort>` and the coach Home's button: a form with a file input, a dry run, then the import.

The form is acknowledged at once with a progress view; the rows are then checked (each e-mail looked up in Slack)
and the same view is updated as they go, and finally shows the dry run. Its Import button reads and checks the file
again and writes it all or nothing. Who may import is checked on every step, not only when the form opens.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import slack_import
from bot.authz import Refused, actor_for, require_manager
from bot.blocks.importing import (
    CONFIRM_FORM,
    FILE_BLOCK,
    IMPORT_FORM,
    OPEN_ACTION,
    VALUE,
    import_view,
    notice_view,
    progress_view,
    read_metadata,
    result_view,
)
from bot.blocks.kit import say
from bot.blocks.welcome import welcome_renderer
from bot.cohorts import Invalid, find_cohort, get_cohort, require_active
from bot.deps import Deps
from bot.i18n import t
from bot.numbers import whole_number
from bot.payloads import action_value, who
from bot.people import language_for
from bot.slack_api import error_code
from bot.slack_import import FileRefused, Upload
from bot.surfaces.command import CommandContext, Subcommands

log = logging.getLogger(__name__)
UPDATE_EVERY = 1.5  # seconds between progress updates of the form (views.update is tier 4)


class Importing:
    """The listeners of the import form, its dry run and its confirmation."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def language(self, team_id: str, user_id: str) -> str:
        return language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)

    # -- opening the form --------------------------------------------------------------------------------------

    def form_for(self, client: WebClient, team_id: str, user_id: str, cohort: str | int) -> tuple[int, str]:
        """(cohort id, name) of a cohort the user may import into; Refused or Invalid otherwise."""
        actor = actor_for(self.deps, client, team_id, user_id)
        with Session(self.deps.engine) as session:
            found = (
                get_cohort(session, team_id, cohort)
                if isinstance(cohort, int)
                else find_cohort(session, team_id, cohort)
            )
            require_manager(actor, found)
            require_active(found)
            return int(found.id or 0), found.name

    def open_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = who(body)
        language = self.language(team_id, user_id)
        cohort_id = whole_number(action_value(body))
        try:
            if cohort_id is None:
                raise Invalid("cohorts.error.gone")
            found = self.form_for(client, team_id, user_id, cohort_id)
            client.views_open(trigger_id=str(body.get("trigger_id", "")), view=import_view(language, *found))
        except (Refused, Invalid) as problem:
            client.chat_postEphemeral(channel=user_id, user=user_id, text=say(language, problem.key, **problem.params))
        except SlackApiError as error:
            log.warning("views.open of the import form failed: %s", error_code(error))

    def command(self, ctx: CommandContext) -> None:
        """`/mentori import <cohort>`: the form for that cohort."""
        language, args = ctx.language, ctx.command.args
        try:
            if not args:
                raise Invalid("importer.slack.usage")
            found = self.form_for(ctx.client, ctx.team_id, ctx.user_id, " ".join(args))
        except (Refused, Invalid) as problem:
            text = say(language, problem.key, **problem.params)
            if problem.key == "cohorts.error.unknown_cohort":
                text += "\n" + say(language, "importer.slack.usage")
            ctx.reply(text)
            return
        try:
            ctx.client.views_open(trigger_id=str(ctx.body.get("trigger_id", "")), view=import_view(language, *found))
        except SlackApiError as error:
            log.warning("views.open of the import form failed: %s", error_code(error))
            ctx.reply(say(language, "importer.slack.open_failed", cohort=found[1]))

    # -- the file, then the dry run -----------------------------------------------------------------------------

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = who(body)
        language = self.language(team_id, user_id)
        view = body.get("view") or {}
        meta = read_metadata(view.get("private_metadata"))
        files = (((view.get("state") or {}).get("values") or {}).get(FILE_BLOCK) or {}).get(VALUE) or {}
        chosen = [f for f in files.get("files") or [] if isinstance(f, dict) and f.get("id")]
        if not chosen:
            ack(response_action="errors", errors={FILE_BLOCK: t(language, "importer.slack.no_file")})
            return
        if meta is None:
            ack(response_action="update", view=notice_view(language, 1, say(language, "cohorts.error.gone")))
            return
        file_id, name = str(chosen[0]["id"]), str(chosen[0].get("name") or "")
        ack(response_action="update", view=progress_view(language, meta[0], name, 0, 0, applying=False))
        self.check(client, team_id, user_id, language, str(view.get("id") or ""), meta[0], file_id, None)

    def confirm(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = who(body)
        language = self.language(team_id, user_id)
        view = body.get("view") or {}
        meta = read_metadata(view.get("private_metadata"))
        if meta is None or not meta[1]:
            ack(response_action="update", view=notice_view(language, 1, say(language, "cohorts.error.gone")))
            return
        ack(response_action="update", view=progress_view(language, meta[0], meta[3], 0, 0, applying=True))
        self.check(client, team_id, user_id, language, str(view.get("id") or ""), meta[0], meta[1], meta[2])

    def check(
        self,
        client: WebClient,
        team_id: str,
        user_id: str,
        language: str,
        view_id: str,
        cohort_id: int,
        file_id: str,
        digest: str | None,
    ) -> None:
        """Fetch and check the file; with the digest of a dry run, also write it. The form shows each step."""
        applying = digest is not None

        def show(view: dict[str, Any]) -> None:
            try:
                client.views_update(view_id=view_id, view=view)
            except SlackApiError as error:  # the coach closed the form: the work goes on, the result is lost
                log.info("views.update of the import form failed: %s", error_code(error))

        try:
            actor = actor_for(self.deps, client, team_id, user_id)
            upload = slack_import.fetch(client, file_id)
            if applying and upload.digest != digest:
                raise FileRefused("importer.slack.changed")
            outcome = slack_import.run(
                self.deps.engine, client, actor, cohort_id, upload, now=self.deps.now(),
                welcome=welcome_renderer(self.deps.settings.min_group), apply=applying,
                report=_reporter(show, language, cohort_id, upload, applying), send_now=self.deps.send_now,
            )  # fmt: skip
        except (FileRefused, Refused, Invalid) as problem:
            show(notice_view(language, cohort_id, say(language, problem.key, **problem.params)))
            return
        show(result_view(language, outcome, name=upload.name, file_id=file_id, digest=upload.digest))


def _reporter(show: Any, language: str, cohort_id: int, upload: Upload, applying: bool) -> slack_import.Report:
    """A progress callback that updates the form at most every UPDATE_EVERY seconds."""
    last = [0.0]

    def report(done: int, total: int) -> None:
        moment = time.monotonic()
        if done < total and moment - last[0] < UPDATE_EVERY:
            return
        last[0] = moment
        show(progress_view(language, cohort_id, upload.name, done, total, applying=applying))

    return report


def add_subcommands(router: Subcommands, deps: Deps) -> None:
    """`/mentori import <cohort>`, which always opens a form (so it runs where the trigger id is still fresh)."""
    router.add("import", Importing(deps).command, opens_form=lambda args: bool(args))


def register(app: App, deps: Deps) -> None:
    """The import form, its dry run's Import button, and the Home tab's button."""
    importing = Importing(deps)
    app.view(IMPORT_FORM)(importing.submit)
    app.view(CONFIRM_FORM)(importing.confirm)
    app.action(OPEN_ACTION)(importing.open_from_home)
