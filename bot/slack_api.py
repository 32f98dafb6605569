"""The one place that builds Slack Web API clients and says what a failed call means.

Two clients per workspace:
- the *reading* client (listeners, users.info, views) retries by itself: 429 after its Retry-After, 5xx answers and
  dropped connections, a few times each — repeating a read or a view update does no harm;
- the *sending* client has no retry handlers: the outbox sender repeats posts itself, after looking in Slack for a
  message that may already have gone through, so that nothing is ever posted twice.

`call` runs one Web API method and turns every failure into a `SlackFailure`: transient (try again, perhaps after
Retry-After), a token error (every call of the workspace would fail: sending pauses), or permanent for this call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.metrics import MeteredWebClient

log = logging.getLogger(__name__)

# Errors worth trying again; anything else Slack refuses is permanent for that call.
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                              "request_timeout", "timeout", "connection_error", "bad_response"})  # fmt: skip
# Slack refuses Mentori's token itself: nothing can go out in that workspace until someone fixes the installation.
TOKEN_ERRORS = frozenset({"account_inactive", "invalid_auth", "token_revoked", "token_expired", "not_authed"})
# Errors about the installation rather than one recipient: every message of the workspace would fail the same way.
WORKSPACE_ERRORS = TOKEN_ERRORS | frozenset(
    {
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "team_access_not_granted",
        "ekm_access_denied",
        "org_login_required",
        "not_installed",
    }
)
MAX_RETRY_AFTER = 120.0


class SlackFailure(Exception):
    """A Web API call that did not succeed, classified for the retry decision."""

    def __init__(self, code: str, *, transient: bool, maybe_done: bool = False, retry_after: float | None = None):
        super().__init__(code)
        self.code, self.transient, self.maybe_done, self.retry_after = code, transient, maybe_done, retry_after

    @property
    def token(self) -> bool:
        """Slack refused the workspace's token: pause the workspace rather than fail the message."""
        return self.code in TOKEN_ERRORS


def error_code(error: BaseException) -> str:
    """The `error` Slack gave (or the exception's class name): safe to log, never a token or a text."""
    if isinstance(error, SlackFailure):
        return error.code
    if isinstance(error, SlackApiError):
        response = error.response
        return str((response.get("error") if response is not None else None) or "unknown")
    return error.__class__.__name__


def call(method: Callable[..., Any], **arguments: Any) -> Any:
    """Call one Web API method; a failure comes out as a SlackFailure."""
    try:
        return method(**arguments)
    except SlackApiError as error:
        raise classify(error) from None
    except TimeoutError:
        raise SlackFailure("timeout", transient=True, maybe_done=True) from None
    except URLError as error:
        timed_out = isinstance(error.reason, TimeoutError)
        refused = isinstance(error.reason, ConnectionRefusedError)
        raise SlackFailure(
            "timeout" if timed_out else "connection_error", transient=True, maybe_done=not refused
        ) from None
    except OSError:
        raise SlackFailure("connection_error", transient=True, maybe_done=True) from None
    except ValueError:  # a body that is not JSON: a proxy's or load balancer's error page
        raise SlackFailure("bad_response", transient=True, maybe_done=True) from None


def classify(error: SlackApiError) -> SlackFailure:
    """A SlackApiError as transient (429, 5xx, Slack's own trouble) or permanent (everything Slack refused)."""
    response = error.response
    status = getattr(response, "status_code", 200)
    code = str(response.get("error") or f"http_{status}") if response is not None else "unknown"
    if status == 429:
        return SlackFailure("ratelimited", transient=True, retry_after=_retry_after(response))
    if status >= 500:
        return SlackFailure(code, transient=True, maybe_done=True)
    if code in TRANSIENT_ERRORS:
        return SlackFailure(code, transient=True, maybe_done=code != "ratelimited")
    return SlackFailure(code, transient=False)


def _retry_after(response: Any) -> float:
    headers = getattr(response, "headers", None) or {}
    raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
    if isinstance(raw, list):
        raw = raw[0] if raw else "1"
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(raw)))
    except ValueError:
        return 1.0


def open_dm(client: WebClient, user_id: str) -> str:
    """The id of the DM between the bot and `user_id` (conversations.open)."""
    return str(call(client.conversations_open, users=user_id)["channel"]["id"])


def retry_handlers() -> list[Any]:
    """The reading client's retry policy: rate limits after Retry-After, server errors, dropped connections."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
        ConnectionErrorRetryHandler(max_retry_count=2),
    ]


def reading_client(token: str | None, base_url: str, *, timeout: int = 10) -> WebClient:
    """A client that retries by itself (see the module docstring)."""
    return MeteredWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers())


def sending_client(token: str | None, base_url: str, *, timeout: int = 10) -> WebClient:
    """A client without retry handlers: the outbox sender decides every retry."""
    return MeteredWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


def sending_copy(client: WebClient) -> WebClient:
    """A sending client (no retry handlers) with the same token and address as `client`."""
    return sending_client(client.token, client.base_url, timeout=client.timeout)


def open_view(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Open a modal with the trigger_id of the click or command in `body`; a Slack error is logged, not raised."""
    try:
        client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=view)
    except SlackApiError as error:
        log.warning("views.open failed: %s", error_code(error))
