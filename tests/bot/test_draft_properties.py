"""Property: the draft a coach reviews never shows more than the organisation's HR would get.

Random summaries (the cohort and up to three organisations, with random figures, withheld figures and quotes) are
narrowed by the privacy gate for HR and for the coaches' review of each organisation's draft; the draft must be that
very view, its post exactly HR's, and nothing around it may carry another organisation's name, figure or quote.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import privacy_gate
from bot.blocks.summary import summary_message
from bot.blocks.summary_review import draft_message
from bot.privacy_gate import Audience, Kind
from bot.programmes import programme_by_id
from bot.summaries.model import COHORT, Draft, Figure, ReviewMark, SharedQuote, Summary, org_group
from tests.support.app_driver import all_text

PROGRAMME = programme_by_id("feeniks")
STEPS = [step.id for step in PROGRAMME.steps if step.is_prompt][:6]
GROUPS = [COHORT, org_group(1), org_group(2), org_group(3)]


def _figures(group: str, base: int) -> list[Figure]:
    """Figures whose numbers are unique to the group (base 1000, 2000, …), so any leak can be seen."""
    figures = [
        Figure(group, "mentors", {"mentors": base + 1}, base + 1),
        Figure(group, "active", {"active": base + 2, "mentors": base + 3}, base + 3),
        Figure(group, "experiments", {"mentors": base + 4}, base + 4),
    ]
    figures += [
        Figure(group, f"answers:{step}", {"sent": base + 10 + i, "answered": base + 5}, base + 10 + i)
        for i, step in enumerate(STEPS)
    ]
    return figures


@st.composite
def summaries(draw: st.DrawFn) -> Summary:
    count = draw(st.integers(1, 3))
    organisations = {org_group(i): f"Org{i}Name" for i in range(1, count + 1)}
    figures: list[Figure] = []
    withheld: list[tuple[str, str, str]] = []
    for n, group in enumerate(GROUPS[: count + 1]):
        for figure in _figures(group, 1000 * (n + 1)):
            if draw(st.booleans()):
                figures.append(figure)
            else:
                withheld.append((group, figure.metric, draw(st.sampled_from(["small_group", "complementary"]))))
    quotes = [
        SharedQuote(org_group(i), f"Quote{i}x{j} from its mentors", (f"m:{i}{j}",), STEPS[0])
        for i in range(1, count + 1)
        for j in range(draw(st.integers(0, 3)))
    ]
    return Summary(
        cohort_id=1,
        cohort_name="Cohort",
        language=draw(st.sampled_from(["fi", "sv", "en"])),
        programme="feeniks",
        period="before-session-2",
        min_group=5,
        computed_at="2027-02-05T07:00:00",
        steps=tuple(STEPS),
        organisations=organisations,
        figures=tuple(figures),
        withheld=tuple(withheld),
        quotes=tuple(quotes),
    )


def _numbers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\d{4}", text)}


@settings(max_examples=60, deadline=None)
@given(summary=summaries(), language=st.sampled_from(["fi", "sv", "en"]), note=st.text(max_size=40))
def test_a_draft_shows_the_coach_nothing_hr_would_not_get(summary: Summary, language: str, note: str) -> None:
    for group, name in summary.organisations.items():
        organisation_id = int(group.split(":")[1])
        hr = privacy_gate.view(summary, Audience(Kind.HR, 1, organisation_id))
        review = privacy_gate.view(summary, Audience(Kind.REVIEW, 1, organisation_id))
        assert review == hr  # the gate gives the review exactly HR's view
        mark = ReviewMark(note=note or None)
        draft = Draft(
            post_id=1,
            organisation=name,
            view=review,
            previous=None,
            mark=mark,
            state="pending",
            quotes=tuple(enumerate(q.text for q in review.quotes)),
        )
        message = draft_message(draft, language)
        post = summary_message(hr, hr.language, None, mark)["blocks"]
        assert all(block in message["blocks"] for block in post)  # HR's post, whole and unchanged
        text, hr_text = all_text(message), all_text(post)
        assert _numbers(text) <= _numbers(hr_text) | {2027}  # no figure HR does not get (the year is the period's)
        others = [other for key, other in summary.organisations.items() if key != group]
        assert not any(other in text for other in others)
        assert not re.findall(r"Quote(\d)x", text.replace(f"Quote{organisation_id}x", ""))  # only its own quotes
        assert {q.text for q in hr.quotes} >= {q for _, q in draft.quotes}
