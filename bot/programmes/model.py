"""What a programme template holds, as immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

KINDS = (
    "kickoff",
    "assignment",
    "reflection",
    "self_efficacy",
    "experiment_checkin",
    "hr_meeting",
    "summary",
    "followup",
)
PROMPT_KINDS = frozenset(KINDS) - {"summary"}
PLACEHOLDERS = frozenset({"goal", "n", "weeks", "experiment", "session"})
# Placeholders whose value a mentor may not have (no goal set, no experiment recorded, not started yet): a text
# using one needs a variant without it, `text_no_<name>`, which is sent instead when the value is unknown.
OPTIONAL_PLACEHOLDERS = ("experiment", "weeks", "goal")
VARIANT_FIELDS = tuple(f"text_no_{name}" for name in OPTIONAL_PLACEHOLDERS)
CHECKPOINTS = ("T0", "T1", "T2")
FORMS = ("experiment",)  # a prompt may carry a button opening this mentor form (the Home tab's "New experiment")
SUMMARY_PERIODS = ("before-session-2", "before-session-3", "after-session-3", "follow-up")


class ProgrammeError(ValueError):
    """A template is invalid; `errors` lists every problem, each naming the file and the step."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Text:
    """One text in every language Mentori speaks."""

    fi: str
    sv: str
    en: str

    def get(self, language: str) -> str:
        return getattr(self, language, self.fi)


@dataclass(frozen=True)
class Item:
    """A self-efficacy item rated 1–5."""

    id: str
    text: Text


@dataclass(frozen=True)
class SessionInfo:
    number: int
    title: Text
    assignment: Text


@dataclass(frozen=True)
class Step:
    """A programme item sent to every mentor at a moment placed from a session."""

    id: str
    kind: str
    session: int
    days: int
    at: time
    label: Text
    text: Text | None = None
    why: Text | None = None
    tags: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    checkpoint: str | None = None
    rating: str | None = None
    period: str | None = None
    n: int | None = None
    variants: tuple[Text, ...] = ()  # the text_no_* variants, richest first
    form: str | None = None

    @property
    def texts(self) -> tuple[Text, ...]:
        """The step's text and then its variants: the first whose placeholders all have values is sent."""
        return (self.text, *self.variants) if self.text is not None else ()

    @property
    def follows_kickoff(self) -> bool:
        """A prompt placed on its session's day (days = 0) goes out right after that session's kickoff."""
        return self.days == 0 and self.kind != "kickoff" and self.is_prompt

    @property
    def block(self) -> int:
        """The session whose kickoff plans this step: a step before session n belongs to block n-1."""
        return self.session if self.days >= 0 else self.session - 1

    @property
    def is_prompt(self) -> bool:
        """True for steps a mentor receives (everything but HR summaries)."""
        return self.kind in PROMPT_KINDS

    @property
    def is_question(self) -> bool:
        """A prompt the mentor can answer: every prompt but the kickoff, which only tells what comes next."""
        return self.is_prompt and self.kind != "kickoff"


@dataclass(frozen=True)
class Programme:
    id: str
    version: int
    name: Text
    description: Text
    scale_low: Text
    scale_high: Text
    items: tuple[Item, ...]
    sessions: tuple[SessionInfo, ...]
    steps: tuple[Step, ...]
    source: str = field(default="", compare=False)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def session_info(self, number: int) -> SessionInfo:
        return self.sessions[number - 1]

    def steps_in_block(self, block: int) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.block == block)
