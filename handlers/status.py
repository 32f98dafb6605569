"""`/mentori status [<cohort>]`: how a cohort is doing, for its coaches and admins only."""

from __future__ import annotations

from sqlmodel import Session

from bot.authz import Actor, Refused, actor_for, require_manager
from bot.blocks.kit import say
from bot.blocks.status import cohort_status_message
from bot.cohorts import Invalid, find_cohort
from bot.deps import Deps
from bot.privacy_gate import Audience, status_for
from bot.status import managed_cohorts
from bot.surfaces.command import CommandContext, Subcommands
from storage.models import Cohort

WITH_USAGE = frozenset({"status.error.name_cohort", "cohorts.error.unknown_cohort"})


class StatusCommand:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def __call__(self, ctx: CommandContext) -> None:
        language = ctx.language
        actor = actor_for(self.deps, ctx.client, ctx.team_id, ctx.user_id)
        try:
            with Session(self.deps.engine) as session:
                # Unquoted names with spaces are taken whole: `/mentori status Spring 2027`.
                name = " ".join(ctx.command.args)
                cohort = find_cohort(session, ctx.team_id, name) if name else self.only_cohort(session, actor)
                require_manager(actor, cohort)
                status = status_for(session, Audience.coaches(cohort), cohort, self.deps.now())
        except (Refused, Invalid) as problem:
            text = say(language, problem.key, **problem.params)
            if problem.key in WITH_USAGE:
                text += "\n" + say(language, "status.usage.status")
            ctx.reply(text)
            return
        message = cohort_status_message(status, language, cohort.timezone)
        ctx.reply(message["text"], message["blocks"])

    @staticmethod
    def only_cohort(session: Session, actor: Actor) -> Cohort:
        """With no cohort named: the one active cohort the user manages."""
        active = managed_cohorts(session, actor)
        if len(active) == 1:
            return active[0]
        if not active and not managed_cohorts(session, actor, active_only=False):
            raise Refused("status.error.no_cohorts")
        raise Invalid("status.error.name_cohort")


def add_subcommands(router: Subcommands, deps: Deps) -> None:
    """`/mentori status`."""
    router.add("status", StatusCommand(deps))
