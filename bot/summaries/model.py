"""A cohort's privacy-filtered summary for one period and the figures and quotes in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.privacy import QUOTES_METRIC, Withheld, explain_withheld

COHORT = "cohort"
FORMAT = 2  # version of the JSON stored in SummaryPost.figures (2: quotes per organisation, with their author)
EVENT_METRICS = ("answers:", "se:")  # figures about one prompt's answers: counted once, then repeated as they were


def org_group(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def person_key(member_id: int) -> str:
    """How a member id is stored behind a figure or quote (erasure replaces or removes it)."""
    return f"m:{member_id}"


@dataclass(frozen=True)
class Figure:
    """A figure HR may see, with the people behind it (stored, never rendered)."""

    group: str
    metric: str
    value: Any
    respondents: int
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class SharedQuote:
    """A scrubbed quote for the HR of one organisation (``group``); its ``authors`` are stored, never rendered."""

    group: str
    text: str
    authors: tuple[str, ...] = ()
    prompt: str = ""


@dataclass(frozen=True)
class Summary:
    """A cohort's privacy-filtered summary for one period, before it is narrowed to an audience (bot.privacy_gate)."""

    cohort_id: int
    cohort_name: str
    language: str
    programme: str
    period: str
    min_group: int
    computed_at: str
    steps: tuple[str, ...]  # the prompt steps the period covers, in programme order
    organisations: dict[str, str]  # group key → organisation name
    figures: tuple[Figure, ...]
    withheld: tuple[tuple[str, str, str], ...]  # (group, metric, reason)
    quotes: tuple[SharedQuote, ...]

    def figure(self, group: str, metric: str) -> Figure | None:
        return next((f for f in self.figures if f.group == group and f.metric == metric), None)

    def view(self, group: str | None) -> Summary:
        """HR of ``group``: the cohort-wide figures, the group's own, and quotes of its own mentors only.

        None: every group's figures and no quote (coaches and admins; quotes are for the author's own HR only).
        """
        if group is None:
            return replace(self, quotes=(), withheld=tuple(w for w in self.withheld if w[1] != QUOTES_METRIC))
        keep = {COHORT, group}
        return replace(
            self,
            organisations={k: v for k, v in self.organisations.items() if k == group},
            figures=tuple(f for f in self.figures if f.group in keep),
            withheld=tuple(w for w in self.withheld if w[0] in keep),
            quotes=tuple(q for q in self.quotes if q.group == group),
        )

    def withheld_counts(self) -> dict[str, int]:
        """Withheld figures per reason code, in bot.privacy.REASONS order."""
        return explain_withheld([Withheld(g, m, r) for g, m, r in self.withheld])


@dataclass(frozen=True)
class PostFile:
    """A file uploaded with a post (the summary's chart), with its alt text."""

    filename: str
    title: str
    data: bytes
    alt_text: str


@dataclass(frozen=True)
class RenderedPost:
    """A summary as it is posted: the message and the files uploaded with it."""

    message: dict[str, Any]
    files: tuple[PostFile, ...] = ()


@dataclass(frozen=True)
class ReviewMark:
    """What a post says of the coaches' review: their note, or that no coach reviewed it in time."""

    note: str | None = None
    unreviewed: bool = False


@dataclass(frozen=True)
class Draft:
    """An organisation's summary as its HR would get it, for the cohort's coaches to review before it is posted."""

    post_id: int
    organisation: str
    view: Summary  # exactly what HR of the organisation would see (bot.privacy_gate), less the quotes taken out
    previous: Summary | None
    mark: ReviewMark
    state: str  # pending, approved, held, unreviewed, posted
    due_at: Any = None  # when it is posted without a review, in the cohort's time zone (None: it waits)
    reviewed_by: str | None = None
    quotes: tuple[tuple[int, str], ...] = ()  # the quotes still in it, with their index among the stored ones


# (the summary as its audience may see it, the previous period's as they saw it, the review, language) → the post
Renderer = Callable[[Summary, Summary | None, ReviewMark, str], RenderedPost]
DraftRenderer = Callable[[Draft, str], dict[str, Any]]


@dataclass(frozen=True)
class Renderers:
    """How posts and drafts are drawn (bot.blocks), handed in by the composition so the domain needs no Block Kit."""

    post: Renderer
    draft: DraftRenderer
