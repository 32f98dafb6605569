"""Filling a step's placeholders for one mentor (or with examples, for a preview)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import t
from bot.programmes.model import Step


@dataclass(frozen=True)
class StepContext:
    """What a step's placeholders may refer to; None means 'use a neutral wording'."""

    goal: str | None = None
    experiment: str | None = None
    weeks: int | None = None


def fill(step: Step, language: str, context: StepContext) -> str:
    """The step's text in `language` with its placeholders filled."""
    if step.text is None:
        return step.label.get(language)
    values = {
        "goal": context.goal or t(language, "programme.placeholder.goal"),
        "experiment": context.experiment or t(language, "programme.placeholder.experiment"),
        "weeks": context.weeks if context.weeks is not None else 2,
        "n": step.n if step.n is not None else "",
        "session": step.session,
    }
    return step.text.get(language).format(**values)


def example_context(language: str) -> StepContext:
    """Example values for `programme preview`."""
    return StepContext(
        goal=t(language, "programme.example.goal"),
        experiment=t(language, "programme.example.experiment"),
    )
