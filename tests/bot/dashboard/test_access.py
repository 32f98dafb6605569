"""Who may open which dashboard page: sign-in, the authorisation matrix, CSRF, sign-out, the session cookie."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine
from sqlmodel import select

from bot.dashboard.mount import LazyDashboard
from bot.deps import Deps
from bot.i18n import LANGUAGES, t
from bot.installations import EncryptedInstallationStore, TokenCipher
from storage.db import session_scope
from storage.models import Cohort, Member, Role
from tests.bot.dashboard.conftest import World
from tests.support.dashboard import DashboardClient
from tests.support.fake_slack import FakeSlack
from tests.support.summary_cohort import ADMIN, COACH, OTHER_COACH, OUTSIDER, mentor_id

PERIOD = "after-session-3"


def _pages(world: World) -> dict[str, str]:
    """Every page and export of the cohort, by what it shows."""
    cohort = world.cohort.cohort_id
    vero, kela = world.cohort.organisations[0], world.cohort.organisations[1]
    org = f"/dashboard/cohorts/{cohort}/organisations"
    return {
        "cohort": f"/dashboard/cohorts/{cohort}",
        "vero": f"{org}/{vero}",
        "vero.csv": f"{org}/{vero}/{PERIOD}.csv",
        "kela": f"{org}/{kela}",
        "kela.csv": f"{org}/{kela}/{PERIOD}.csv",
    }


REFUSED = {
    "coach of another cohort": OTHER_COACH,
    "HR of another cohort's organisation": "UHRMUU",
    "HR of another organisation of the cohort": "UHRKIRJ",
    "mentor": mentor_id(0, 0),
    "outsider": OUTSIDER,
}


@pytest.mark.parametrize("who", list(REFUSED))
def test_people_without_a_role_in_it_are_refused_every_page_and_export(
    world: World, browser: DashboardClient, who: str
) -> None:
    browser.sign_in(REFUSED[who])
    for name, path in _pages(world).items():
        page = browser.get(path)
        body = page.get_data(as_text=True)
        assert page.status_code == 403, f"{who} opened {name}"
        assert page.mimetype == "text/html", f"{who} got the {name} export"
        assert any(t(language, "dashboard.refused.title") in body for language in LANGUAGES)
        for shown in ("Verohallinto", "Kela", "Kevät 2027", "Whole cohort", "cohort,period"):
            assert shown not in body, f"{who} saw {shown!r} on {name}"


def test_signed_out_people_are_sent_to_sign_in_from_every_page_and_export(
    world: World, browser: DashboardClient
) -> None:
    for name, path in _pages(world).items():
        page = browser.get(path)
        assert page.status_code == 303, name
        assert page.headers["Location"].endswith("/dashboard")
        assert b"Verohallinto" not in page.get_data()
    start = browser.get("/dashboard")
    assert "Sign in with Slack" in start.get_data(as_text=True)


def test_mentors_and_outsiders_are_told_there_is_nothing_for_them(world: World, browser: DashboardClient) -> None:
    page = browser.sign_in(mentor_id(1, 0))  # Finnish in Slack, but chose English in Mentori: so is the page
    assert page.status_code == 403
    assert t("en", "dashboard.refused.nothing").split(",")[0] in page.get_data(as_text=True)


@pytest.mark.parametrize("who", [COACH, ADMIN])
def test_coaches_and_admins_open_every_page_of_the_cohort(world: World, browser: DashboardClient, who: str) -> None:
    browser.sign_in(who)
    for name, path in _pages(world).items():
        assert browser.get(path).status_code == 200, f"{who} could not open {name}"


def test_hr_open_their_own_organisation_only(world: World, browser: DashboardClient) -> None:
    start = browser.sign_in("UHRVERO")
    assert "Verohallinto" in start.get_data(as_text=True) and "Kela" not in start.get_data(as_text=True)
    pages = _pages(world)
    assert browser.get(pages["vero"]).status_code == 200
    assert browser.get(pages["vero.csv"]).mimetype == "text/csv"
    for name in ("cohort", "kela", "kela.csv"):
        assert browser.get(pages[name]).status_code == 403, name


def test_a_removed_coach_loses_access_at_once(world: World, browser: DashboardClient, engine: Engine) -> None:
    browser.sign_in(COACH)
    path = _pages(world)["cohort"]
    assert browser.get(path).status_code == 200
    with session_scope(engine) as session:
        member = session.exec(
            select(Member).where(
                Member.user_id == COACH, Member.role == Role.COACH, Member.cohort_id == world.cohort.cohort_id
            )
        ).one()
        member.status = "removed"
    assert browser.get(path).status_code == 403


def test_the_session_cookie_is_secure_httponly_samesite_lax_and_scoped(world: World, browser: DashboardClient) -> None:
    browser.fake.sign_in_as(COACH)
    start = browser.get("/dashboard/auth/start")
    cookie = start.headers["Set-Cookie"]
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/dashboard"):
        assert flag in cookie, cookie
    assert start.headers["Location"].startswith(browser.fake.oidc_authorize_url + "?")
    assert "scope=openid,profile" in start.headers["Location"]


def test_a_callback_not_started_in_this_browser_signs_nobody_in(
    world: World, fake_slack: FakeSlack, browser: DashboardClient
) -> None:
    from tests.support.dashboard import follow_provider

    attacker = DashboardClient(world.wsgi, fake_slack)
    fake_slack.sign_in_as(OUTSIDER)
    back = follow_provider(attacker.get("/dashboard/auth/start").headers["Location"])
    victim_landing = browser.get(back.removeprefix("https://localhost"))
    assert victim_landing.status_code == 303
    page = browser.get("/dashboard")
    assert "That sign-in had expired" in page.get_data(as_text=True)
    assert "Sign out" not in page.get_data(as_text=True)


def test_cancelling_in_slack_signs_nobody_in(world: World, browser: DashboardClient, fake_slack: FakeSlack) -> None:
    from tests.support.dashboard import follow_provider

    fake_slack.sign_in_as(None)
    back = follow_provider(browser.get("/dashboard/auth/start").headers["Location"])
    browser.get(back.removeprefix("https://localhost"))
    assert "Signing in was cancelled" in browser.get("/dashboard").get_data(as_text=True)


def test_the_sign_in_is_checked_with_slack_as_specified(
    world: World, browser: DashboardClient, fake_slack: FakeSlack
) -> None:
    browser.sign_in(COACH)
    assert not fake_slack.invalid
    token = fake_slack.calls_to("openid.connect.token")[-1].args
    assert token["code"].startswith("oidc-") and token["redirect_uri"] == "https://localhost/dashboard/auth/callback"
    assert token["grant_type"] == "authorization_code" and "client_secret" not in token
    assert fake_slack.calls_to("openid.connect.userInfo")[-1].token.startswith("xoxp-oidc-")


def test_every_form_needs_its_csrf_token(world: World, browser: DashboardClient, fake_slack: FakeSlack) -> None:
    browser.sign_in(COACH)
    cohort = _pages(world)["cohort"]
    token = browser.csrf()
    other = DashboardClient(world.wsgi, fake_slack)
    other.sign_in(COACH)
    for form in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": other.csrf()}):
        assert browser.post("/dashboard/signout", form).status_code == 400, form
        assert browser.post("/dashboard/language", {**form, "language": "fi"}).status_code == 400, form
        assert browser.get(cohort).status_code == 200  # still signed in
    assert "Sign out" in browser.get(cohort).get_data(as_text=True)  # and still in English
    assert browser.post("/dashboard/language", {"csrf_token": token, "language": "fi"}).status_code == 303
    assert "Kirjaudu ulos" in browser.get(cohort).get_data(as_text=True)


def test_signing_out_ends_the_session(world: World, browser: DashboardClient) -> None:
    browser.sign_in(COACH)
    cohort = _pages(world)["cohort"]
    old_cookie = browser.client.get_cookie("mentori_dashboard", domain="localhost", path="/dashboard")
    assert old_cookie is not None
    out = browser.post("/dashboard/signout", {"csrf_token": browser.csrf()})
    assert out.status_code == 303
    assert browser.get(cohort).status_code == 303
    assert "Sign in with Slack" in browser.get("/dashboard").get_data(as_text=True)


def test_a_person_of_another_workspace_is_refused(world: World, browser: DashboardClient) -> None:
    page = browser.sign_in(ADMIN, team_id="T999")
    assert "This Mentori serves another Slack workspace" in page.get_data(as_text=True)
    assert browser.get(_pages(world)["cohort"]).status_code == 303


def test_in_oauth_mode_people_see_only_the_workspace_they_signed_in_with(
    world: World, engine: Engine, fake_slack: FakeSlack
) -> None:
    settings = replace(
        world.deps.settings,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="oauth-secret",
        encryption_key=Fernet.generate_key().decode(),
    )
    store = EncryptedInstallationStore("111.222", engine, TokenCipher(settings.encryption_key or ""))
    for team, token in (("T111", "xoxb-t111"), ("T222", "xoxb-t222")):
        fake_slack.add_token(token, team)
        store.save(
            Installation(
                app_id="A111",
                team_id=team,
                bot_token=token,
                bot_id="B1",
                bot_user_id="UBOT",
                user_id="U111",
                installed_at=1_700_000_000.0,
            )
        )
    with session_scope(engine) as session:
        other = Cohort(team_id="T222", name="Toisen työtilan ryhmä")
        session.add(other)
        session.flush()
        session.add(Member(team_id="T222", cohort_id=other.id, user_id=ADMIN, role=Role.COACH))
        other_id = other.id
    browser = DashboardClient(LazyDashboard(Deps(settings=settings, engine=engine, now=world.deps.now)), fake_slack)

    start = browser.sign_in(ADMIN, team_id="T111").get_data(as_text=True)
    assert "Kevät 2027" in start and "Toisen työtilan ryhmä" not in start
    assert browser.get(f"/dashboard/cohorts/{other_id}").status_code == 403
    assert browser.get(f"/dashboard/cohorts/{world.cohort.cohort_id}").status_code == 200

    again = DashboardClient(LazyDashboard(Deps(settings=settings, engine=engine, now=world.deps.now)), fake_slack)
    there = again.sign_in(ADMIN, team_id="T222").get_data(as_text=True)
    assert "Toisen työtilan ryhmä" in there and "Kevät 2027" not in there
    assert again.get(f"/dashboard/cohorts/{world.cohort.cohort_id}").status_code == 403

    nowhere = DashboardClient(LazyDashboard(Deps(settings=settings, engine=engine, now=world.deps.now)), fake_slack)
    assert "Mentori is not installed" in nowhere.sign_in(ADMIN, team_id="T333").get_data(as_text=True)
