"""Settings are read once, with a one-line message naming the variable when one is wrong."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings

VALID = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s3cret"}


def test_defaults_when_only_the_tokens_are_given() -> None:
    settings = load_settings(VALID)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.timezone == "Europe/Helsinki"
    assert settings.log_level == "INFO"
    assert settings.min_group == 5
    assert not settings.socket_mode


def test_the_coaches_review_of_hr_summaries_is_two_working_days_then_posted_by_default() -> None:
    settings = load_settings(VALID)
    assert (settings.summary_review_days, settings.summary_unreviewed) == (2, "post")
    chosen = load_settings({**VALID, "MENTORI_SUMMARY_REVIEW_DAYS": "5", "MENTORI_SUMMARY_UNREVIEWED": "WAIT"})
    assert (chosen.summary_review_days, chosen.summary_unreviewed) == (5, "wait")


def test_socket_mode_when_an_app_token_is_set() -> None:
    assert load_settings({**VALID, "SLACK_APP_TOKEN": "xapp-1-A1-1-abc"}).socket_mode


def test_api_url_gets_its_trailing_slash() -> None:
    assert load_settings({**VALID, "SLACK_API_URL": "http://127.0.0.1:9000/api"}).slack_api_url.endswith("/api/")


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    settings = load_settings({**VALID, "DATABASE_URL": "postgresql://mentori@db:5432/mentori"})
    assert settings.database_url == "postgresql+psycopg://mentori@db:5432/mentori"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PORT", "eighty", "PORT must be a whole number"),
        ("PORT", "70000", "PORT must be between 1 and 65535"),
        ("MENTORI_TZ", "Mars/Olympus", "MENTORI_TZ must be an IANA time zone"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN must start with 'xoxb-'"),
        ("SLACK_APP_TOKEN", "xoxb-1", "SLACK_APP_TOKEN must start with 'xapp-'"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL must be an http(s) URL"),
        ("DATABASE_URL", "mysql://root@localhost/db", "DATABASE_URL must be sqlite:///PATH or postgresql"),
        ("MENTORI_MIN_GROUP", "2", "MENTORI_MIN_GROUP must be between 3 and"),
        ("MENTORI_SUMMARY_REVIEW_DAYS", "-1", "MENTORI_SUMMARY_REVIEW_DAYS must be between 0 and"),
        ("MENTORI_SUMMARY_UNREVIEWED", "later", "MENTORI_SUMMARY_UNREVIEWED must be one of post, wait"),
        ("MENTORI_ADMINS", "U012AB3CD,alice", "MENTORI_ADMINS must list Slack user ids"),
    ],
)
def test_a_malformed_value_names_the_variable_and_the_fix(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({**VALID, name: value})
    message = str(raised.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_missing_tokens_are_reported_when_slack_is_needed() -> None:
    settings = load_settings({})
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN is not set"):
        settings.require_slack()
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is not set"):
        load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}).require_slack()


def test_admins_are_parsed_from_a_comma_separated_list() -> None:
    assert load_settings({**VALID, "MENTORI_ADMINS": "U012AB3CD, W045EF6GH"}).admins == {"U012AB3CD", "W045EF6GH"}


DASHBOARD = {"MENTORI_DASHBOARD_URL": "https://mentori.example.org/", "MENTORI_DASHBOARD_KEY": "k" * 40,
             "SLACK_OIDC_CLIENT_ID": "111.333", "SLACK_OIDC_CLIENT_SECRET": "oidc-secret"}  # fmt: skip


def test_the_dashboard_is_off_without_its_settings() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, dotenv=False)
    assert not settings.dashboard and settings.dashboard_key is None
    assert settings.slack_oidc_authorize_url == "https://slack.com/openid/connect/authorize"


def test_the_dashboard_is_on_with_its_address_key_and_client() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", **DASHBOARD}, dotenv=False)
    assert settings.dashboard and settings.dashboard_url == "https://mentori.example.org"
    assert (settings.dashboard_client_id, settings.dashboard_client_secret) == ("111.333", "oidc-secret")


def test_the_dashboard_signs_in_with_the_oauth_apps_client_when_no_other_is_given() -> None:
    env = {
        **DASHBOARD,
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "s",
        "SLACK_OIDC_CLIENT_ID": "",
        "SLACK_OIDC_CLIENT_SECRET": "",
    }
    settings = load_settings(env, dotenv=False)
    assert (settings.dashboard_client_id, settings.dashboard_client_secret) == ("111.222", "s")


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("MENTORI_DASHBOARD_KEY", "MENTORI_DASHBOARD_KEY is not set"),
        ("SLACK_OIDC_CLIENT_ID", "SLACK_OIDC_CLIENT_ID is not set"),
        ("SLACK_OIDC_CLIENT_SECRET", "SLACK_OIDC_CLIENT_SECRET is not set"),
    ],
)
def test_a_dashboard_without_its_key_or_client_fails_naming_the_variable(missing: str, named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({**DASHBOARD, missing: ""}, dotenv=False)
    assert str(raised.value).startswith(named) and "\n" not in str(raised.value)


def test_a_short_dashboard_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="MENTORI_DASHBOARD_KEY is too short"):
        load_settings({**DASHBOARD, "MENTORI_DASHBOARD_KEY": "short"}, dotenv=False)
