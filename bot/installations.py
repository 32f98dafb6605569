"""Multi-workspace installs: slack_sdk's SQLAlchemy stores on our database, with tokens encrypted at rest."""

from __future__ import annotations

import copy
import logging
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, select

log = logging.getLogger(__name__)
SECRET_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
PREFIX = "enc:"
Record = TypeVar("Record", Installation, Bot)


class TokenCipher:
    """Fernet (AES-128-CBC with HMAC-SHA256) around each token; the key comes from MENTORI_ENCRYPTION_KEY."""

    def __init__(self, key: str) -> None:
        self.fernet = Fernet(key.encode())

    def encrypt(self, value: str | None) -> str | None:
        if not value or value.startswith(PREFIX):
            return value
        return PREFIX + self.fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str | None) -> str | None:
        if not value or not value.startswith(PREFIX):
            return value
        try:
            return self.fernet.decrypt(value[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            log.error("a stored token cannot be decrypted: MENTORI_ENCRYPTION_KEY has changed")
            return None


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, encrypting tokens before they reach the database and decrypting on the way out."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.cipher = cipher

    def save(self, installation: Installation) -> None:
        super().save(self._transform(installation, self.cipher.encrypt))

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(self._transform(bot, self.cipher.encrypt))

    def find_bot(self, **kwargs: Any) -> Bot | None:
        bot = super().find_bot(**kwargs)
        return self._transform(bot, self.cipher.decrypt) if bot else None

    def find_bot_of_team(self, team_id: str) -> Bot | None:
        """The workspace's bot, whether the workspace belongs to an Enterprise Grid organisation or not (jobs and
        queued work know only the team id)."""
        bot = self.find_bot(enterprise_id=None, team_id=team_id)
        if bot is not None:
            return bot
        columns = self.bots.c
        with self.engine.connect() as connection:
            enterprise_id = connection.execute(
                select(columns.enterprise_id)
                .where(
                    columns.client_id == self.client_id, columns.team_id == team_id, columns.enterprise_id.is_not(None)
                )
                .order_by(columns.installed_at.desc())
                .limit(1)
            ).scalar()
        return self.find_bot(enterprise_id=enterprise_id, team_id=team_id) if enterprise_id else None

    def find_installation(self, **kwargs: Any) -> Installation | None:
        installation = super().find_installation(**kwargs)
        return self._transform(installation, self.cipher.decrypt) if installation else None

    @staticmethod
    def _transform(record: Record, change: Any) -> Record:
        changed = copy.copy(record)
        for name in SECRET_FIELDS:
            if hasattr(changed, name):
                setattr(changed, name, change(getattr(changed, name)))
        return changed


def token_rotator(client_id: str, client_secret: str, client: WebClient) -> TokenRotator:
    """Token rotation through our Web API base URL (GovSlack, proxies), not slack.com's default."""
    return TokenRotator(client_id=client_id, client_secret=client_secret, client=client)
