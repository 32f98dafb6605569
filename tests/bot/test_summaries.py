"""HR summaries for a cohort of 5, 9 and 2 mentors: golden posts, once per period, and nothing under the threshold."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from bot.blocks.summary import sparkline, summary_message
from bot.privacy import PrivacyPolicy, scrub
from bot.programmes.model import SUMMARY_PERIODS
from bot.summaries.export import summary_csv
from bot.summaries.model import COHORT, org_group
from bot.summaries.posting import post_due_summaries
from bot.summaries.store import ensure_summary
from storage.db import session_scope
from storage.models import Answer, Member, MemberStatus, Organisation, SummaryPost
from tests.bot.test_privacy import person_leaks
from tests.support import outbox_world
from tests.support.fake_slack import FakeSlack
from tests.support.golden import assert_golden
from tests.support.summary_cohort import ORGANISATIONS, SummaryCohort, add_people, build, mentor_id

POLICY = PrivacyPolicy()
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


def test_golden_posts_for_every_organisation_at_every_summary_step(cohort: SummaryCohort) -> None:
    for period, summary in _all_periods(cohort).items():
        assert summary is not None and summary.period == period
        for slug, organisation_id in zip(SLUGS, cohort.organisations, strict=True):
            for language in ("fi", "en", "sv"):
                message = summary_message(summary.view(org_group(organisation_id)), language)
                assert len(message["blocks"]) <= 50
                assert_golden(f"summary/{period}.{slug}.{language}", message, surface="message")


def test_what_each_organisation_sees_with_five_nine_and_two_mentors(cohort: SummaryCohort) -> None:
    summary = _all_periods(cohort)["before-session-3"]
    vero, kela, kirjasto = (org_group(i) for i in cohort.organisations)
    groups = {f.group for f in summary.figures}
    assert COHORT in groups and kela in groups
    assert vero not in groups and kirjasto not in groups  # the 2 is too small, and the 5 would give it away
    reasons = {(g, r) for g, _, r in summary.withheld}
    assert (kirjasto, "small_group") in reasons and (vero, "complementary") in reasons
    vero_post = _text(summary_message(summary.view(vero), "en"))
    assert "Figures withheld — they would let a smaller group be worked out from the others" in vero_post
    assert "Kirjasto" not in vero_post and "Kela" not in vero_post
    kela_post = _text(summary_message(summary.view(kela), "en"))
    assert "• Kela: 9 of 9 mentors active" in kela_post
    assert "SE1–SE4 adapt the short Occupational Self-Efficacy Scale" in kela_post


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
            table = list(csv.DictReader(io.StringIO(summary_csv(view))))
            shown = [row for row in table if row["value"] and row["metric"] != "quote"]
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


def test_a_mentor_leaving_between_periods_is_not_exposed_by_the_next_summary(cohort: SummaryCohort) -> None:
    cohort.fill("before-session-2")
    first = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment("before-session-2"))
    assert first is not None and first.figure(COHORT, "mentors") is not None
    with session_scope(cohort.engine) as session:
        session.execute(update(Member).where(Member.user_id == mentor_id(1, 0)).values(status=MemberStatus.LEFT))
    cohort.fill("before-session-3")
    second = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment("before-session-3"))
    assert second is not None
    # 16 mentors then 15: showing both would tell HR about the one who left
    assert second.figure(COHORT, "mentors") is None
    assert (COHORT, "mentors", "small_change") in second.withheld
    assert "compared with earlier summaries" in _text(summary_message(second.view(org_group(cohort.organisations[1])),
                                                                      "en"))  # fmt: skip


def test_quotes_are_consented_scrubbed_and_never_attributed(cohort: SummaryCohort) -> None:
    cohort.fill("before-session-2")
    with session_scope(cohort.engine) as session:
        private = session.exec(select(Answer).where(Answer.consent_to_quote == False, Answer.text != None)).first()  # noqa: E711, E712
        assert private is not None
        private.text = "Tämä on vain minun, ei HR:lle."
        session.add(private)
    summary = ensure_summary(cohort.engine, cohort.cohort_id, policy=POLICY, now=cohort.moment("before-session-2"))
    assert summary is not None and summary.quotes
    with Session(cohort.engine) as session:
        consented = {a.text for a in session.exec(select(Answer).where(Answer.consent_to_quote == True))}  # noqa: E712
    names = [name for name, *_ in ORGANISATIONS]
    assert set(summary.quotes) <= {scrub(text or "", names) for text in consented}
    joined = "\n".join(summary.quotes)
    assert "Tämä on vain minun" not in joined
    assert "@anna" not in joined and "Verohallinto" not in joined and "[…]" in joined
    post = _text(summary_message(summary.view(org_group(cohort.organisations[1])), "en"))
    assert "Mentor" not in post and "UM" not in post


def test_the_scheduled_job_posts_to_each_organisation_once(cohort: SummaryCohort, fake_slack: FakeSlack) -> None:
    add_people(fake_slack)
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    cohort.fill("before-session-2")
    early = cohort.moment("before-session-2") - timedelta(hours=1)
    assert post_due_summaries(cohort.engine, lambda team: client, early) == 0
    assert post_due_summaries(cohort.engine, lambda team: client, cohort.moment("before-session-2")) == 3
    assert post_due_summaries(cohort.engine, lambda team: client, cohort.moment("before-session-2")) == 0
    assert outbox_world.send_messages(cohort.engine, fake_slack, cohort.moment("before-session-2")).sent == 3
    later = cohort.moment("before-session-2") + timedelta(hours=1)
    assert post_due_summaries(cohort.engine, lambda team: client, later) == 0  # posted: nothing planned again
    posts = fake_slack.calls_to("chat.postMessage")
    assert sorted(call.args["channel"] for call in posts) == ["GHRKELA", "GHRKIRJ", "GHRVERO"]
    assert fake_slack.invalid == []


def test_the_job_never_posts_to_a_public_channel(cohort: SummaryCohort, fake_slack: FakeSlack) -> None:
    add_people(fake_slack)
    fake_slack.add_channel("GHRKELA", name="hr-kela", is_private=False)
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    cohort.fill("before-session-2")
    assert post_due_summaries(cohort.engine, lambda team: client, cohort.moment("before-session-2")) == 2
    outbox_world.send_messages(cohort.engine, fake_slack, cohort.moment("before-session-2"))
    assert "GHRKELA" not in {call.args["channel"] for call in fake_slack.calls_to("chat.postMessage")}


def test_sparklines_go_from_none_to_everyone() -> None:
    assert sparkline([0, 0.5, 1]) == "▁▅█"
