"""What Slack says about users (time zone, locale, names, admin flags), cached in the database for a day."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.slack_api import error_code
from storage.models import SlackUser
from storage.types import utcnow

log = logging.getLogger(__name__)
FRESH_FOR = timedelta(days=1)


class UnknownUser(LookupError):
    """Slack does not know this user in this workspace."""


class SlackDirectory:
    """Looks users up with users.info, at most once a day per user."""

    def __init__(self, engine: Engine, client: WebClient, now: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.client = client
        self.now = now

    def user(self, team_id: str, user_id: str, *, refresh: bool = False) -> SlackUser:
        """The cached record, refreshed from Slack when older than a day; raises UnknownUser."""
        with Session(self.engine, expire_on_commit=False) as session:
            known = session.get(SlackUser, (team_id, user_id))
            if known is not None and not refresh and self.now() - known.checked_at < FRESH_FOR:
                return known
            fetched = self._fetch(team_id, user_id)
            if fetched is None:
                if known is not None:
                    return known  # Slack was unreachable: yesterday's answer beats none
                raise UnknownUser(user_id)
            merged = session.merge(fetched)
            session.commit()
            return merged

    def _fetch(self, team_id: str, user_id: str) -> SlackUser | None:
        try:
            response = self.client.users_info(user=user_id, include_locale=True)
        except SlackApiError as error:
            code = error_code(error)
            if code in ("user_not_found", "users_not_found"):
                raise UnknownUser(user_id) from None
            log.warning("users.info failed for a user: %s", code)
            return None
        except OSError as error:
            log.warning("users.info unreachable: %s", error.__class__.__name__)
            return None
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        return SlackUser(
            team_id=team_id,
            user_id=user_id,
            tz=user.get("tz"),
            locale=user.get("locale"),
            real_name=_name(profile.get("real_name") or user.get("real_name")),
            display_name=_name(profile.get("display_name")),
            is_admin=bool(user.get("is_admin")),
            is_owner=bool(user.get("is_owner")),
            is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
            deleted=bool(user.get("deleted")),
            checked_at=self.now(),
        )


def _name(value: object) -> str | None:
    """A profile name as stored: trimmed to the column's length, None when empty."""
    text = str(value or "").strip()
    return text[:120] or None
