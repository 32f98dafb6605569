"""Filling a step's placeholders for one mentor (or with examples, for a preview)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import placeholders, plural, t
from bot.programmes.model import OPTIONAL_PLACEHOLDERS, Step, Text


@dataclass(frozen=True)
class StepContext:
    """What a step's placeholders may refer to; None means the mentor has no such value (yet)."""

    goal: str | None = None
    experiment: str | None = None
    weeks: int | None = None


def known(context: StepContext) -> frozenset[str]:
    """The optional placeholders that have a value for this mentor."""
    values = {"goal": context.goal, "experiment": context.experiment, "weeks": context.weeks}
    return frozenset(name for name, value in values.items() if value not in (None, ""))


def choose(step: Step, context: StepContext) -> Text | None:
    """The step's text, or its first variant that needs only the values this mentor has (None for summaries)."""
    have = known(context)
    for text in step.texts:
        if placeholders(text.en) & set(OPTIONAL_PLACEHOLDERS) <= have:
            return text
    return step.text


def fill(step: Step, language: str, context: StepContext) -> str:
    """The step's text in `language` with its placeholders filled; a variant when a value is unknown."""
    text = choose(step, context)
    if text is None:
        return step.label.get(language)
    weeks = context.weeks if context.weeks is not None else 0
    values = {
        "goal": context.goal or "",
        "experiment": context.experiment or "",
        "weeks": plural(language, "programme.weeks", weeks),
        "n": step.n if step.n is not None else "",
        "session": step.session,
    }
    return text.get(language).format(**values)


def example_context(language: str) -> StepContext:
    """Example values for `programme preview`."""
    return StepContext(
        goal=t(language, "programme.example.goal"),
        experiment=t(language, "programme.example.experiment"),
    )
