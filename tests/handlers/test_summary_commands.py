"""`/mentori summary`, `/mentori export` and `/mentori forget` through the real app, against the fake Slack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import create_app
from bot.deps import Deps
from bot.i18n import t
from bot.settings import Settings
from storage.db import session_scope
from storage.models import Organisation, SummaryPost
from tests.support import slack_requests
from tests.support.app_driver import SlackDriver, all_text
from tests.support.cohorts import Commands
from tests.support.csv_export import export_rows
from tests.support.fake_slack import FakeSlack
from tests.support.summary_cohort import (
    ADMIN,
    COACH,
    OTHER_COACH,
    OUTSIDER,
    SummaryCohort,
    add_people,
    build,
    mentor_id,
)

Driver = Callable[[datetime], Commands]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No review time: these tests are about asking for posts (tests/handlers/test_summary_review.py: the review)."""
    return replace(settings, summary_review_days=0)


@pytest.fixture
def cohort(engine: Engine, fake_slack: FakeSlack) -> SummaryCohort:
    add_people(fake_slack)
    built = build(engine, language="fi")
    built.fill("before-session-3")
    return built


@pytest.fixture
def at(settings: Settings, engine: Engine, fake_slack: FakeSlack, signing_secret: str) -> Driver:
    """Commands typed at a given moment."""

    def make(now: datetime) -> Commands:
        deps = Deps(settings=settings, engine=engine, now=lambda: now)
        return Commands(SlackDriver(create_app(deps), signing_secret), fake_slack)

    return make


def _posts(fake: FakeSlack) -> list[str]:
    return [call.args["channel"] for call in fake.calls_to("chat.postMessage")]


def test_a_coach_posts_the_current_summary_to_every_hr_channel_once(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment("before-session-3") + timedelta(hours=2)
    reply = at(now).say('summary "Kevät 2027"')
    assert "“Summary for HR before session 3” for *Kela* is now in <#GHRKELA>." in reply
    assert sorted(_posts(fake_slack)) == ["GHRKELA", "GHRKIRJ", "GHRVERO"]
    kela = next(c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == "GHRKELA")
    assert "Yhteenveto HR:lle ennen 3. valmennuskertaa" in kela.args["text"]  # the cohort's language, not the coach's
    again = at(now + timedelta(days=1)).say('summary "Kevät 2027"')
    assert "was already posted to <#GHRKELA>" in again and "same figures" in again
    assert "on Fri 5 Mar 2027 at 11:00" in again  # when it was posted, in the cohort's time zone (09:00 UTC)
    assert len(_posts(fake_slack)) == 3
    assert fake_slack.invalid == []


def test_hr_posts_only_their_own_organisations_summary(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    reply = at(cohort.moment("before-session-3")).say("summary Kevät 2027", user_id="UHRKELA")
    assert "<#GHRKELA>" in reply and "Verohallinto" not in reply
    assert _posts(fake_slack) == ["GHRKELA"]
    with Session(cohort.engine) as session:  # the other organisations' figures are counted once, ready for them
        rows = session.exec(select(SummaryPost)).all()
    assert len(rows) == 3 and sum(1 for row in rows if row.message_ts) == 1


@pytest.mark.parametrize("user", [mentor_id(0, 0), "UHRMUU", OTHER_COACH, OUTSIDER])
@pytest.mark.parametrize("command", ["summary", "export"])
def test_others_are_refused(cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack, user: str, command: str) -> None:
    reply = at(cohort.moment("before-session-3")).say(f'{command} "Kevät 2027"', user_id=user)
    assert "only the coaches of *Kevät 2027* and the HR contacts of its organisations" in reply
    assert _posts(fake_slack) == [] and fake_slack.uploads == []
    with Session(cohort.engine) as session:
        assert session.exec(select(SummaryPost)).all() == []


def test_before_the_first_summary_step_an_interim_summary_is_posted_when_asked(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment("before-session-2") - timedelta(days=1)
    reply = at(now).say('summary "Kevät 2027"')
    assert "“Interim summary for HR (before the first scheduled one)” for *Kela* is now in <#GHRKELA>." in reply
    kela = next(c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == "GHRKELA")
    text = all_text(kela.args["blocks"])
    assert "HR:n väliyhteenveto" in text and "• Kela: 9 mentoria" in text  # through the same gate: 2 would not show
    assert "Kirjasto:" not in all_text([c.args for c in fake_slack.calls_to("chat.postMessage")])
    again = at(now + timedelta(hours=1)).say('summary "Kevät 2027"')
    assert "was already posted" in again  # counted once: asking again shows the same figures
    with Session(cohort.engine) as session:
        assert {row.period for row in session.exec(select(SummaryPost))} == {"interim"}


def test_with_no_prompt_sent_yet_it_says_when_the_first_summary_is_due(
    engine: Engine, fake_slack: FakeSlack, at: Driver
) -> None:
    add_people(fake_slack)
    fresh = build(engine, language="fi")  # nothing sent yet
    reply = at(fresh.moment("before-session-2") - timedelta(days=30)).say('summary "Kevät 2027"')
    assert "has no summary yet: the first one is due" in reply and "at 09:00" in reply  # the cohort's time zone
    assert _posts(fake_slack) == []


def test_an_unknown_cohort_or_none_says_how_to_write_it(cohort: SummaryCohort, at: Driver) -> None:
    commands = at(cohort.moment("before-session-3"))
    assert "`/mentori summary <cohort>`" in commands.say("summary")
    assert "`/mentori summary <cohort>`" in commands.say("summary Nope")


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("CPUBLIC", "is a public channel, and HR summaries may only go to a private one"),
        ("GNOTIN", "Mentori is not a member of that channel"),
        ("GHRKELA", "is also another organisation's HR channel"),
        (None, "has no HR channel yet"),
    ],
)
def test_a_channel_mentori_may_not_use_is_refused_with_how_to_fix_it(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack, channel: str | None, expected: str
) -> None:
    with session_scope(cohort.engine) as session:
        vero = session.get(Organisation, cohort.organisations[0])
        assert vero is not None
        vero.hr_channel_id = channel
        session.add(vero)
    reply = at(cohort.moment("before-session-3")).say('summary "Kevät 2027"', user_id="UHRVERO")
    assert "The summary for *Verohallinto* was not posted" in reply and expected in reply
    assert _posts(fake_slack) == []


def test_hr_exports_their_figures_to_their_channel(cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack) -> None:
    reply = at(cohort.moment("before-session-3")).say('export "Kevät 2027"', user_id="UHRKELA")
    assert "The CSV for *Kela* is now in <#GHRKELA>." in reply
    [upload] = fake_slack.uploads
    assert upload["channel_id"] == "GHRKELA" and upload["name"] == "mentori-before-session-3.csv"
    rows = export_rows(upload["content"], "fi")  # the cohort's language: semicolons, Finnish headers, a BOM
    groups = {row["group"] for row in rows if row["value"]}
    assert groups == {"Koko ryhmä", "Kela"}
    assert all(int(row["respondents"]) >= 5 for row in rows if row["respondents"])
    assert not any("m:" in value for row in rows for value in row.values())
    assert any("," in row["value"] for row in rows if row["figure"].startswith("Pystyvyyden tunne: alkumittaus"))


def test_a_coach_gets_the_cohort_wide_export_in_a_direct_message(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    reply = at(cohort.moment("before-session-3")).say('export "Kevät 2027"')
    assert "cohort-wide CSV" in reply
    [upload] = fake_slack.uploads
    assert upload["channel_id"] == fake_slack.dm_id(COACH)
    rows = export_rows(upload["content"], "fi")
    shown = [row for row in rows if row["value"]]
    assert "Kirjasto" not in {row["group"] for row in shown}  # 2 mentors: never a figure of their own
    assert all(int(row["respondents"]) >= 5 for row in shown)
    assert {row["withheld"] for row in rows if row["group"] == "Kirjasto"} == {
        t("fi", "summary.csv.reason_small_group", min_group=5)
    }
    assert "Lainaus" not in {row["figure"] for row in rows}  # quotes go to the author's own HR only


def test_forget_is_for_admins_only(cohort: SummaryCohort, at: Driver) -> None:
    reply = at(cohort.moment("before-session-3")).say(f"forget <@{mentor_id(1, 0)}>", user_id=COACH)
    assert "only workspace admins" in reply


def test_forget_confirms_what_was_removed(cohort: SummaryCohort, at: Driver) -> None:
    commands = at(cohort.moment("before-session-3"))
    commands.say('summary "Kevät 2027"')
    reply = commands.say(f"forget <@{mentor_id(1, 0)}|someone>", user_id=ADMIN)
    assert f"Everything Mentori held about <@{mentor_id(1, 0)}> is erased: 1 memberships" in reply
    assert "summary figures anonymised" in reply
    assert "holds nothing about" in commands.say(f"forget <@{mentor_id(1, 0)}>", user_id=ADMIN)
    assert "`/mentori forget @person`" in commands.say("forget someone", user_id=ADMIN)


def test_hr_sees_their_own_organisations_summary_in_the_home_tab(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    commands = at(cohort.moment("before-session-3"))
    slack = commands.slack
    for user in ("UHRKELA", "UHRVERO", COACH):
        assert slack.post(slack_requests.app_home_opened(user)).status == 200
    before = all_text(fake_slack.home_views["UHRKELA"])
    assert "No summary has been posted yet" in before and "• Kela: 9 mentors" not in before  # no figures before a post
    commands.say('summary "Kevät 2027"', user_id=COACH)
    for user in ("UHRKELA", "UHRVERO", COACH):
        assert slack.post(slack_requests.app_home_opened(user)).status == 200
    assert fake_slack.invalid == []
    kela, vero, coach = (all_text(fake_slack.home_views[user]) for user in ("UHRKELA", "UHRVERO", COACH))
    assert "Kevät 2027" in kela and "• Kela: 9 mentors" in kela and "In your mentors' own words" in kela
    assert "Verohallinto" in vero and "Kela" not in vero and "Kirjasto" not in vero
    with Session(cohort.engine) as session:  # the Home showed what the HR channel will: the same stored period
        posts = session.exec(select(SummaryPost).where(SummaryPost.period == "before-session-3")).all()
        kela_quotes = {
            q["text"]
            for post in posts
            for q in post.figures["quotes"]
            if post.organisation_id == cohort.organisations[1]
        }
    assert kela_quotes and not any(quote[:40] in vero for quote in kela_quotes)
    assert "Kevät 2027" in coach and "In your mentors' own words" not in coach  # coaches get no quotes
