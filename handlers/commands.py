"""`/mentori`: parse the text, answer help at once, route everything else to its subcommand.

Where a command runs is decided at the composition root: in the `web` role, commands that `left_to_worker` accepts
never reach this listener; a worker carries them out with `run_queued`. Subcommands that open a form run in the
process that received them, after the ack, because a modal must be opened within three seconds of the command
(Slack's `trigger_id`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.help import help_blocks, help_text
from bot.blocks.kit import clip, message, say
from bot.commands import COMMAND_NAMES, CommandSyntaxError, ParsedCommand, parse_command
from bot.deps import Deps
from bot.people import language_for
from storage import work_queue

log = logging.getLogger(__name__)

# A queued command not started within this time is answered "run it again" instead: the user has moved on,
# and Slack's response_url stops working after 30 minutes.
QUEUED_FOR_AT_MOST = timedelta(minutes=2)


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
        self.respond(**message(text, blocks), response_type="ephemeral", replace_original=False)


Subcommand = Callable[[CommandContext], None]
FormTest = Callable[[tuple[str, ...]], bool]


def never(_args: tuple[str, ...]) -> bool:
    return False


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

    def left_to_worker(self, text: str) -> bool:
        """Whether `/mentori <text>` may be carried out later, elsewhere: it opens no form (a modal needs the
        command's trigger_id within three seconds) and is not answered in the ack (help, mistakes)."""
        try:
            command = parse_command(text)
        except CommandSyntaxError:
            return False
        entry = self.subcommands.get(command.name)
        return entry is not None and not entry.opens_form(command.args)

    def run_queued(self, queued: work_queue.Queued, client: WebClient) -> None:
        """Carry out a command a web process queued (in a worker)."""
        body = queued.payload
        respond = Respond(response_url=body.get("response_url"))
        command = parse_command(str(body.get("text", "")))
        entry = self.subcommands.get(command.name)
        if entry is None:
            log.warning("a queued /mentori %s has no handler in this version; dropped", command.name)
            return
        if self.deps.now() - queued.enqueued_at > QUEUED_FOR_AT_MOST:
            log.warning("a queued /mentori %s waited %s; answered 'too late'", command.name,
                        self.deps.now() - queued.enqueued_at)  # fmt: skip
            respond(text=say(self.language(body), "common.too_late"), response_type="ephemeral")
            return
        self.execute(entry, command, body, respond, client)

    def execute(self, entry: Entry, command: ParsedCommand, body: dict[str, Any], respond: Respond,
                client: WebClient) -> None:  # fmt: skip
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
