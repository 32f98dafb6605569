"""A cohort's privacy-filtered summary for one period and the figures in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.privacy import Withheld, explain_withheld

COHORT = "cohort"
FORMAT = 1  # version of the JSON stored in SummaryPost.figures


def org_group(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def person_key(member_id: int) -> str:
    """How a member id is stored in a figure's ``people`` (bot.forget replaces it when the person is erased)."""
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
class Summary:
    """A cohort's privacy-filtered summary for one period; ``view`` narrows it to what one organisation's HR sees."""

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
    quotes: tuple[str, ...]

    def figure(self, group: str, metric: str) -> Figure | None:
        return next((f for f in self.figures if f.group == group and f.metric == metric), None)

    def view(self, group: str | None) -> Summary:
        """Only the cohort-wide figures and those of ``group`` (None: every group, for coaches)."""
        if group is None:
            return self
        keep = {COHORT, group}
        return Summary(
            self.cohort_id, self.cohort_name, self.language, self.programme, self.period, self.min_group,
            self.computed_at, self.steps, {k: v for k, v in self.organisations.items() if k == group},
            tuple(f for f in self.figures if f.group in keep),
            tuple(w for w in self.withheld if w[0] in keep),
            self.quotes,
        )  # fmt: skip

    def withheld_counts(self) -> dict[str, int]:
        """Withheld figures per reason code, in bot.privacy.REASONS order."""
        return explain_withheld([Withheld(g, m, r) for g, m, r in self.withheld])
