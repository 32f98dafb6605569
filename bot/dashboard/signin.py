"""Sign in with Slack (OpenID Connect) for the dashboard, and the workspace a signed-in person may see."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.oauth import OpenIDConnectAuthorizeUrlGenerator
from sqlalchemy import Engine

from bot.names import clean_name
from bot.settings import Settings
from bot.workspaces import NotInstalled, Workspaces

log = logging.getLogger(__name__)
CALLBACK_PATH = "/dashboard/auth/callback"
SCOPES = ("openid", "profile")
TEAM_CLAIM = "https://slack.com/team_id"
USER_CLAIM = "https://slack.com/user_id"


class SignInFailed(Exception):
    """Signing in did not work; `key` names the catalogue text that says why and what to do."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Identity:
    """Who signed in, as Slack told us."""

    team_id: str
    user_id: str
    name: str
    locale: str | None


def _client(token: str | None, base_url: str) -> WebClient:
    client = WebClient(token=token, base_url=base_url, timeout=10)
    client.retry_handlers.extend(
        [RateLimitErrorRetryHandler(max_retry_count=2), ConnectionErrorRetryHandler(max_retry_count=2)]
    )
    return client


class SlackSignIn:
    """The authorize URL, the code exchange, and a Web API client for the signed-in person's workspace."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        assert settings.dashboard_url and settings.dashboard_client_id and settings.dashboard_client_secret
        self.settings = settings
        self.client_id = settings.dashboard_client_id
        self.client_secret = settings.dashboard_client_secret
        self.redirect_uri = settings.dashboard_url + CALLBACK_PATH
        self.api = _client(None, settings.slack_api_url)
        bot = _client(None if settings.oauth else settings.slack_bot_token, settings.slack_api_url)
        self.workspaces = Workspaces(settings, engine, bot)
        self._bot_team: str | None = None
        self._lock = threading.Lock()

    def authorize_url(self, state: str, nonce: str) -> str:
        generator = OpenIDConnectAuthorizeUrlGenerator(
            client_id=self.client_id,
            redirect_uri=self.redirect_uri,
            scopes=list(SCOPES),
            authorization_url=self.settings.slack_oidc_authorize_url,
        )
        return generator.generate(state=state, nonce=nonce)

    def identity(self, code: str, nonce: str) -> Identity:
        """Exchange the code for tokens, check the ID token's nonce and audience, and ask who signed in."""
        try:
            tokens = self.api.openid_connect_token(
                client_id=self.client_id,
                client_secret=self.client_secret,
                code=code,
                redirect_uri=self.redirect_uri,
                grant_type="authorization_code",
            )
            # The ID token comes straight from Slack over TLS in this exchange, so its claims are read without
            # checking its signature (OpenID Connect Core 3.1.3.7); the nonce ties it to this browser's sign-in.
            claims = _claims(str(tokens.get("id_token") or ""))
            if not hmac.compare_digest(str(claims.get("nonce", "")), nonce) or claims.get("aud") != self.client_id:
                raise SignInFailed("dashboard.signin.failed")
            info = _client(str(tokens["access_token"]), self.settings.slack_api_url).openid_connect_userInfo()
        except SlackApiError as error:
            code_ = error.response.get("error") if error.response is not None else None
            log.warning("Sign in with Slack failed: %s", code_)
            raise SignInFailed("dashboard.signin.failed") from None
        except (OSError, KeyError):
            log.warning("Sign in with Slack failed: Slack did not answer")
            raise SignInFailed("dashboard.signin.failed") from None
        team_id, user_id = str(info.get(TEAM_CLAIM) or ""), str(info.get(USER_CLAIM) or info.get("sub") or "")
        if not team_id or not user_id or team_id != claims.get(TEAM_CLAIM) or user_id != claims.get(USER_CLAIM):
            raise SignInFailed("dashboard.signin.failed")
        name = clean_name(str(info.get("name") or ""))[:80] or user_id  # a profile name: shown, never trusted
        return Identity(team_id, user_id, name, info.get("locale"))

    def workspace_client(self, team_id: str) -> WebClient:
        """The bot's client for the person's workspace; SignInFailed when Mentori does not serve that workspace."""
        if self.settings.oauth:
            try:
                return self.workspaces.client_for(team_id)
            except NotInstalled:
                raise SignInFailed("dashboard.signin.not_installed") from None
        if team_id != self.bot_team():
            raise SignInFailed("dashboard.signin.other_workspace")
        return self.workspaces.client

    def bot_team(self) -> str:
        """The one workspace of the bot token (auth.test, asked once)."""
        with self._lock:
            if self._bot_team is None:
                try:
                    self._bot_team = str(self.workspaces.client.auth_test()["team_id"])
                except (SlackApiError, OSError, KeyError):
                    log.warning("auth.test failed: the dashboard cannot tell which workspace is Mentori's")
                    raise SignInFailed("dashboard.signin.failed") from None
            return self._bot_team


def _claims(id_token: str) -> dict[str, Any]:
    """The payload of a JWT (header.payload.signature)."""
    try:
        payload = id_token.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        raise SignInFailed("dashboard.signin.failed") from None
    if not isinstance(decoded, dict):
        raise SignInFailed("dashboard.signin.failed")
    return decoded
