"""Every `/mentori` subcommand in one router: the web process's listener and the worker's runner share it."""

from __future__ import annotations

from bot.deps import Deps
from bot.queue_writer import QueueWriter
from handlers import cohort_commands, kickoff, mentor_actions, status, summary
from handlers.commands import CommandRouter
from handlers.home import HomePublisher


def build_router(deps: Deps, publisher: HomePublisher, *, writer: QueueWriter | None = None) -> CommandRouter:
    """The router with every subcommand; with a `writer`, it leaves what opens no form to the workers."""
    router = CommandRouter(deps, writer=writer)
    cohort_commands.add_subcommands(router, deps)
    kickoff.add_subcommands(router, deps)
    status.add_subcommands(router, deps)
    summary.add_subcommands(router, deps)
    mentor_actions.add_subcommands(router, deps, publisher)
    return router
