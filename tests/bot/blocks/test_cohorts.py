"""What `cohort list` and `cohort show` print, in each language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.blocks.cohorts import cohort_list_message, cohort_show_message
from bot.cohorts import CohortOverview, OrganisationOverview
from bot.i18n import LANGUAGES
from storage.models import Cohort, Organisation, ProgrammeSession
from tests.support.golden import assert_golden


def _overview(*, archived: bool = False, empty: bool = False) -> CohortOverview:
    cohort = Cohort(id=1, team_id="T1", name="Kevät 2027", language="fi", status="archived" if archived else "active")
    sessions = tuple(
        ProgrammeSession(
            id=n,
            team_id="T1",
            cohort_id=1,
            number=n,
            date=value,
            started_at=datetime(2027, 1, 11, 7, tzinfo=UTC) if n == 1 else None,
        )
        for n, value in enumerate((date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8)), start=1)
    )
    if empty:
        return CohortOverview(cohort=cohort, sessions=sessions, coaches=())
    organisations = (
        OrganisationOverview(
            Organisation(id=1, team_id="T1", cohort_id=1, name="Verohallinto", hr_channel_id="G1"),
            goals=("Asiantuntijarooliin kasvaminen", "Vertaistuki"),
            mentors=6,
            hr=("UHR",),
        ),
        OrganisationOverview(
            Organisation(id=2, team_id="T1", cohort_id=1, name="Kela", hr_channel_id=None), goals=(), mentors=0, hr=()
        ),
    )
    return CohortOverview(cohort=cohort, sessions=sessions, coaches=("UCOACH",), organisations=organisations, mentors=6)


@pytest.mark.parametrize("language", LANGUAGES)
def test_cohort_show(language: str) -> None:
    assert_golden(f"cohorts/show.{language}", cohort_show_message(language, _overview()), surface="message")


@pytest.mark.parametrize("language", LANGUAGES)
def test_cohort_show_of_a_new_cohort_says_what_to_do_next(language: str) -> None:
    message = cohort_show_message(language, _overview(empty=True))
    assert_golden(f"cohorts/show_new.{language}", message, surface="message")


@pytest.mark.parametrize("language", LANGUAGES)
def test_cohort_list(language: str) -> None:
    message = cohort_list_message(language, [_overview(), _overview(archived=True)])
    assert_golden(f"cohorts/list.{language}", message, surface="message")


def test_an_empty_list_says_how_to_create_a_cohort() -> None:
    message = cohort_list_message("en", [])
    assert message["text"] == "There are no cohorts yet. An admin creates one with `/mentori cohort create`."
