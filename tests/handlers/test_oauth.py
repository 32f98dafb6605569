"""Multi-workspace installs through Slack's OAuth flow, with tokens encrypted at rest."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot.app import create_app
from bot.deps import Deps
from bot.metrics import database_registry
from bot.settings import Settings
from bot.web import MentoriWsgi, database_health
from bot.workspaces import RECHECK_AFTER, NotInstalled, Workspaces
from storage.models import Cohort, Delivery, Member
from tests.support import slack_requests as requests
from tests.support.app_driver import SlackDriver
from tests.support.fake_slack import FakeSlack
from tests.support.wsgi import call_wsgi

CLIENT_ID, CLIENT_SECRET = "111.222", "oauth-secret"


@pytest.fixture
def oauth_settings(settings: Settings, fake_slack: FakeSlack) -> Settings:
    fake_slack.add_oauth_app(CLIENT_ID, CLIENT_SECRET)
    return replace(
        settings,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        encryption_key=Fernet.generate_key().decode(),
    )


@pytest.fixture
def oauth_deps(oauth_settings: Settings, engine: Engine) -> Deps:
    return Deps(settings=oauth_settings, engine=engine)


def _install(wsgi: MentoriWsgi, fake: FakeSlack, code: str, team_id: str, token: str, rotating: bool = False) -> str:
    """Walk the install flow as a browser would; returns the success page."""
    fake.grant(code, team_id=team_id, bot_token=token, rotating=rotating)
    start = call_wsgi(wsgi, "GET", "/slack/install")
    assert start.status == 200
    authorize = html.unescape(re.search(r'<a href="([^"]+)"', start.body).group(1))
    assert authorize.startswith("https://slack.com/oauth/v2/authorize?")
    assert f"client_id={CLIENT_ID}" in authorize
    state = re.search(r"state=([^&\"]+)", authorize).group(1)
    cookie = start.header("Set-Cookie")[0].split(";")[0]
    done = call_wsgi(
        wsgi, "GET", "/slack/oauth_redirect", headers={"Cookie": cookie}, query=f"code={code}&state={state}"
    )
    assert done.status == 200, done.body
    return done.body


def _wsgi(deps: Deps) -> MentoriWsgi:
    return MentoriWsgi(create_app(deps), database_health(deps.engine), database_registry(deps.engine))


def test_install_stores_the_token_encrypted_and_uses_it(oauth_deps: Deps, fake_slack: FakeSlack) -> None:
    wsgi = _wsgi(oauth_deps)
    _install(wsgi, fake_slack, "code-a", "TAAA", "xoxb-aaa-secret")

    assert any(call.method == "oauth.v2.access" for call in fake_slack.calls)
    with oauth_deps.engine.connect() as connection:
        stored = [row[0] for row in connection.execute(text("SELECT bot_token FROM slack_bots"))]
    assert stored and all(token.startswith("enc:") and "xoxb-aaa-secret" not in token for token in stored)

    workspaces = Workspaces(oauth_deps.settings, oauth_deps.engine, create_app(oauth_deps).client)
    assert workspaces.client_for("TAAA").token == "xoxb-aaa-secret"
    with pytest.raises(NotInstalled):
        workspaces.client_for("TZZZ")


def test_a_state_that_was_not_issued_is_refused(oauth_deps: Deps, fake_slack: FakeSlack) -> None:
    fake_slack.grant("code-x", team_id="TAAA", bot_token="xoxb-x")
    response = call_wsgi(_wsgi(oauth_deps), "GET", "/slack/oauth_redirect", query="code=code-x&state=forged")
    assert response.status == 400
    assert not any(call.method == "oauth.v2.access" for call in fake_slack.calls)


def test_each_workspace_gets_its_own_token_and_requests_are_answered(
    oauth_deps: Deps, fake_slack: FakeSlack, signing_secret: str
) -> None:
    wsgi = _wsgi(oauth_deps)
    _install(wsgi, fake_slack, "code-a", "TAAA", "xoxb-aaa")
    _install(wsgi, fake_slack, "code-b", "TBBB", "xoxb-bbb")
    app = create_app(oauth_deps)
    for team_id in ("TAAA", "TBBB"):
        reply = SlackDriver(app, signing_secret, team_id=team_id).command("help")
        assert reply.status == 200 and "/mentori kickoff" in reply.text
    workspaces = Workspaces(oauth_deps.settings, oauth_deps.engine, app.client)
    assert workspaces.client_for("TAAA").token == "xoxb-aaa"
    assert workspaces.client_for("TBBB").token == "xoxb-bbb"


def test_rotating_tokens_are_refreshed_before_they_expire(oauth_deps: Deps, fake_slack: FakeSlack) -> None:
    wsgi = _wsgi(oauth_deps)
    _install(wsgi, fake_slack, "code-r", "TROT", "xoxb-rot", rotating=True)
    app = create_app(oauth_deps)
    workspaces = Workspaces(oauth_deps.settings, oauth_deps.engine, app.client)
    store = workspaces.store
    bot = store.find_bot(enterprise_id=None, team_id="TROT")
    bot.bot_token_expires_at = int(datetime.now(UTC).timestamp()) + 60  # about to expire
    store.save_bot(bot)
    fresh = workspaces.client_for("TROT").token
    assert fresh != "xoxb-rot" and fresh.startswith("xoxb-rot~")
    assert store.find_bot(enterprise_id=None, team_id="TROT").bot_token == fresh


def test_uninstalling_forgets_the_tokens_and_cancels_planned_prompts(
    oauth_deps: Deps, fake_slack: FakeSlack, signing_secret: str
) -> None:
    wsgi = _wsgi(oauth_deps)
    _install(wsgi, fake_slack, "code-a", "TAAA", "xoxb-aaa")
    with Session(oauth_deps.engine) as session:
        cohort = Cohort(team_id="TAAA", name="A")
        session.add(cohort)
        session.flush()
        mentor = Member(team_id="TAAA", cohort_id=cohort.id, user_id="U111", role="mentor")
        session.add(mentor)
        session.flush()
        moment = datetime.combine(date(2027, 1, 11), datetime.min.time(), UTC)
        session.add(
            Delivery(
                team_id="TAAA",
                cohort_id=cohort.id,
                member_id=mentor.id,
                step_id="s1-kickoff",
                block=1,
                due_at=moment,
                not_before=moment,
            )
        )
        session.commit()
    app = create_app(oauth_deps)
    reply = SlackDriver(app, signing_secret, team_id="TAAA").event({"type": "app_uninstalled"})
    assert reply.status == 200
    with Session(oauth_deps.engine) as session:
        assert [d.status for d in session.exec(select(Delivery))] == ["cancelled"]
    assert (
        Workspaces(oauth_deps.settings, oauth_deps.engine, app.client).store.find_bot(
            enterprise_id=None, team_id="TAAA"
        )
        is None
    )


def test_oauth_mode_needs_an_encryption_key(oauth_settings: Settings) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="MENTORI_ENCRYPTION_KEY is not set"):
        replace(oauth_settings, encryption_key=None).require_slack()


def test_signed_requests_from_a_workspace_without_an_install_do_nothing(
    oauth_deps: Deps, fake_slack: FakeSlack, signing_secret: str
) -> None:
    body = requests.slash_command("help", team_id="TNOPE")
    reply = SlackDriver(create_app(oauth_deps), signing_secret, team_id="TNOPE").post(body)
    assert "/mentori kickoff" not in reply.body


def test_a_workspace_of_an_enterprise_grid_org_is_found_by_its_team_id(oauth_deps: Deps, fake_slack: FakeSlack) -> None:
    workspaces = Workspaces(oauth_deps.settings, oauth_deps.engine, create_app(oauth_deps).client)
    store = workspaces.store
    store.save_bot(
        Bot(
            app_id="A111",
            enterprise_id="E0GRID",
            team_id="TGRID",
            bot_token="xoxb-grid",
            bot_id="B1",
            bot_user_id="UBOT",
            installed_at=datetime.now(UTC).timestamp(),
        )
    )
    assert workspaces.client_for("TGRID").token == "xoxb-grid"


def test_another_process_picks_up_a_reinstalled_workspaces_new_token_within_minutes(
    oauth_deps: Deps, fake_slack: FakeSlack
) -> None:
    wsgi = _wsgi(oauth_deps)
    _install(wsgi, fake_slack, "code-1", "TAAA", "xoxb-old")
    clock = [datetime.now(UTC)]
    worker = Workspaces(oauth_deps.settings, oauth_deps.engine, create_app(oauth_deps).client, now=lambda: clock[0])
    assert worker.client_for("TAAA").token == "xoxb-old"
    _install(wsgi, fake_slack, "code-2", "TAAA", "xoxb-new")  # web saw the reinstall; the worker did not
    assert worker.client_for("TAAA").token == "xoxb-old"
    clock[0] += RECHECK_AFTER + timedelta(seconds=1)
    assert worker.client_for("TAAA").token == "xoxb-new"
