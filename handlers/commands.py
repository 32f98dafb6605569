"""`/mentori`: parse the text, answer help at once, route everything else to its subcommand.

Where a command runs is decided at the composition root (bot.app): in the `web` role, commands that
`may_run_later` accepts never reach this listener; a worker carries them out with `carry_out`. Subcommands that
open a form run in the process that received them, after the ack, because a modal must be opened within three
seconds of the command (Slack's `trigger_id`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.help import help_blocks, help_text
from bot.blocks.kit import clip, say
from bot.commands import COMMAND_NAMES, CommandSyntaxError, ParsedCommand, parse_command
from bot.deps import Deps
from bot.people import language_for
from bot.surfaces.command import CommandContext, FormTest, Subcommand, never

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    handler: Subcommand
    opens_form: FormTest  # given the arguments: whether this invocation opens a modal


class CommandRouter:
    """Dispatches `/mentori <name> …` to the subcommand registered under that name."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.subcommands: dict[str, Entry] = {}

    def add(self, name: str, handler: Subcommand, *, opens_form: FormTest = never) -> None:
        if name not in COMMAND_NAMES:
            raise ValueError(f"{name!r} is not a /mentori subcommand listed in bot.commands")
        self.subcommands[name] = Entry(handler, opens_form)

    @property
    def available(self) -> frozenset[str]:
        return frozenset({"help", *self.subcommands})

    def __call__(self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        try:
            command: ParsedCommand | None = parse_command(str(body.get("text", "")))
        except CommandSyntaxError as error:
            command, problem = None, str(error)
        entry = self.subcommands.get(command.name) if command else None
        if entry is not None:
            assert command is not None
            ack()  # first: Slack shows an error if the ack takes over 3 s
            self.execute(entry, command, body, respond, client)
            return
        language = self.language(body)
        if command is None:
            ack(text=say(language, "help.syntax", problem=problem), response_type="ephemeral")
        else:
            self.answer_help(ack, language, command)

    def may_run_later(self, text: str) -> bool:
        """Whether `/mentori <text>` may be carried out after the ack, elsewhere: it opens no form (a modal needs the
        command's trigger_id within three seconds) and is not answered in the ack (help, mistakes)."""
        try:
            command = parse_command(text)
        except CommandSyntaxError:
            return False
        entry = self.subcommands.get(command.name)
        return entry is not None and not entry.opens_form(command.args)

    def knows(self, body: dict[str, Any]) -> bool:
        """Whether this version has the subcommand of a command received earlier (by another process)."""
        try:
            return parse_command(str(body.get("text", ""))).name in self.subcommands
        except CommandSyntaxError:
            return False

    def carry_out(self, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """Run a command acknowledged earlier (by another process) that `may_run_later` and that it `knows`."""
        command = parse_command(str(body.get("text", "")))
        self.execute(self.subcommands[command.name], command, body, respond, client)

    def execute(
        self, entry: Entry, command: ParsedCommand, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Run the subcommand; a failure is logged and the user told, never shown as a traceback."""
        language = self.deps.settings.language
        try:
            language = self.language(body)
            entry.handler(CommandContext(self.deps, command, body, language, respond, client))
        except Exception:
            log.exception("/mentori %s failed", command.name)
            respond(text=say(language, "common.error"), response_type="ephemeral", replace_original=False)

    def language(self, body: dict[str, Any]) -> str:
        team_id, user_id = str(body.get("team_id", "")), str(body.get("user_id", ""))
        return language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)

    def answer_help(self, ack: Ack, language: str, command: ParsedCommand) -> None:
        problem = None
        if command.name != "help":
            problem = say(language, "help.unknown", text=clip(command.raw.replace("`", "'"), 200))
        ack(
            text=help_text(language, problem=problem),
            blocks=help_blocks(language, self.available, problem=problem),
            response_type="ephemeral",
        )


def register(app: App, router: CommandRouter) -> None:
    """Wire `/mentori` into the app."""
    app.command("/mentori")(router)
