"""Settings: read once from the environment (and `.env`), validated, passed down as one object."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'mentori.sqlite3'}"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
DEFAULT_OIDC_AUTHORIZE_URL = "https://slack.com/openid/connect/authorize"
DASHBOARD_KEY_MIN = 32
_DASHBOARD_KEY_HOWTO = (
    f"a random key of at least {DASHBOARD_KEY_MIN} characters that signs the dashboard's session cookie, made with "
    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
)
_TOKEN_HOWTO = "the Bot User OAuth Token (xoxb-…) from OAuth & Permissions"
_KEY_HOWTO = (
    "a key to encrypt tokens at rest, made with "
    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and how to fix it."""


UNREVIEWED = ("post", "wait")  # what happens to a summary draft no coach reviewed in time


@dataclass(frozen=True)
class Settings:
    """Everything Mentori reads from its environment."""

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    metrics_port: int = 9464  # 0: no /metrics
    metrics_host: str = "127.0.0.1"
    timezone: str = "Europe/Helsinki"
    language: str = "fi"
    log_level: str = "INFO"
    log_format: str = "text"
    admins: frozenset[str] = field(default_factory=frozenset)
    min_group: int = 5
    summary_review_days: int = 2  # working days the coaches have to review an HR summary draft
    summary_unreviewed: str = "post"  # then: "post" it, saying it was not reviewed, or "wait" for a coach
    retention_days: int = 180
    web_workers: int = 2
    web_threads: int = 4
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    encryption_key: str | None = None
    slack_oauth_authorize_url: str = DEFAULT_AUTHORIZE_URL
    slack_redirect_uri: str | None = None
    dashboard_url: str | None = None  # the dashboard's public address; None: no dashboard
    dashboard_key: str | None = None
    slack_oidc_client_id: str | None = None
    slack_oidc_client_secret: str | None = None
    slack_oidc_authorize_url: str = DEFAULT_OIDC_AUTHORIZE_URL

    @property
    def dashboard(self) -> bool:
        """The web dashboard is served under /dashboard (MENTORI_DASHBOARD_URL is set)."""
        return self.dashboard_url is not None

    @property
    def dashboard_client_id(self) -> str | None:
        """Sign in with Slack's client id: SLACK_OIDC_CLIENT_ID, else the OAuth install's SLACK_CLIENT_ID."""
        return self.slack_oidc_client_id or self.slack_client_id

    @property
    def dashboard_client_secret(self) -> str | None:
        return self.slack_oidc_client_secret or self.slack_client_secret

    @property
    def oauth(self) -> bool:
        """Multi-workspace mode: installs through Slack's OAuth flow instead of one bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def require_bot_token(self) -> None:
        _require(self.slack_bot_token, "SLACK_BOT_TOKEN", _TOKEN_HOWTO)

    def require_web_api(self) -> None:
        """Fail unless Mentori can call Slack's Web API: a bot token, or OAuth installs with their key."""
        if self.oauth:
            _require(self.encryption_key, "MENTORI_ENCRYPTION_KEY", _KEY_HOWTO)
        else:
            self.require_bot_token()

    def require_slack(self) -> None:
        """Fail unless Mentori can both call the Web API and verify Slack's requests."""
        self.require_web_api()
        _require(
            self.slack_signing_secret,
            "SLACK_SIGNING_SECRET",
            "the Signing Secret from Basic Information → App Credentials",
        )


DEFAULTS = Settings()  # what an unset variable means: the defaults above are the only ones


def _require(value: str | None, name: str, what: str) -> None:
    if not value:
        raise SettingsError(f"{name} is not set: put {what} in .env or the environment.")


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read and validate the settings; raise SettingsError naming the first bad variable."""
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(Path.cwd() / ".env", override=False)
        env = os.environ
    get = _Reader(env)
    settings = Settings(
        slack_bot_token=get.token("SLACK_BOT_TOKEN", "xoxb-"),
        slack_signing_secret=get.optional("SLACK_SIGNING_SECRET"),
        slack_app_token=get.token("SLACK_APP_TOKEN", "xapp-"),
        slack_api_url=get.url("SLACK_API_URL", DEFAULTS.slack_api_url),
        database_url=get.database_url("DATABASE_URL", DEFAULTS.database_url),
        port=get.integer("PORT", DEFAULTS.port, low=1, high=65535),
        metrics_port=get.integer("METRICS_PORT", DEFAULTS.metrics_port, low=0, high=65535),
        metrics_host=get.host("METRICS_HOST", DEFAULTS.metrics_host),
        timezone=get.timezone("MENTORI_TZ", DEFAULTS.timezone),
        language=get.choice("MENTORI_LANG", DEFAULTS.language, LANGUAGES),
        log_level=get.choice("LOG_LEVEL", DEFAULTS.log_level, LOG_LEVELS, upper=True),
        log_format=get.choice("LOG_FORMAT", DEFAULTS.log_format, LOG_FORMATS),
        admins=get.user_ids("MENTORI_ADMINS"),
        min_group=get.integer("MENTORI_MIN_GROUP", DEFAULTS.min_group, low=3, high=1000),
        summary_review_days=get.integer("MENTORI_SUMMARY_REVIEW_DAYS", DEFAULTS.summary_review_days, low=0, high=30),
        summary_unreviewed=get.choice("MENTORI_SUMMARY_UNREVIEWED", DEFAULTS.summary_unreviewed, UNREVIEWED),
        retention_days=get.integer("MENTORI_RETENTION_DAYS", DEFAULTS.retention_days, low=1, high=36500),
        web_workers=get.integer("WEB_WORKERS", DEFAULTS.web_workers, low=1, high=64),
        web_threads=get.integer("WEB_THREADS", DEFAULTS.web_threads, low=1, high=256),
        slack_client_id=get.optional("SLACK_CLIENT_ID"),
        slack_client_secret=get.optional("SLACK_CLIENT_SECRET"),
        encryption_key=get.fernet_key("MENTORI_ENCRYPTION_KEY"),
        slack_oauth_authorize_url=get.url("SLACK_OAUTH_AUTHORIZE_URL", DEFAULTS.slack_oauth_authorize_url).rstrip("/"),
        slack_redirect_uri=get.optional("SLACK_REDIRECT_URI"),
        **_dashboard(get),
    )
    if settings.metrics_port == settings.port:
        raise SettingsError(f"METRICS_PORT must differ from PORT ({settings.port}): /metrics has a port of its own.")
    return settings


def _dashboard(get: _Reader) -> dict[str, Any]:
    """The dashboard's settings: all absent (no dashboard), or complete; a missing one is named."""
    url = get.optional("MENTORI_DASHBOARD_URL")
    authorize = get.url("SLACK_OIDC_AUTHORIZE_URL", DEFAULTS.slack_oidc_authorize_url).rstrip("/")
    if url is None:
        return {"slack_oidc_authorize_url": authorize}
    url = get.url("MENTORI_DASHBOARD_URL", "https://mentori.example.org").rstrip("/")
    key = get.optional("MENTORI_DASHBOARD_KEY")
    _require(key, "MENTORI_DASHBOARD_KEY", _DASHBOARD_KEY_HOWTO)
    if len(key or "") < DASHBOARD_KEY_MIN:
        raise SettingsError(f"MENTORI_DASHBOARD_KEY is too short: use {_DASHBOARD_KEY_HOWTO}.")
    client_id = get.optional("SLACK_OIDC_CLIENT_ID") or get.optional("SLACK_CLIENT_ID")
    client_secret = get.optional("SLACK_OIDC_CLIENT_SECRET") or get.optional("SLACK_CLIENT_SECRET")
    _require(client_id, "SLACK_OIDC_CLIENT_ID", "the Client ID from Basic Information → App Credentials")
    _require(client_secret, "SLACK_OIDC_CLIENT_SECRET", "the Client Secret from Basic Information → App Credentials")
    return {
        "dashboard_url": url,
        "dashboard_key": key,
        "slack_oidc_client_id": get.optional("SLACK_OIDC_CLIENT_ID"),
        "slack_oidc_client_secret": get.optional("SLACK_OIDC_CLIENT_SECRET"),
        "slack_oidc_authorize_url": authorize,
    }


class _Reader:
    """Typed accessors over an environment mapping; each raises SettingsError with a fix."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def optional(self, name: str) -> str | None:
        value = self._env.get(name, "").strip()
        return value or None

    def token(self, name: str, prefix: str) -> str | None:
        value = self.optional(name)
        if value is not None and not value.startswith(prefix):
            raise SettingsError(
                f"{name} must start with '{prefix}': copy the whole token from the Slack app's settings."
            )
        return value

    def url(self, name: str, default: str) -> str:
        value = self.optional(name) or default
        if not re.match(r"^https?://[^\s/]+", value):
            raise SettingsError(f"{name} must be an http(s) URL such as {default}, not {value!r}.")
        return value if value.endswith("/") else value + "/"

    def database_url(self, name: str, default: str) -> str:
        value = self.optional(name) or default
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite:///") or value.startswith("postgresql+psycopg://")):
            raise SettingsError(
                f"{name} must be sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB, not {value.split(':')[0]}:…"
            )
        return value

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number between {low} and {high}, not {raw!r}.") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, not {value}.")
        return value

    def host(self, name: str, default: str) -> str:
        value = self.optional(name) or default
        if not re.fullmatch(r"[A-Za-z0-9.:\-\[\]]+", value):
            raise SettingsError(f"{name} must be an address to listen on, such as 127.0.0.1 or 0.0.0.0, not {value!r}.")
        return value

    def timezone(self, name: str, default: str) -> str:
        value = self.optional(name) or default
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"{name} must be an IANA time zone such as Europe/Helsinki, not {value!r}.") from None
        return value

    def choice(self, name: str, default: str, allowed: tuple[str, ...], *, upper: bool = False) -> str:
        raw = self.optional(name) or default
        value = raw.upper() if upper else raw.lower()
        if value not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}.")
        return value

    def fernet_key(self, name: str) -> str | None:
        value = self.optional(name)
        if value is None:
            return None
        from cryptography.fernet import Fernet  # only with OAuth: the HTTP server's main process stays small

        try:
            Fernet(value.encode())
        except ValueError:
            raise SettingsError(f"{name} is not a valid key: use {_KEY_HOWTO}.") from None
        return value

    def user_ids(self, name: str) -> frozenset[str]:
        raw = self.optional(name) or ""
        ids = [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]
        for user_id in ids:
            if not SLACK_USER_ID.match(user_id):
                raise SettingsError(
                    f"{name} must list Slack user ids separated by commas (e.g. U012AB3CD,U045EF6GH), not {user_id!r}."
                )
        return frozenset(ids)
