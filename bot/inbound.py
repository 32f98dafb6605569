"""What Mentori accepts from Slack before any listener sees it: signed, not too large, shaped as Slack shapes it.

A request that fails is answered 4xx and logged in one line, never with its body (a mentor's words, a
response_url). Payloads that pass are stripped of NUL characters, which no database text column takes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # bytes; Slack's largest request to Mentori (a form with its view) is a few dozen KB
MAX_SKEW = 300  # seconds between Slack's timestamp and ours, as Slack documents
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def signature_problem(secret: str, body: bytes, headers: Mapping[str, Any], now: float | None = None) -> str | None:
    """Why a request is not Slack's, in a few words; None when its signature and timestamp are right."""
    lowered = {str(key).lower(): value for key, value in headers.items()}
    timestamp, signature = _header(lowered, "x-slack-request-timestamp"), _header(lowered, "x-slack-signature")
    if not timestamp or not signature:
        return "no signature"
    if not TIMESTAMP.fullmatch(timestamp):
        return "a timestamp that is not a number"
    skew = abs((time.time() if now is None else now) - int(timestamp))
    if skew > MAX_SKEW:
        return f"a timestamp {int(skew)} s off (clock skew, or a replay)"
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not SIGNATURE.fullmatch(signature) or not hmac.compare_digest(expected, signature):
        return "a wrong signature (is SLACK_SIGNING_SECRET the app's current one?)"
    return None


def _header(headers: Mapping[str, Any], name: str) -> str:
    value = headers.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if len(value) == 1 else None
    return value if isinstance(value, str) else ""


def refuse(status: int, reason: str, size: int) -> BoltResponse:
    """The 4xx answer, and the one line that says why (never the body)."""
    log.info("refused a request to /slack/events with %s (%d bytes): %s", status, size, reason)
    return BoltResponse(status=status, body="")


# -- the shape of payloads ----------------------------------------------------------------------------------------

Check = Callable[[Any], bool]


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _optional(check: Check) -> Check:
    return lambda value: value is None or check(value)


def _option(value: Any) -> bool:
    return isinstance(value, dict) and _text(value.get("value"))


# What each kind of input element may carry, as Slack sends it: the values listeners read are text, not lists,
# numbers or objects.
ELEMENT_FIELDS: dict[str, Check] = {
    "type": _text,
    "value": _optional(_text),
    "action_id": _text,
    "block_id": _text,
    "selected_date": _optional(_text),
    "selected_option": _optional(_option),
    "selected_options": lambda v: isinstance(v, list) and all(_option(o) for o in v),
    "selected_users": lambda v: isinstance(v, list) and all(_text(u) for u in v),
    "selected_conversation": _optional(_text),
    "selected_channel": _optional(_text),
    "selected_user": _optional(_text),
}


def _element(value: Any) -> bool:
    return isinstance(value, dict) and all(check(value[key]) for key, check in ELEMENT_FIELDS.items() if key in value)


def _state(view: dict[str, Any]) -> bool:
    state = view.get("state", {"values": {}})
    if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
        return False
    return all(
        isinstance(block, dict) and all(_element(element) for element in block.values())
        for block in state.get("values", {}).values()
    )


def _view(view: Any) -> bool:
    return (
        isinstance(view, dict)
        and all(_optional(_text)(view.get(key)) for key in ("id", "type", "callback_id", "private_metadata"))
        and _state(view)
    )


def _identity(body: dict[str, Any]) -> bool:
    user, team = body.get("user"), body.get("team")
    return (
        isinstance(user, dict)
        and _text(user.get("id"))
        and bool(user["id"])
        and (team is None or (isinstance(team, dict) and _optional(_text)(team.get("id"))))
    )


def payload_problem(body: Any) -> str | None:
    """What is wrong with the shape of a payload Mentori handles, or None; other kinds are left to Bolt."""
    if not isinstance(body, dict):
        return "not an object"
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        if not _identity(body):
            return "block_actions without a user"
        if not isinstance(actions, list) or not actions or not all(_element(a) and "action_id" in a for a in actions):
            return "block_actions without well-formed actions"
        if "view" in body and not _view(body["view"]):
            return "block_actions with a malformed view"
        for key in ("container", "message", "channel"):
            if key in body and not _optional(lambda v: isinstance(v, dict))(body[key]):
                return f"block_actions with a malformed {key}"
        if "response_url" in body and not _optional(_text)(body["response_url"]):
            return "block_actions with a malformed response_url"
        if not _text(body.get("trigger_id")) or not body["trigger_id"]:
            return "block_actions without a trigger_id"
    elif kind in ("view_submission", "view_closed"):
        if not _identity(body):
            return f"{kind} without a user"
        if not _view(body.get("view")) or not _text(body["view"].get("callback_id")):
            return f"{kind} with a malformed view"
    elif kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not _text(event.get("type")):
            return "event_callback without an event"
        if not all(_optional(_text)(event.get(key)) for key in ("user", "channel", "text", "ts", "thread_ts", "tab")):
            return "event_callback with a malformed event"
    elif "command" in body:
        if not all(_text(body.get(key)) for key in ("command", "user_id", "team_id")):
            return "a command without its user or workspace"
        if not _optional(_text)(body.get("text")):
            return "a command with malformed text"
    return None


def without_nul(value: Any) -> Any:
    """`value` with NUL characters removed from every string in it (PostgreSQL's text refuses them)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = without_nul(item)
    elif isinstance(value, list):
        value[:] = [without_nul(item) for item in value]
    return value


class GuardedApp(App):
    """Bolt's App, refusing what is not Slack's or not shaped as Slack shapes it before any middleware runs."""

    def __init__(self, *args: Any, signing_secret: str, **kwargs: Any) -> None:
        super().__init__(*args, signing_secret=signing_secret, **kwargs)
        self.secret = signing_secret

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        raw = req.raw_body.encode() if isinstance(req.raw_body, str) else bytes(req.raw_body or b"")
        if len(raw) > MAX_BODY:
            return refuse(413, f"a body over {MAX_BODY} bytes", len(raw))
        if req.mode != "socket_mode" and not (isinstance(req.body, dict) and req.body.get("ssl_check") == "1"):
            problem = signature_problem(self.secret, raw, req.headers)
            if problem is not None:
                return refuse(401, problem, len(raw))
        problem = payload_problem(req.body)
        if problem is not None:
            return refuse(400, problem, len(raw))
        without_nul(req.body)
        return super().dispatch(req)
