"""`run_retention`: after the retention period, no words remain — neither answers nor quotes kept in HR summaries."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.privacy import PrivacyPolicy
from bot.retention import run_retention
from bot.settings import Settings
from bot.summaries.store import ensure_summary
from storage.models import Answer, SummaryPost
from tests.support.summary_cohort import build


def test_retention_purges_answer_texts_and_stored_quotes_but_keeps_the_figures(
    engine: Engine, settings: Settings
) -> None:
    cohort = build(engine)
    cohort.fill("before-session-2")
    moment = cohort.moment("before-session-2")
    summary = ensure_summary(engine, cohort.cohort_id, policy=PrivacyPolicy(), now=moment)
    assert summary is not None and summary.quotes

    too_early = run_retention(engine, settings, datetime(2027, 12, 1, tzinfo=UTC))  # ended 14 Jun 2027, + 180 days
    assert too_early.cohorts == 0

    purged = run_retention(engine, settings, datetime(2028, 1, 3, tzinfo=UTC))
    assert purged.cohorts == 2 and purged.answers > 0  # the cohort and the other one of the same dates
    with Session(engine) as session:
        assert all(answer.text is None for answer in session.exec(select(Answer)))
        posts = session.exec(select(SummaryPost)).all()
    assert posts and all(post.figures["quotes"] == [] for post in posts)
    again = ensure_summary(engine, cohort.cohort_id, policy=PrivacyPolicy(), now=moment)
    assert again is not None and again.quotes == ()
    assert sorted(again.figures, key=str) == sorted(summary.figures, key=str)
