"""Every `/mentori` subcommand in one router: the web process's listener and the worker's runner share it."""

from __future__ import annotations

from bot.deps import Deps
from handlers import cohort_commands, kickoff, mentor_actions, peers, status, summary
from handlers.commands import CommandRouter
from handlers.home import HomePublisher


def build_router(deps: Deps, publisher: HomePublisher) -> CommandRouter:
    """The router with every subcommand."""
    router = CommandRouter(deps)
    cohort_commands.add_subcommands(router, deps)
    kickoff.add_subcommands(router, deps)
    status.add_subcommands(router, deps)
    summary.add_subcommands(router, deps)
    peers.add_subcommands(router, deps)
    mentor_actions.add_subcommands(router, deps, publisher)
    return router
