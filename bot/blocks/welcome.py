"""The welcome DM a mentor gets when added to a cohort: what happens, how often, who sees what, how to pause."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks.kit import Block, context, header, section
from bot.i18n import day, plural, t


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
        t(language, "welcome.intro_organisation", cohort=cohort, organisation=organisation)
        if organisation
        else t(language, "welcome.intro", cohort=cohort)
    )
    blocks: list[Block] = [header(t(language, "welcome.title")), section(intro)]
    if len(dates) == 3:
        d1, d2, d3 = (day(language, value) for value in dates)
        blocks.append(section(t(language, "welcome.sessions", d1=d1, d2=d2, d3=d3)))
    blocks += [
        section(t(language, "welcome.what")),
        section(t(language, "welcome.often")),
        section(t(language, "welcome.privacy", min_group=min_group)),
    ]
    if goals and organisation:
        lines = "\n".join(f"• {goal}" for goal in goals)
        blocks.append(section(t(language, "welcome.goals", organisation=organisation, goals=lines)))
    blocks.append(section(t(language, "welcome.pause")))
    notes = []
    if coaches:
        mentions = ", ".join(f"<@{user_id}>" for user_id in coaches)
        notes.append(plural(language, "welcome.coaches", len(coaches), coaches=mentions))
    notes.append(t(language, "welcome.help"))
    blocks.append(context(*notes))
    return {"text": t(language, "welcome.text", cohort=cohort), "blocks": blocks}
