"""The Block Kit kit escapes people's text by construction: only Mentori's own mrkdwn is trusted."""

from __future__ import annotations

from datetime import date

import pytest

from bot.blocks.answer_modal import answered_message, dm_help_message
from bot.blocks.cohorts import cohort_list_message, cohort_show_message
from bot.blocks.delivery_report import failure_report
from bot.blocks.help import help_blocks, help_text
from bot.blocks.kit import (
    Mrkdwn,
    button,
    channel_mention,
    clip,
    context,
    escape,
    header,
    joined,
    md,
    mention,
    message,
    say,
    section,
)
from bot.blocks.summary import summary_message
from bot.blocks.welcome import welcome_message
from bot.cohorts import CohortOverview, OrganisationOverview
from bot.i18n import LANGUAGES
from bot.summaries.model import COHORT, Figure, SharedQuote, Summary
from storage.models import Cohort, Organisation, ProgrammeSession
from tests.support.block_kit import validate_blocks
from tests.support.mrkdwn import HOSTILE, raw_markup

DATES = (date(2027, 1, 11), date(2027, 2, 8), date(2027, 3, 8))


def test_plain_strings_are_escaped_wherever_slack_reads_mrkdwn() -> None:
    assert section("<!here> & <@U1>")["text"]["text"] == "&lt;!here&gt; &amp; &lt;@U1&gt;"
    assert context("<#C1>")["elements"][0]["text"] == "&lt;#C1&gt;"
    assert message("<!channel> hi")["text"] == "&lt;!channel&gt; hi"


def test_catalogue_texts_keep_their_markup_and_escape_their_values() -> None:
    text = say("en", "organisations.added", organisation="<!here>", cohort="A&B", channel="G1", goals=2)
    assert text == "*&lt;!here&gt;* is now in *A&amp;B*; its HR summaries go to <#G1>. Goals added: 2."
    assert section(text)["text"]["text"] == text  # trusted: not escaped twice


def test_a_builders_own_markup_is_trusted_and_its_values_are_not() -> None:
    line = md("*{label}* · {note}", label="<@U1>", note=say("en", "help.title"))
    assert line.startswith("*&lt;@U1&gt;* · ") and isinstance(line, Mrkdwn)
    assert joined([md("*{a}*", a="<x>"), "<y>"]) == "*&lt;x&gt;*\n&lt;y&gt;"
    assert md("{a}", a="<") + "<" == "&lt;&lt;"  # whatever is added to trusted text is escaped
    assert isinstance(clip(md("{a}", a="x" * 4000), 100), Mrkdwn)
    assert escape(escape("<")) == "&lt;"  # escaping twice would show the entities


def test_mentions_only_of_slack_ids() -> None:
    assert mention("U123ABC") == "<@U123ABC>" and channel_mention("G1") == "<#G1>"
    assert mention("U1> <!here") == "U1&gt; &lt;!here"
    assert channel_mention("<!channel>") == "&lt;!channel&gt;"


def test_plain_text_fields_show_the_text_itself() -> None:
    title = say("en", "welcome.text", cohort="A&B <x>")
    assert "A&B <x>" in header(title)["text"]["text"]
    assert button(md("{a}", a="&"), "x")["text"]["text"] == "&"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_welcome_dm_never_pings_with_stored_names(language: str) -> None:
    welcome = welcome_message(
        language,
        cohort=HOSTILE,
        organisation=HOSTILE,
        dates=DATES,
        coaches=["UCOACH"],
        goals=[HOSTILE, "Peer support"],
        min_group=5,
    )
    assert raw_markup(welcome) == []
    assert "<@UCOACH>" in str(welcome["blocks"])  # Mentori's own mention still works
    assert not validate_blocks(welcome["blocks"], "message")


def _overview() -> CohortOverview:
    cohort = Cohort(id=1, team_id="T1", name=HOSTILE, language="en")
    sessions = tuple(
        ProgrammeSession(id=n, team_id="T1", cohort_id=1, number=n, date=value)
        for n, value in enumerate(DATES, start=1)
    )
    organisation = Organisation(id=1, team_id="T1", cohort_id=1, name=HOSTILE, hr_channel_id="G1")
    entry = OrganisationOverview(organisation, goals=(HOSTILE,), mentors=3, hr=("UHR",))
    return CohortOverview(cohort=cohort, sessions=sessions, coaches=("UCOACH",), organisations=(entry,), mentors=3)


@pytest.mark.parametrize("language", LANGUAGES)
def test_cohort_list_and_show_escape_names_and_goals(language: str) -> None:
    for shown in (cohort_show_message(language, _overview()), cohort_list_message(language, [_overview()])):
        assert raw_markup(shown) == []
        assert not validate_blocks(shown["blocks"], "message")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_hr_summary_post_escapes_the_cohort_organisation_goal_and_quotes(language: str) -> None:
    figures = (
        Figure("org:1", "active", {"active": 5, "mentors": 6}, 6),
        Figure("org:1", "experiments", {"mentors": 5}, 5),
        Figure("org:1", "experiments:status:running", {"mentors": 5}, 5),
        Figure("org:1", "experiments:goal:1", {"goal": HOSTILE, "mentors": 5}, 5),
    )
    summary = Summary(
        cohort_id=1,
        cohort_name=HOSTILE,
        language=language,
        programme="feeniks",
        period="before-session-2",
        min_group=5,
        computed_at="2027-02-01T08:00:00+00:00",
        steps=(),
        organisations={"org:1": HOSTILE},
        figures=figures,
        withheld=((COHORT, "mentors", "small_group"),),
        quotes=(SharedQuote("org:1", HOSTILE, ("m:1",)),),
    )
    post = summary_message(summary, language)
    assert raw_markup(post) == []
    assert "&lt;!channel&gt;" in post["text"]
    assert not validate_blocks(post["blocks"], "message")


def test_other_builders_escape_what_people_wrote() -> None:
    report = failure_report("en", cohort=HOSTILE, code="<!here>", user_ids=["U1"], workspace_wide=False)
    answered = answered_message(
        "en",
        delivery_id=1,
        label=HOSTILE,
        question=HOSTILE,
        answered_at=_moment(),
        text=HOSTILE,
        rated=0,
        thumbs=None,
        editable=True,
        shared=HOSTILE,
    )
    dm = dm_help_message("en", note_id=1, label=HOSTILE)
    problem = say("en", "help.unknown", text=HOSTILE)
    helped = {"text": help_text("en", problem=problem), "blocks": help_blocks("en", {"help"}, problem=problem)}
    for built in (report, answered, dm, helped):
        assert raw_markup(built) == []


def _moment():  # type: ignore[no-untyped-def]  # a callback with the library's loose signature
    from datetime import UTC, datetime

    return datetime(2027, 1, 12, 9, tzinfo=UTC)
