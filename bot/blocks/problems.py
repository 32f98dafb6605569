"""A domain problem (bot.cohorts.Invalid) as the text that tells the user what was wrong."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.blocks.answer_modal import number
from bot.blocks.kit import say
from bot.cohorts import Invalid
from bot.i18n import day


def explain(language: str, problem: Invalid) -> str:
    """The catalogue text for a domain problem, its dates and numbers written the way `language` writes them."""
    params: dict[str, Any] = {}
    for key, value in problem.params.items():
        if isinstance(value, datetime):
            value = day(language, value.date())
        elif isinstance(value, date):
            value = day(language, value)
        elif isinstance(value, int) and not isinstance(value, bool):
            value = number(language, value)
        params[key] = value
    return say(language, problem.key, **params)
