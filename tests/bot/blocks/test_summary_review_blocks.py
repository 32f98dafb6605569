"""Golden files of what coaches see of the HR summaries' review: the Home's overview in every state, and the note
form, in fi, sv and en."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.summary_review import note_view, review_home_blocks
from bot.summaries.overview import CohortPosts, OrganisationPost
from tests.support.golden import assert_golden

HELSINKI = ZoneInfo("Europe/Helsinki")
POSTS = CohortPosts(
    cohort_id=1, cohort_name="Kevät 2027", programme="feeniks", period="before-session-3",
    posts=(
        OrganisationPost(1, "Kela", "posted", channel_id="GHRKELA", at=datetime(2027, 3, 5, 10, tzinfo=HELSINKI),
                         reviewed_by="UCOACH"),
        OrganisationPost(2, "Verohallinto", "posted", channel_id="GHRVERO",
                         at=datetime(2027, 3, 9, 10, tzinfo=HELSINKI), unreviewed=True),
        OrganisationPost(3, "Kirjasto", "problem", problem="not_in_channel"),
        OrganisationPost(4, "Museo", "problem", problem="no_channel"),
        OrganisationPost(5, "Arkisto", "pending", at=datetime(2027, 3, 9, 10, tzinfo=HELSINKI)),
        OrganisationPost(6, "Teatteri", "held", reviewed_by="UCOACHB"),
        OrganisationPost(7, "Ooppera", "queued", channel_id="GHROOPP"),
    ),
)  # fmt: skip


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_golden_home_overview_of_every_organisations_post(language: str) -> None:
    blocks = review_home_blocks([POSTS], language)
    assert_golden(f"summary/review-home.{language}", blocks, surface="home")
    buttons = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert sorted(set(buttons)) == ["5", "6"]  # only the drafts still open can be reviewed from the Home


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_golden_note_form(language: str) -> None:
    assert_golden(
        f"summary/review-note.{language}", note_view(7, "Kokeilut keskittyivät palavereihin.", language), surface="view"
    )
