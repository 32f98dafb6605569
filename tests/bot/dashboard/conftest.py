"""A filled cohort with three periods of stored summaries, and the app with its dashboard, clock after them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from bot.app import create_app
from bot.dashboard.mount import LazyDashboard
from bot.deps import Deps
from bot.settings import Settings
from bot.web import MentoriWsgi, database_health
from tests.support.dashboard import DashboardClient, dashboard_settings, filled_world
from tests.support.fake_slack import FakeSlack
from tests.support.summary_cohort import SummaryCohort

PERIODS = ("before-session-2", "before-session-3", "after-session-3")


@dataclass
class World:
    cohort: SummaryCohort
    deps: Deps
    wsgi: MentoriWsgi


@pytest.fixture
def world(settings: Settings, engine: Engine, fake_slack: FakeSlack) -> World:
    cohort, now = filled_world(engine, fake_slack, PERIODS)
    deps = Deps(settings=dashboard_settings(settings, fake_slack), engine=engine, now=lambda: now)
    wsgi = MentoriWsgi(create_app(deps), database_health(engine), dashboard=LazyDashboard(deps))
    return World(cohort, deps, wsgi)


@pytest.fixture
def browser(world: World, fake_slack: FakeSlack) -> DashboardClient:
    return DashboardClient(world.wsgi, fake_slack)
