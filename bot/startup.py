"""Start-up: the database and Slack are checked before a role starts, and what stops it is said in one line: the
setting, what is wrong, how to fix it.

A missing database, a database server that does not answer, Slack out of reach, a token Slack refuses: each is
an operator's error, not Mentori's, and a traceback would bury the one line that matters. The traceback is
printed too only with LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import urllib.error
from collections.abc import Iterator

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from bot.start_errors import StartupFailed

_quiet = logging.getLogger("mentori.startup.client")
_quiet.setLevel(logging.CRITICAL)  # the check's own failure is reported in one line, not logged on the way
REFUSED_TOKEN = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                 "not_allowed_token_type"}  # fmt: skip


def check_database(url: str) -> None:
    """Connect once: a missing database or a server that does not answer stops the role here."""
    from storage.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


def check_slack(api_url: str, *, bot_token: str | None, app_token: str | None = None) -> None:
    """auth.test with the bot token, and apps.connections.open with the app token (Socket Mode), without retries."""
    client = quiet_client(api_url)
    if bot_token:
        client.auth_test(token=bot_token)
    if app_token:
        client.apps_connections_open(app_token=app_token)


def quiet_client(api_url: str, token: str | None = None) -> WebClient:
    """A Web API client for checks: no retries, and its failures are reported by the caller, not logged."""
    return WebClient(token=token, base_url=api_url, timeout=10, logger=_quiet)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def one_line(error: BaseException) -> str | None:
    """The one line for an operator's error, or None when `error` is not one (a bug: let it be a traceback)."""
    for cause in _chain(error):
        if isinstance(cause, StartupFailed):
            return str(cause)
        if isinstance(cause, SlackApiError):
            return _slack_refused(cause)
        if isinstance(cause, OperationalError | DBAPIError) and not isinstance(cause, _programming_errors()):
            return _database(cause)
        if isinstance(cause, PermissionError | NotADirectoryError | FileExistsError) and cause.filename:
            return (
                f"DATABASE_URL: the SQLite file {_where(None)} cannot be created ({cause.strerror}: "
                f"{cause.filename}): fix the path, or the directory's permissions."
            )
        if isinstance(cause, urllib.error.URLError | socket.gaierror | ConnectionError | TimeoutError | ssl.SSLError):
            return _slack_unreachable(cause)
    return None


def _programming_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    return (IntegrityError, ProgrammingError)


def _slack_refused(error: SlackApiError) -> str:
    code = str((error.response or {}).get("error") or "error")
    url = str(getattr(error.response, "api_url", "") or "")
    if code in REFUSED_TOKEN and "apps.connections.open" in url:
        return (
            f"SLACK_APP_TOKEN was refused by Slack ({code}): generate an App-Level Token with the "
            "connections:write scope under Basic Information → App-Level Tokens and put it in .env."
        )
    if code in REFUSED_TOKEN:
        return (
            f"SLACK_BOT_TOKEN was refused by Slack ({code}): copy the Bot User OAuth Token (xoxb-…) again from "
            "OAuth & Permissions, reinstalling the app if it was removed or its token revoked."
        )
    method = url.rstrip("/").rsplit("/", 1)[-1] or "the Web API"
    return f"Slack answered {method} with {code}: run `python -m bot doctor` to see what the app is missing."


def _slack_unreachable(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    where = os.environ.get("SLACK_API_URL") or "https://slack.com/api/"
    return (
        f"SLACK_API_URL: Slack at {where} cannot be reached ({_short(reason)}): check the network, DNS, a proxy "
        "or firewall, or the URL."
    )


def _database(error: DBAPIError) -> str:
    text = str(getattr(error, "orig", None) or error)
    lowered = text.lower()
    where = _where(error)
    if "unable to open database file" in lowered:
        return (
            f"DATABASE_URL: the SQLite file {where} cannot be opened: create its directory, or fix the path "
            "(sqlite:///./data/mentori.sqlite3)."
        )
    if "database" in lowered and "does not exist" in lowered:
        name = where.rsplit("/", 1)[-1]
        return (
            f"DATABASE_URL names a database that does not exist ({where}): create it (e.g. `createdb {name}`), "
            "or fix the name."
        )
    if "password authentication failed" in lowered or ("role" in lowered and "does not exist" in lowered):
        return (
            f"DATABASE_URL: the database server at {where} refused the user ({_short(text)}): fix the user and "
            "password in DATABASE_URL."
        )
    return (
        f"DATABASE_URL: the database server at {where} does not answer ({_short(text)}): start it, or fix the "
        "host and port in DATABASE_URL."
    )


def _where(error: DBAPIError | None) -> str:
    """host:port/database (or the SQLite path) of DATABASE_URL, without the password."""
    from bot.settings import DEFAULT_DATABASE_URL

    raw = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        url = make_url(raw)
    except ArgumentError:
        return "the configured database"
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _short(reason: object) -> str:
    """The first line of an error, at most 160 characters."""
    line = next((part.strip() for part in str(reason).splitlines() if part.strip()), type(reason).__name__)
    return line if len(line) <= 160 else line[:159] + "…"
