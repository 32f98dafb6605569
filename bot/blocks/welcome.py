"""The welcome DM a mentor gets when added to a cohort: what happens, how often, who sees what, how to pause."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks.kit import (
    Block,
    context,
    header,
    joined,
    md,
    mentions,
    message,
    say,
    say_plural,
    section,
)
from bot.i18n import day
from bot.members import RenderWelcome, Welcome


def welcome_message(
    language: str,
    *,
    cohort: str,
    organisation: str | None,
    dates: Sequence[date],
    coaches: Sequence[str],
    goals: Sequence[str],
    min_group: int,
) -> dict[str, Any]:
    """`text` and `blocks` for chat.postMessage."""
    intro = (
        say(language, "welcome.intro_organisation", cohort=cohort, organisation=organisation)
        if organisation
        else say(language, "welcome.intro", cohort=cohort)
    )
    blocks: list[Block] = [header(say(language, "welcome.title")), section(intro)]
    if len(dates) == 3:
        d1, d2, d3 = (day(language, value) for value in dates)
        blocks.append(section(say(language, "welcome.sessions", d1=d1, d2=d2, d3=d3)))
    blocks += [
        section(say(language, "welcome.what")),
        section(say(language, "welcome.often")),
        section(say(language, "welcome.privacy", min_group=min_group)),
    ]
    if goals and organisation:
        listed = joined(md("• {goal}", goal=goal) for goal in goals)
        blocks.append(section(say(language, "welcome.goals", organisation=organisation, goals=listed)))
    blocks.append(section(say(language, "welcome.pause")))
    notes = []
    if coaches:
        notes.append(say_plural(language, "welcome.coaches", len(coaches), coaches=mentions(coaches)))
    notes.append(say(language, "welcome.help"))
    blocks.append(context(*notes))
    return message(say(language, "welcome.text", cohort=cohort), blocks)


def welcome_renderer(min_group: int) -> RenderWelcome:
    """The welcome DM bot.members.plan_welcomes puts in the outbox, promising `min_group` as the privacy floor."""

    def render(welcome: Welcome) -> dict[str, Any]:
        if welcome.returning:  # they know the programme: a short welcome back
            return welcome_back_message(welcome.language, cohort=welcome.cohort)
        return welcome_message(
            welcome.language,
            cohort=welcome.cohort,
            organisation=welcome.organisation,
            dates=welcome.dates,
            coaches=welcome.coaches,
            goals=welcome.goals,
            min_group=min_group,
        )

    return render


def welcome_back_message(language: str, *, cohort: str) -> dict[str, Any]:
    """The short DM of a mentor added again after being removed: they know the programme already."""
    blocks: list[Block] = [section(say(language, "welcome.back", cohort=cohort))]
    blocks.append(context(say(language, "welcome.help")))
    return message(say(language, "welcome.back_text", cohort=cohort), blocks)
