"""The coach's and admin's forms, as Slack will show them, in each language."""

from __future__ import annotations

import pytest

from bot.blocks.cohort_forms import (
    add_members_view,
    add_organisation_view,
    cohort_metadata,
    create_cohort_view,
    notice_view,
    read_cohort_metadata,
)
from bot.cohorts import COMMON_TIMEZONES
from bot.i18n import LANGUAGES
from tests.support.golden import assert_golden


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_new_cohort_form(language: str) -> None:
    view = create_cohort_view(
        language, default_language="fi", default_timezone="Europe/Helsinki", timezones=COMMON_TIMEZONES
    )
    assert_golden(f"forms/cohort_create.{language}", view, surface="view")


def test_the_operators_time_zone_is_offered_first_even_if_uncommon() -> None:
    view = create_cohort_view(
        "en", default_language="sv", default_timezone="America/Chicago", timezones=COMMON_TIMEZONES
    )
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    assert blocks["timezone"]["element"]["initial_option"]["value"] == "America/Chicago"
    assert blocks["language"]["element"]["initial_option"]["value"] == "sv"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_add_organisation_form(language: str) -> None:
    view = add_organisation_view(language, cohort_id=7, cohort="Kevät 2027")
    assert_golden(f"forms/org_add.{language}", view, surface="view")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_add_people_form(language: str) -> None:
    view = add_members_view(
        language, cohort_id=7, cohort="Kevät 2027", organisations=[(1, "Verohallinto"), (2, "Kela")], allow_coach=False
    )
    assert_golden(f"forms/member_add.{language}", view, surface="view")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_add_people_form_for_an_admin(language: str) -> None:
    view = add_members_view(
        language, cohort_id=7, cohort="Kevät 2027", organisations=[(1, "Verohallinto")], allow_coach=True
    )
    assert_golden(f"forms/member_add_admin.{language}", view, surface="view")
    organisation = next(block for block in view["blocks"] if block.get("block_id") == "organisation")
    assert organisation["optional"] is True


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_that_replaces_a_submitted_form(language: str) -> None:
    assert_golden(f"forms/notice.{language}", notice_view(language, "Kevät 2027", "*Done.*"), surface="view")


def test_the_cohort_metadata_is_read_back_and_anything_else_is_ignored() -> None:
    assert read_cohort_metadata(cohort_metadata(42)) == 42
    for raw in (None, "", "[]", "nonsense", '{"cohort": "42"}', '{"cohort": false}'):
        assert read_cohort_metadata(raw) is None
