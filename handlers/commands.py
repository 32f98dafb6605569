"""`/mentori`: parse the text, answer help at once, route everything else to its subcommand."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.help import help_blocks, help_text
from bot.blocks.kit import clip
from bot.commands import COMMAND_NAMES, CommandSyntaxError, ParsedCommand, parse_command
from bot.deps import Deps
from bot.i18n import t
from bot.people import language_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandContext:
    """One `/mentori` invocation, as the subcommand handlers see it."""

    deps: Deps
    command: ParsedCommand
    body: dict[str, Any]
    language: str
    respond: Respond
    client: WebClient

    @property
    def team_id(self) -> str:
        return str(self.body.get("team_id", ""))

    @property
    def user_id(self) -> str:
        return str(self.body.get("user_id", ""))

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """An ephemeral answer to the person who typed the command."""
        self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


Subcommand = Callable[[CommandContext], None]


class CommandRouter:
    """Dispatches `/mentori <name> …` to the subcommand registered under that name."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.subcommands: dict[str, Subcommand] = {}

    def add(self, name: str, handler: Subcommand) -> None:
        if name not in COMMAND_NAMES:
            raise ValueError(f"{name!r} is not a /mentori subcommand listed in bot.commands")
        self.subcommands[name] = handler

    @property
    def available(self) -> frozenset[str]:
        return frozenset({"help", *self.subcommands})

    def __call__(self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        try:
            command: ParsedCommand | None = parse_command(str(body.get("text", "")))
        except CommandSyntaxError as error:
            command, problem = None, str(error)
        handler = self.subcommands.get(command.name) if command else None
        if handler is not None:
            ack()  # first: Slack shows an error if the ack takes over 3 s
        language = self.language(body)
        if command is None:
            ack(text=t(language, "help.syntax", problem=problem), response_type="ephemeral")
            return
        if handler is None:
            self.answer_help(ack, language, command)
            return
        context = CommandContext(self.deps, command, body, language, respond, client)
        try:
            handler(context)
        except Exception:
            log.exception("/mentori %s failed", command.name)
            context.reply(t(language, "common.error"))

    def language(self, body: dict[str, Any]) -> str:
        team_id, user_id = str(body.get("team_id", "")), str(body.get("user_id", ""))
        return language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)

    def answer_help(self, ack: Ack, language: str, command: ParsedCommand) -> None:
        problem = None
        if command.name != "help":
            problem = t(language, "help.unknown", text=clip(command.raw.replace("`", "'"), 200))
        ack(
            text=help_text(language, problem=problem),
            blocks=help_blocks(language, self.available, problem=problem),
            response_type="ephemeral",
        )


def register(app: App, deps: Deps) -> CommandRouter:
    """Wire `/mentori` into the app; returns the router so other modules can add subcommands."""
    router = CommandRouter(deps)
    app.command("/mentori")(router)
    return router
