"""The coaches' review of HR summary drafts, through the real app against the fake Slack: the drafts in the coach's
DM and Home, approve, take a quote out, a note for HR, hold, the time for review, and who may do it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import create_app
from bot.blocks.summary_review import APPROVE, HOLD, NOTE, NOTE_BLOCK, NOTE_FORM, NOTE_INPUT, QUOTE, SHOW
from bot.deps import Deps
from bot.settings import Settings
from storage.db import session_scope
from storage.models import Cohort, QuietPeriod, SummaryPost
from tests.support import slack_requests
from tests.support.app_driver import SlackDriver, all_text
from tests.support.cohorts import Commands
from tests.support.fake_slack import FakeSlack
from tests.support.summary_cohort import COACH, OTHER_COACH, SummaryCohort, add_people, build

PERIOD = "before-session-3"
COACH_DM = FakeSlack.dm_id(COACH)


class Clicks:
    """One moment's app: commands typed and buttons clicked."""

    def __init__(self, slack: SlackDriver, fake: FakeSlack) -> None:
        self.slack, self.fake, self.commands = slack, fake, Commands(slack, fake)

    def say(self, text: str, user_id: str) -> str:
        return self.commands.say(text, user_id)

    def click(
        self, action_id: str, value: str, *, user_id: str = COACH, draft: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        where = {"channel_id": draft["channel"], "message_ts": draft["ts"]} if draft else {}
        reply = self.slack.action(action_id, value, user_id=user_id, **where, **kwargs)
        assert reply.status == 200


Driver = Callable[[datetime], Clicks]


@pytest.fixture
def cohort(engine: Engine, fake_slack: FakeSlack) -> SummaryCohort:
    add_people(fake_slack)
    built = build(engine, language="en")
    built.fill(PERIOD)
    return built


def _driver(settings: Settings, engine: Engine, fake_slack: FakeSlack, signing_secret: str) -> Driver:
    def make(now: datetime) -> Clicks:
        deps = Deps(settings=settings, engine=engine, now=lambda: now)
        return Clicks(SlackDriver(create_app(deps), signing_secret), fake_slack)

    return make


@pytest.fixture
def at(settings: Settings, engine: Engine, fake_slack: FakeSlack, signing_secret: str) -> Driver:
    return _driver(settings, engine, fake_slack, signing_secret)


def _drafts(fake: FakeSlack) -> dict[str, dict[str, Any]]:
    """The drafts in the coach's DM, by organisation (the newest version of each message)."""
    found = {}
    for message in fake.messages:
        if message["channel"] == COACH_DM and "Draft for the HR of" in (message.get("text") or ""):
            found[message["text"].split("Draft for the HR of ", 1)[1].split(":", 1)[0]] = message
    return found


def _value(draft: dict[str, Any], action_id: str) -> str:
    for block in draft["blocks"]:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return str(element.get("value") or element["options"][0]["value"])
    raise AssertionError(f"no {action_id} in the draft")


def _hr_posts(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages if m["channel"] == channel and m.get("blocks") and not m.get("files")]


def test_hr_asking_sends_the_drafts_to_the_coach_and_only_an_approved_one_is_posted(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    reply = at(now).say('summary "Kevät 2027"', user_id="UHRKELA")
    assert "is waiting for the coaches' review" in reply and "without a review" in reply
    assert "Tue 9 Mar 2027 at 10:00" in reply  # two working days later, in the cohort's time zone (not UTC 08:00)
    assert _hr_posts(fake_slack, "GHRKELA") == []
    kela = _drafts(fake_slack)["Kela"]
    text = all_text(kela["blocks"])
    assert "This is exactly what the HR of *Kela* will get" in text and "• Kela: 9 mentors" in text
    assert "Tiimissä uskalletaan nyt kysyä enemmän." in text  # the quotes HR would get, for the coach to check
    at(now).click(APPROVE, _value(kela, APPROVE), draft=kela)
    [post] = _hr_posts(fake_slack, "GHRKELA")
    assert "• Kela: 9 mentors" in all_text(post["blocks"]) and "No coach reviewed" not in all_text(post["blocks"])
    assert any(upload["channel_id"] == "GHRKELA" for upload in fake_slack.uploads)  # with its chart
    assert "Approved by <@UCOACH> and posted to HR." in all_text(_drafts(fake_slack)["Kela"]["blocks"])  # drawn again
    assert _hr_posts(fake_slack, "GHRVERO") == []  # the other drafts still wait
    home = all_text(fake_slack.home_views[COACH])
    assert "*Kela*: posted to <#GHRKELA>" in home and "*Verohallinto*: waiting for your review" in home
    assert fake_slack.invalid == []


def test_the_review_time_counts_the_cohorts_own_work_days_and_quiet_periods(
    cohort: SummaryCohort, at: Driver, engine: Engine
) -> None:
    with session_scope(engine) as session:
        row = session.get(Cohort, cohort.cohort_id)
        assert row is not None
        row.workdays = "2345"  # Tuesday to Friday
        session.add(row)
        session.add(QuietPeriod(team_id=row.team_id, cohort_id=cohort.cohort_id, first_day=date(2027, 3, 10),
                                last_day=date(2027, 3, 10)))  # fmt: skip
    now = cohort.moment(PERIOD) + timedelta(hours=1)  # a Friday
    reply = at(now).say('summary "Kevät 2027"', user_id="UHRKELA")
    assert "Thu 11 Mar 2027 at 10:00" in reply  # Tuesday 9 and (Wednesday 10 being quiet) Thursday 11


def test_a_quote_taken_out_and_a_note_reach_hr_as_the_coach_left_them(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    clicks = at(now)
    clicks.say('summary "Kevät 2027"', user_id="UHRKELA")
    kela = _drafts(fake_slack)["Kela"]
    first = "Tiimissä uskalletaan nyt kysyä enemmän."
    option = {"type": "static_select", "selected_option": {"value": _value(kela, QUOTE)}}
    clicks.click(QUOTE, "", draft=kela, action=option)
    kela = _drafts(fake_slack)["Kela"]
    assert first not in all_text(kela["blocks"])  # the draft shows what HR will get now
    clicks.click(NOTE, _value(kela, NOTE), draft=kela)
    form = fake_slack.calls_to("views.open")[-1].args["view"]
    assert form["callback_id"] == NOTE_FORM
    reply = clicks.slack.submit(
        NOTE_FORM,
        {NOTE_BLOCK: {NOTE_INPUT: "Kokeilut <!here> keskittyivät palavereihin."}},
        user_id=COACH,
        private_metadata=form["private_metadata"],
    )
    assert reply.status == 200
    kela = _drafts(fake_slack)["Kela"]
    assert "Kokeilut &lt;!here&gt; keskittyivät palavereihin." in json.dumps(kela["blocks"], ensure_ascii=False)
    clicks.click(APPROVE, _value(kela, APPROVE), draft=kela)
    [post] = _hr_posts(fake_slack, "GHRKELA")
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert "A note from the coaches" in text and "Kokeilut &lt;!here&gt; keskittyivät" in text  # no ping
    assert first not in text and "Huomasin, että kysyminen kollegalta" in text
    assert fake_slack.invalid == []


def test_a_held_draft_is_not_posted_when_hr_asks_nor_when_the_review_time_is_over(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    at(now).say('summary "Kevät 2027"', user_id="UHRKELA")
    kela = _drafts(fake_slack)["Kela"]
    at(now).click(HOLD, _value(kela, HOLD), draft=kela)
    assert "Held by <@UCOACH>" in all_text(_drafts(fake_slack)["Kela"]["blocks"])
    later = now + timedelta(days=7)
    reply = at(later).say('summary "Kevät 2027"', user_id="UHRKELA")
    assert "is held by a coach" in reply
    assert _hr_posts(fake_slack, "GHRKELA") == []
    assert "*Kela*: held by <@UCOACH>" in all_text(fake_slack.home_views[COACH])


def test_after_the_review_time_hr_gets_the_post_saying_it_was_not_reviewed(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    at(now).say('summary "Kevät 2027"', user_id="UHRKELA")
    assert "waiting" in at(now + timedelta(days=1)).say('summary "Kevät 2027"', user_id="UHRKELA")
    reply = at(now + timedelta(days=4)).say('summary "Kevät 2027"', user_id="UHRKELA")  # Fri + 2 working days
    assert "is now in <#GHRKELA>" in reply
    [post] = _hr_posts(fake_slack, "GHRKELA")
    assert "No coach reviewed this summary before it was posted" in all_text(post["blocks"])


def test_with_wait_an_unreviewed_draft_waits_for_a_coach(
    cohort: SummaryCohort, settings: Settings, engine: Engine, fake_slack: FakeSlack, signing_secret: str
) -> None:
    at = _driver(replace(settings, summary_unreviewed="wait"), engine, fake_slack, signing_secret)
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    reply = at(now).say('summary "Kevät 2027"', user_id="UHRKELA")
    assert "is waiting for the coaches' review: it is posted when a coach approves it." in reply
    assert "waiting" in at(now + timedelta(days=30)).say('summary "Kevät 2027"', user_id="UHRKELA")
    assert _hr_posts(fake_slack, "GHRKELA") == []


def test_only_the_cohorts_coaches_may_review(cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack) -> None:
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    at(now).say('summary "Kevät 2027"', user_id="UHRKELA")
    kela = _drafts(fake_slack)["Kela"]
    for user in (OTHER_COACH, "UHRKELA"):
        at(now).click(APPROVE, _value(kela, APPROVE), user_id=user)
        notice = fake_slack.calls_to("views.open")[-1].args["view"]
        assert "only the coaches of *Kevät 2027*" in all_text(notice)
    at(now).click(HOLD, "99999", user_id=COACH)
    assert "That draft no longer exists." in all_text(fake_slack.calls_to("views.open")[-1].args["view"])
    assert _hr_posts(fake_slack, "GHRKELA") == []
    with Session(cohort.engine) as session:
        rows = session.exec(select(SummaryPost)).all()
    assert {row.review for row in rows if row.organisation_id == cohort.organisations[1]} == {"pending"}


def test_the_coachs_home_shows_each_draft_and_why_a_post_did_not_go_out(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    clicks = at(now)
    clicks.say('summary "Kevät 2027"', user_id="UHRKELA")
    fake_slack.add_channel("GHRKIRJ", name="hr-kirjasto", is_member=False)
    reply = clicks.say('summary "Kevät 2027"', user_id=COACH)  # the coach asks: the drafts not held are approved
    assert "The summary for *Kirjasto* was not posted" in reply
    assert clicks.slack.post(slack_requests.app_home_opened(COACH)).status == 200
    home = fake_slack.home_views[COACH]
    text = all_text(home)
    assert "*HR summaries of Kevät 2027: Summary for HR before session 3*" in text
    assert "*Kela*: posted to <#GHRKELA> on Fri 5 Mar 2027 at 10:00" in text  # the cohort's time zone
    assert "*Kirjasto*: not posted — Mentori is not a member of its HR channel" in text
    assert fake_slack.invalid == []


def test_the_draft_opens_from_the_home_and_can_be_approved_there(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    clicks = at(now)
    clicks.say('summary "Kevät 2027"', user_id="UHRKELA")
    assert clicks.slack.post(slack_requests.app_home_opened(COACH)).status == 200
    home = fake_slack.home_views[COACH]
    show = next(
        e
        for b in home["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == SHOW and "Kela" in e["text"]["text"]
    )
    clicks.click(SHOW, show["value"], container={"type": "view", "view_id": "VHOME"})
    modal = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "This is exactly what the HR of *Kela* will get" in all_text(modal)
    clicks.click(APPROVE, show["value"], view={**modal, "id": "VDRAFT"})
    assert len(_hr_posts(fake_slack, "GHRKELA")) == 1
    assert "Approved by <@UCOACH> and posted to HR." in all_text(fake_slack.calls_to("views.update")[-1].args["view"])
    assert fake_slack.invalid == []


def test_approving_a_draft_that_cannot_reach_hr_says_why(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    at(now).say('summary "Kevät 2027"', user_id="UHRKELA")
    fake_slack.add_channel("GHRKELA", name="hr-kela", is_member=False)  # Mentori was removed from the channel
    kela = _drafts(fake_slack)["Kela"]
    at(now).click(APPROVE, _value(kela, APPROVE), draft=kela)
    notice = all_text(fake_slack.calls_to("views.open")[-1].args["view"])
    assert "The summary for *Kela* was not posted" in notice
    assert _hr_posts(fake_slack, "GHRKELA") == []
    home = all_text(fake_slack.home_views[COACH])
    assert "*Kela*: not posted — Mentori is not a member of its HR channel: invite it there" in home


def test_a_quote_taken_out_is_remembered_without_its_words(
    cohort: SummaryCohort, at: Driver, fake_slack: FakeSlack
) -> None:
    now = cohort.moment(PERIOD) + timedelta(hours=1)
    at(now).say('summary "Kevät 2027"', user_id="UHRKELA")
    kela = _drafts(fake_slack)["Kela"]
    option = {"type": "static_select", "selected_option": {"value": _value(kela, QUOTE)}}
    at(now).click(QUOTE, "", draft=kela, action=option)
    with Session(cohort.engine) as session:
        [row] = [r for r in session.exec(select(SummaryPost)) if r.organisation_id == cohort.organisations[1]]
    assert len(row.removed_quotes) == 1 and "Tiimissä" not in json.dumps(row.removed_quotes)
