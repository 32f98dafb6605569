"""HR summaries for a cohort of 5, 9 and 2 mentors: golden posts, once per period, and nothing under the threshold."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.blocks.kit import sparkline
from bot.blocks.summary import summary_message
from bot.blocks.summary_review import RENDERERS, draft_message
from bot.i18n import t
from bot.privacy import PrivacyPolicy
from bot.programmes import programme_by_id
from bot.programmes.model import SUMMARY_PERIODS
from bot.summaries.export import summary_csv
from bot.summaries.model import COHORT, Draft, ReviewMark, org_group
from bot.summaries.posting import post_due_summaries
from bot.summaries.review import ReviewRules
from bot.summaries.store import ensure_summary
from storage.db import session_scope
from storage.models import Answer, HrMeeting, Member, MemberStatus, Organisation, SlackUser, SummaryPost
from tests.bot.test_privacy import person_leaks
from tests.support import outbox_world
from tests.support.csv_export import export_rows
from tests.support.fake_slack import FakeSlack
from tests.support.golden import assert_golden
from tests.support.summary_cohort import ORGANISATIONS, SummaryCohort, add_people, build, mentor_id

POLICY = PrivacyPolicy()
NO_REVIEW = ReviewRules(days=0)  # posted at once: these tests are about posting, not the coaches' review
SLUGS = ("verohallinto", "kela", "kirjasto")


@pytest.fixture
def cohort(engine: Engine) -> SummaryCohort:
    return build(engine)


def _all_periods(cohort: SummaryCohort) -> dict[str, object]:
    summaries = {}
    for period in SUMMARY_PERIODS:
        cohort.fill(period)
        summaries[period] = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment(period))
    return summaries


def _text(node: object) -> str:
    if isinstance(node, dict):
        return "\n".join(_text(v) for v in node.values())
    if isinstance(node, list):
        return "\n".join(_text(v) for v in node)
    return node if isinstance(node, str) else ""


def test_golden_posts_and_csvs_for_every_organisation_at_every_summary_step(cohort: SummaryCohort) -> None:
    previous = None
    for period, summary in _all_periods(cohort).items():
        assert summary is not None and summary.period == period
        for slug, organisation_id in zip(SLUGS, cohort.organisations, strict=True):
            group = org_group(organisation_id)
            for language in ("fi", "en", "sv"):
                before = previous.view(group) if previous else None
                message = summary_message(summary.view(group), language, before)
                assert len(message["blocks"]) <= 50
                assert_golden(f"summary/{period}.{slug}.{language}", message, surface="message")
            lines = summary_csv(summary.view(org_group(organisation_id))).splitlines()
            assert_golden(f"summary/{period}.{slug}.csv", lines)
        assert_golden(f"summary/{period}.coaches.csv", summary_csv(summary.view(None)).splitlines())
        previous = summary


def test_golden_drafts_the_coaches_review_show_what_hr_would_get(cohort: SummaryCohort) -> None:
    summaries = _all_periods(cohort)
    summary, before = summaries["before-session-3"], summaries["before-session-2"]
    for slug, organisation_id in zip(SLUGS, cohort.organisations, strict=True):
        group = org_group(organisation_id)
        view, previous = summary.view(group), before.view(group)
        due = datetime(2027, 3, 9, 9, tzinfo=ZoneInfo("Europe/Helsinki"))
        draft = Draft(
            post_id=7,
            organisation=view.organisations[group],
            view=view,
            previous=previous,
            mark=ReviewMark(),
            state="pending",
            due_at=due,
            quotes=tuple(enumerate(q.text for q in view.quotes)),
        )
        for language in ("fi", "en", "sv"):
            message = draft_message(draft, language)
            assert_golden(f"summary/draft.before-session-3.{slug}.{language}", message, surface="message")
            hr = summary_message(view, summary.language, previous)["blocks"]
            assert all(block in message["blocks"] for block in hr)  # HR's post, whole and unchanged


def test_what_each_organisation_sees_with_five_nine_and_two_mentors(cohort: SummaryCohort) -> None:
    summary = _all_periods(cohort)["before-session-3"]
    vero, kela, kirjasto = (org_group(i) for i in cohort.organisations)
    groups = {f.group for f in summary.figures}
    assert COHORT in groups and kela in groups
    assert kirjasto not in groups  # 2 mentors: never a figure of their own
    assert {m for g, m, r in summary.withheld if g == kirjasto and r == "small_group"} >= {"mentors", "active"}
    # the 5 is shown only where the cohort less the 9 and the 5 does not come down to the 2 alone
    for figure in (f for f in summary.figures if f.group == vero):
        assert summary.figure(COHORT, figure.metric) is None or summary.figure(kela, figure.metric) is None
    vero_post = _text(summary_message(summary.view(vero), "en"))
    assert "Figures withheld — they would let a smaller group be worked out from the others" in vero_post
    assert "Kirjasto" not in vero_post and "Kela" not in vero_post
    kela_post = _text(summary_message(summary.view(kela), "en"))
    assert "• Kela: 9 mentors" in kela_post
    assert "• Kela: 6 of 9 assignments done" in kela_post
    assert "The first four statements adapt the short Occupational Self-Efficacy Scale" in kela_post
    assert "I can remain calm when facing difficulties in my job" in kela_post  # a statement by its text
    assert "• SE1" not in kela_post


def test_the_scale_note_only_where_self_efficacy_figures_are_shown(cohort: SummaryCohort) -> None:
    summary = _all_periods(cohort)["before-session-3"]
    kela = summary.view(org_group(cohort.organisations[1]))
    without = replace(kela, figures=tuple(f for f in kela.figures if not f.metric.startswith("se:")))
    assert "Occupational Self-Efficacy Scale" in _text(summary_message(kela, "en"))
    assert "Occupational Self-Efficacy Scale" not in _text(summary_message(without, "en"))


def test_an_organisation_is_told_plainly_when_its_own_figures_are_withheld(cohort: SummaryCohort) -> None:
    summary = _all_periods(cohort)["after-session-3"]
    post = _text(summary_message(summary.view(org_group(cohort.organisations[0])), "en"))
    assert "The figures of *Verohallinto* itself are not shown" in post
    assert "Its mentors are counted in the whole cohort's figures." in post
    kirjasto = _text(summary_message(summary.view(org_group(cohort.organisations[2])), "fi"))
    assert "Organisaation *Kirjasto* omia lukuja ei näytetä" in kirjasto


def test_a_rating_is_shown_only_when_enough_people_rated_that_statement(cohort: SummaryCohort) -> None:
    cohort.fill("before-session-2")
    with session_scope(cohort.engine) as session:  # in Kela only one person rated SE2 at T0
        kela = [cohort.mentors[mentor_id(1, i)] for i in range(9)]
        rows = session.exec(select(Answer).where(col(Answer.member_id).in_(kela)))
        for n, answer in enumerate(row for row in rows if "SE2" in (row.ratings or {})):
            if n:
                answer.ratings = {k: v for k, v in answer.ratings.items() if k != "SE2"}
                session.add(answer)
    summary = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment("before-session-2"))
    assert summary is not None
    group = org_group(cohort.organisations[1])
    assert summary.figure(group, "se:T0:SE2") is None and summary.figure(group, "se:T0:SE1") is not None
    assert (group, "se:T0:SE2", "small_group") in summary.withheld
    post = _text(summary_message(summary.view(group), "en"))
    se1, se2 = "I can remain calm when facing difficulties", "When I am confronted with a problem in my job"
    assert post.count(se1) == 2 and post.count(se2) == 1  # the cohort's SE2 stays, Kela's is withheld
    se2 = programme_by_id(summary.programme).item("SE2").text.get("fi")  # the cohort's language
    rows = [row for row in export_rows(summary_csv(summary.view(group)), "fi") if se2 in row["figure"]]
    assert {row["group"] for row in rows if row["value"]} == {"Koko ryhmä"}
    assert [row["withheld"] for row in rows if row["group"] == "Kela"] == [
        t("fi", "summary.csv.reason_small_group", min_group=POLICY.min_group)
    ]


def test_rates_of_none_or_everyone_are_not_shown_to_hr(cohort: SummaryCohort) -> None:
    cohort.fill("before-session-2")
    with session_scope(cohort.engine) as session:  # every Kela mentor met HR this period
        for i in range(9):
            member = cohort.mentors[mentor_id(1, i)]
            session.add(HrMeeting(team_id="T111", member_id=member, held_on=date(2027, 1, 20)))
    summary = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment("before-session-2"))
    assert summary is not None
    kela = org_group(cohort.organisations[1])
    assert summary.figure(kela, "hr_meetings") is None
    assert (kela, "hr_meetings", "small_group") in summary.withheld
    cohort_figure = summary.figure(COHORT, "hr_meetings")
    if cohort_figure is not None:  # and the cohort less the others would not give it away either
        others = [f for f in summary.figures if f.metric == "hr_meetings" and f.group not in (COHORT, kela)]
        rest = cohort_figure.value["mentors"] - sum(f.value["mentors"] for f in others)
        size = cohort_figure.respondents - sum(f.respondents for f in others)
        assert 0 < rest < size
    for group, figure in ((f.group, f) for f in summary.figures):
        rate = {
            "answers": ("answered", "sent"),
            "assignments": ("done", "sent"),
            "active": ("active", "mentors"),
            "hr_meetings": ("mentors", None),
        }.get(figure.metric.split(":")[0])
        if rate is None:
            continue
        did = figure.value[rate[0]]
        of = figure.value[rate[1]] if rate[1] else figure.respondents
        assert 0 < did < of, (group, figure)


def test_no_figure_in_any_post_or_export_is_about_fewer_than_five_or_derivable(cohort: SummaryCohort) -> None:
    summaries = _all_periods(cohort)
    with Session(cohort.engine) as session:
        stored = [f for row in session.exec(select(SummaryPost)) for f in row.figures["figures"]]
    assert all(f["respondents"] >= POLICY.min_group for f in stored)
    assert all(len(f["people"]) == f["respondents"] for f in stored)
    for metric in {f["metric"] for f in stored}:  # everything HR was ever shown, every period, every organisation
        rows = list({frozenset(f["people"]) for f in stored if f["metric"] == metric})
        assert not person_leaks(rows), metric
    small = {org_group(i) for i, (*_, size, _) in zip(cohort.organisations, ORGANISATIONS, strict=True) if size < 5}
    for summary in summaries.values():
        for organisation_id in cohort.organisations:
            view = summary.view(org_group(organisation_id))
            table = export_rows(summary_csv(view), "fi")
            shown = [row for row in table if row["value"] and row["figure"] != t("fi", "summary.csv.metric_quote")]
            assert all(int(row["respondents"]) >= 5 for row in shown)
            assert not any(row["group"] == "Kirjasto" for row in shown)
            assert not any("m:" in value for row in table for value in row.values())
            assert not {f.group for f in view.figures} & small


def test_asking_again_shows_the_same_figures_and_counts_nothing_twice(cohort: SummaryCohort) -> None:
    cohort.fill("before-session-2")
    moment = cohort.moment("before-session-2")
    first = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=moment)
    with session_scope(cohort.engine) as session:  # answers keep coming in after the summary was counted
        session.execute(update(Answer).values(consent_to_quote=True))
    again = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=moment + timedelta(days=2))
    assert again is not None and first is not None
    assert sorted(again.figures, key=str) == sorted(first.figures, key=str)
    assert again.quotes == first.quotes and again.computed_at == first.computed_at
    with Session(cohort.engine) as session:
        assert len(session.exec(select(SummaryPost)).all()) == 3  # one row per organisation for the period


def test_an_organisation_added_after_the_count_gets_the_cohort_figures_until_the_next_period(
    cohort: SummaryCohort,
) -> None:
    cohort.fill("before-session-2")
    moment = cohort.moment("before-session-2")
    first = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=moment)
    with session_scope(cohort.engine) as session:
        late = Organisation(team_id="T111", cohort_id=cohort.cohort_id, name="Myöhäinen", hr_channel_id="GLATE")
        session.add(late)
        session.flush()
        group = org_group(int(late.id or 0))
    again = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=moment + timedelta(days=1))
    assert first is not None and again is not None
    view = again.view(group)
    assert {f.group for f in view.figures} == {COHORT}
    assert sorted(view.figures, key=str) == sorted(first.view(group).figures, key=str)
    assert "Myöhäinen" in _text(summary_message(view, "en"))


def test_nothing_before_the_first_summary_step(cohort: SummaryCohort) -> None:
    early = cohort.moment("before-session-2") - timedelta(minutes=1)
    assert ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=early) is None


def test_a_mentor_leaving_keeps_the_figures_hr_needs_without_exposing_them(cohort: SummaryCohort) -> None:
    cohort.fill("before-session-2")
    first = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment("before-session-2"))
    assert first is not None and first.figure(COHORT, "mentors") is not None
    with session_scope(cohort.engine) as session:
        session.execute(update(Member).where(Member.user_id == mentor_id(1, 0)).values(status=MemberStatus.LEFT))
    later = {}
    for period in ("before-session-3", "after-session-3"):
        cohort.fill(period)
        later[period] = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment(period))
    for summary in later.values():
        assert summary is not None
        # membership is counted on each period's snapshot: 16 then 15, shown both times
        assert summary.figure(COHORT, "mentors").value == {"mentors": 15}
        # the first period's prompts and T0 ratings are repeated exactly as shown then, not recounted without them
        for figure in first.figures:
            if figure.metric.startswith(("answers:", "se:")):
                assert summary.figure(figure.group, figure.metric) == figure
    # a state measured again (who runs experiments) is still compared with what HR saw before
    with Session(cohort.engine) as session:
        stored = [f for row in session.exec(select(SummaryPost)) for f in row.figures["figures"]]
    for metric in {f["metric"] for f in stored if f["metric"].startswith("experiments")}:
        assert not person_leaks(list({frozenset(f["people"]) for f in stored if f["metric"] == metric})), metric


def test_quotes_reach_only_their_own_organisations_hr_scrubbed_of_every_name(cohort: SummaryCohort) -> None:
    cohort.fill("before-session-2")
    with session_scope(cohort.engine) as session:
        private = session.exec(select(Answer).where(Answer.consent_to_quote == False, Answer.text != None)).first()  # noqa: E711, E712
        assert private is not None
        private.text = "Tämä on vain minun, ei HR:lle."
        session.add(private)
        session.add(
            SlackUser(team_id="T111", user_id=mentor_id(0, 1), real_name="Anna Korhonen", display_name="anna.k")
        )
        kela = [cohort.mentors[mentor_id(1, i)] for i in range(9)]
        shared = session.exec(
            select(Answer).where(
                Answer.consent_to_quote == True,  # noqa: E712
                col(Answer.member_id).in_(kela),
            )
        ).first()
        assert shared is not None
        shared.text = "Annan ja Korhosen kanssa, ks. https://intra.example/x tai 040 123 4567, <#C123>."
        session.add(shared)
    summary = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment("before-session-2"))
    assert summary is not None and summary.quotes
    with Session(cohort.engine) as session:
        authors = {f"m:{a.member_id}": a.member_id for a in session.exec(select(Answer))}
        organisation_of = {m.id: m.organisation_id for m in session.exec(select(Member))}
    for quote in summary.quotes:
        assert all(org_group(organisation_of[authors[a]]) == quote.group for a in quote.authors)
    joined = "\n".join(q.text for q in summary.quotes)
    assert "[…] ja […] kanssa, ks. […] tai […], […]." in joined  # the edited Kela answer, as HR sees it
    for secret in ("Tämä on vain minun", "@anna", "Verohallinto", "Kela", "Anna", "Korhos", "https", "040", "C123"):
        assert secret not in joined
    assert "[…]" in joined
    for slug, organisation_id in zip(SLUGS, cohort.organisations, strict=True):
        group = org_group(organisation_id)
        own = {q.text for q in summary.quotes if q.group == group}
        post = _text(summary_message(summary.view(group), "en"))
        others = {q.text for q in summary.quotes if q.group != group}
        assert all(text.replace("\n", " ")[:200] in post for text in own), slug
        assert not any(text[:60] in post for text in others - own), slug
        assert not re.search(r"Mentor \d", post) and "UM" not in post  # no mentor's name or id
        table = summary_csv(summary.view(group))
        assert not any(text[:60] in table for text in others - own)
    # Kirjasto (2 mentors) never gets a quote; coaches never get any
    assert not summary.view(org_group(cohort.organisations[2])).quotes
    assert summary.view(None).quotes == ()


def test_the_scheduled_job_posts_to_each_organisation_once(cohort: SummaryCohort, fake_slack: FakeSlack) -> None:
    add_people(fake_slack)
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    cohort.fill("before-session-2")
    early = cohort.moment("before-session-2") - timedelta(hours=1)
    assert post_due_summaries(cohort.engine, lambda team: client, early, render=RENDERERS, rules=NO_REVIEW).posts == 0
    assert (
        post_due_summaries(
            cohort.engine, lambda team: client, cohort.moment("before-session-2"), render=RENDERERS, rules=NO_REVIEW
        ).posts
        == 3
    )
    assert (
        post_due_summaries(
            cohort.engine, lambda team: client, cohort.moment("before-session-2"), render=RENDERERS, rules=NO_REVIEW
        ).posts
        == 0
    )
    sent = outbox_world.send_messages(cohort.engine, fake_slack, cohort.moment("before-session-2")).sent
    assert sent == 6  # each organisation's post and its chart
    later = cohort.moment("before-session-2") + timedelta(hours=1)
    assert (
        post_due_summaries(cohort.engine, lambda team: client, later, render=RENDERERS, rules=NO_REVIEW).posts == 0
    )  # posted: nothing planned again
    posts = fake_slack.calls_to("chat.postMessage")
    assert sorted(call.args["channel"] for call in posts) == ["GHRKELA", "GHRKIRJ", "GHRVERO"]
    charts = sorted(fake_slack.uploads, key=lambda upload: upload["channel_id"])
    assert [(c["channel_id"], c["name"]) for c in charts] == [
        (channel, "mentori-before-session-2.png") for channel in ("GHRKELA", "GHRKIRJ", "GHRVERO")
    ]
    assert all(c["content"].startswith(b"\x89PNG") for c in charts)
    asked = fake_slack.calls_to("files.getUploadURLExternal")
    assert all(call.args["alt_txt"].startswith("Kevät 2027: osallistuminen ja pystyvyyden tunne.") for call in asked)
    assert fake_slack.invalid == []


def test_the_job_never_posts_to_a_public_channel(cohort: SummaryCohort, fake_slack: FakeSlack) -> None:
    add_people(fake_slack)
    fake_slack.add_channel("GHRKELA", name="hr-kela", is_private=False)
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    cohort.fill("before-session-2")
    assert (
        post_due_summaries(
            cohort.engine, lambda team: client, cohort.moment("before-session-2"), render=RENDERERS, rules=NO_REVIEW
        ).posts
        == 2
    )
    outbox_world.send_messages(cohort.engine, fake_slack, cohort.moment("before-session-2"))
    assert "GHRKELA" not in {call.args["channel"] for call in fake_slack.calls_to("chat.postMessage")}


def test_sparklines_go_from_none_to_everyone() -> None:
    assert sparkline([0, 0.5, 1]) == "▁▅█"


def test_a_period_stored_under_the_old_rules_is_counted_again_once(cohort: SummaryCohort) -> None:
    cohort.fill("before-session-2")
    kela = cohort.organisations[1]
    with session_scope(cohort.engine) as session:  # as an older Mentori stored and posted it: a figure about one person
        old = {
            "cohort_name": "Kevät 2027",
            "language": "fi",
            "programme": "feeniks",
            "min_group": 5,
            "computed_at": "2027-02-05T08:00:00+00:00",
            "steps": [],
            "organisation": "Kela",
            "figures": [
                {
                    "group": f"org:{kela}",
                    "metric": "se:T0",
                    "value": {"items": {"SE2": [1.0, 1.0, 1.0]}},
                    "respondents": 7,
                    "people": [f"m:{i}" for i in range(7)],
                }
            ],
            "withheld": [],
            "quotes": ["Verohallinto kiitos"],
            "format": 1,
        }
        session.add(
            SummaryPost(
                team_id="T111",
                cohort_id=cohort.cohort_id,
                organisation_id=kela,
                figures=old,
                period="before-session-2",
                channel_id="GHRKELA",
                message_ts="1.5",
            )
        )
    moment = cohort.moment("before-session-2")
    summary = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=moment)
    assert summary is not None and summary.figure(org_group(kela), "se:T0") is None
    assert all(f.respondents >= 5 for f in summary.figures) and "Verohallinto kiitos" not in str(summary.quotes)
    with Session(cohort.engine) as session:
        rows = session.exec(select(SummaryPost).where(SummaryPost.period == "before-session-2")).all()
        assert len(rows) == 3 and {row.figures["format"] for row in rows} == {2}
        assert [row.message_ts for row in rows if row.organisation_id == kela] == ["1.5"]  # still posted, once
    again = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=moment + timedelta(days=1))
    assert again is not None and again.computed_at == summary.computed_at  # counted again only that once
