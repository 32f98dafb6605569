"""The readable names of what a summary counts: prompt labels and self-efficacy statements, in one language."""

from __future__ import annotations

from bot.programmes.model import Programme


def step_label(programme: Programme, step_id: str, language: str) -> str:
    """The prompt's label; its id when the programme no longer has the step (a summary outlives template edits)."""
    try:
        return programme.step(step_id).label.get(language)
    except KeyError:
        return step_id


def statement(programme: Programme, item_id: str, language: str) -> str:
    """A self-efficacy item's statement; its id when the programme no longer has the item."""
    try:
        return programme.item(item_id).text.get(language)
    except KeyError:
        return item_id


def checkpoint_label(programme: Programme, checkpoint: str, language: str) -> str:
    """The label of the self-efficacy check-in at ``checkpoint`` (T0, T1, T2); the code when there is none."""
    step = next((s for s in programme.steps if s.checkpoint == checkpoint), None)
    return step.label.get(language) if step is not None else checkpoint
