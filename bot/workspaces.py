"""The Web API client for a workspace: one bot token, or each installed workspace's own (OAuth mode)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.installations import EncryptedInstallationStore, TokenCipher, token_rotator
from bot.settings import Settings

ROTATE_BEFORE = timedelta(minutes=120)
# A process other than the one that saw app_uninstalled keeps its client; it reads the store again this often,
# so a workspace that reinstalled is served with its new token within minutes.
RECHECK_AFTER = timedelta(minutes=5)


class NotInstalled(LookupError):
    """Mentori is not installed in this workspace (or was uninstalled)."""


class Workspaces:
    """Hands out a client per team id; in OAuth mode it refreshes rotating tokens before they expire."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        client: WebClient,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.client = client
        self.now = now
        self.store: EncryptedInstallationStore | None = None
        self.state_store: SQLAlchemyOAuthStateStore | None = None
        self._clients: dict[str, tuple[WebClient, datetime | None, datetime]] = {}  # client, expiry, recheck at
        self._lock = threading.Lock()
        if settings.oauth:
            assert settings.slack_client_id and settings.encryption_key
            self.store = EncryptedInstallationStore(
                settings.slack_client_id, engine, TokenCipher(settings.encryption_key)
            )
            self.state_store = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)

    def client_for(self, team_id: str) -> WebClient:
        """A client carrying `team_id`'s bot token; raises NotInstalled."""
        if self.store is None:
            return self.client
        with self._lock:
            cached = self._clients.get(team_id)
            now = self.now()
            if cached and now < cached[2] and (cached[1] is None or cached[1] - now > ROTATE_BEFORE):
                return cached[0]
            bot = self._fresh_bot(team_id)
            client = WebClient(
                token=bot.bot_token,
                base_url=self.client.base_url,
                timeout=self.client.timeout,
                retry_handlers=list(self.client.retry_handlers),
            )
            expires = datetime.fromtimestamp(bot.bot_token_expires_at, UTC) if bot.bot_token_expires_at else None
            self._clients[team_id] = (client, expires, now + RECHECK_AFTER)
            return client

    def _fresh_bot(self, team_id: str) -> Bot:
        assert self.store is not None
        bot = self.store.find_bot_of_team(team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team_id)
        if bot.bot_refresh_token:
            rotator = token_rotator(
                self.settings.slack_client_id or "", self.settings.slack_client_secret or "", self.client
            )
            refreshed = rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=int(ROTATE_BEFORE.total_seconds() // 60)
            )
            if refreshed is not None:
                self.store.save_bot(refreshed)
                bot = refreshed
        return bot

    def forget(self, team_id: str) -> None:
        """After app_uninstalled or tokens_revoked: drop the cached client and the stored tokens."""
        with self._lock:
            self._clients.pop(team_id, None)
        if self.store is not None:
            self.store.delete_all(enterprise_id=None, team_id=team_id)
