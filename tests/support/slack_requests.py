"""Build signed requests exactly as Slack sends them, starting from the real payloads in tests/data."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "slack-payloads"
FORM = "application/x-www-form-urlencoded"
_event_ids = itertools.count(1)
_ts_counter = itertools.count(1)


@cache
def _load_text(name: str) -> str:
    """Read a reference payload file once."""
    return (PAYLOADS / name).read_text().strip()


def load(name: str) -> Any:
    """A fresh copy of a reference JSON payload, e.g. load("block_actions.json")."""
    return copy.deepcopy(json.loads(_load_text(name)))


def sign(
    secret: str,
    body: bytes,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """Headers Slack sends: timestamp, v0 HMAC-SHA256 signature, Content-Type (and retry headers)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    headers = {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type or ("application/json" if body.lstrip()[:1] == b"{" else FORM),
    }
    if retry_num is not None:
        headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason})
    return headers


def encode_payload(payload: dict[str, Any]) -> bytes:
    """Interactivity body as Slack posts it: payload=<urlencoded JSON> (matches the reference files)."""
    return ("payload=" + quote(json.dumps(payload))).encode()


def _team(team: dict[str, Any], team_id: str, enterprise_id: str | None) -> dict[str, Any]:
    """The `team` object; enterprise fields only on Enterprise Grid."""
    team = {**team, "id": team_id}
    if enterprise_id:
        team["enterprise_id"] = enterprise_id
    else:
        team.pop("enterprise_id", None)
        team.pop("enterprise_name", None)
    return team


def _user(user_id: str, team_id: str) -> dict[str, str]:
    """The `user` object of interactivity payloads."""
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def slash_command(
    text: str,
    *,
    user_id: str = "U111",
    team_id: str = "T111",
    channel_id: str = "C111",
    command: str = "/mentori",
    response_url: str | None = None,
    trigger_id: str = "111.222.valid",
    channel_name: str = "directmessage",
    api_app_id: str = "A111",
    enterprise_id: str | None = None,
) -> bytes:
    """A slash command body (form-urlencoded) with every field Slack sends."""
    fields = dict(parse_qsl(_load_text("slash_command.form-urlencoded.txt"), keep_blank_values=True))
    fields.update(
        {
            "team_id": team_id,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "trigger_id": trigger_id,
            "response_url": response_url or f"https://hooks.slack.com/commands/{team_id}/111/xxxxx",
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
        }
    )
    if enterprise_id:
        fields["enterprise_id"] = enterprise_id
    else:
        fields.pop("enterprise_id", None)
        fields.pop("enterprise_name", None)
    return urlencode(fields).encode()


def _view(view: dict[str, Any] | None, team_id: str, view_id: str, **overrides: Any) -> dict[str, Any]:
    """A `view` object as Slack includes it in payloads: the app's view plus Slack's own fields."""
    base = load("view_submission.json")["view"]
    full = {
        **base,
        **(view or {}),
        "id": view_id,
        "team_id": team_id,
        "root_view_id": view_id,
        "app_installed_team_id": team_id,
        **overrides,
    }
    full.setdefault("state", {"values": {}})
    return full


def block_actions(
    action_id: str,
    value: str | None = None,
    *,
    user_id: str = "U111",
    team_id: str = "T111",
    channel_id: str | None = None,
    message_ts: str | None = None,
    view: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    trigger_id: str = "111.222.valid",
    block_id: str = "b",
    response_url: str | None = None,
    message: dict[str, Any] | None = None,
    action: dict[str, Any] | None = None,
    is_ephemeral: bool = False,
    enterprise_id: str | None = None,
) -> bytes:
    """A block_actions body (a button click by default) from a message (channel_id/message_ts) or a view."""
    payload = load("block_actions.json")
    payload.update(
        user=_user(user_id, team_id),
        team=_team(payload["team"], team_id, enterprise_id),
        trigger_id=trigger_id,
        is_enterprise_install=False,
        enterprise=None,
    )
    act = {
        **payload["actions"][0],
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
        **(action or {}),
    }
    if value is not None:
        act["value"] = value
    payload["actions"] = [act]
    if view is not None:
        full = _view(view, team_id, view.get("id", "V111"))
        payload.update(view=full, container={"type": "view", "view_id": full["id"]})
        for key in ("channel", "response_url"):
            payload.pop(key)
    else:
        channel_id = channel_id or "C111"
        ts = message_ts or "111.222"
        payload.update(
            channel={"id": channel_id, "name": "directmessage"},
            container={"type": "message", "message_ts": ts, "channel_id": channel_id, "is_ephemeral": is_ephemeral},
            response_url=response_url or f"https://hooks.slack.com/actions/{team_id}/111/random-value",
            message=message
            or {"type": "message", "ts": ts, "user": "UBOT", "bot_id": "BBOT", "text": "", "blocks": []},
        )
    if container is not None:
        payload["container"] = container
    return encode_payload(payload)


def view_submission(
    callback_id: str,
    values: dict[str, Any],
    *,
    user_id: str = "U111",
    team_id: str = "T111",
    private_metadata: str = "",
    view_id: str = "V111",
    view: dict[str, Any] | None = None,
    trigger_id: str = "111.222.valid",
    enterprise_id: str | None = None,
) -> bytes:
    """A view_submission body; `values` is state.values ({block_id: {action_id: str | state dict}})."""
    payload = load("view_submission.json")
    state = {
        block: {
            action: {"type": "plain_text_input", "value": v} if isinstance(v, str) or v is None else v
            for action, v in actions.items()
        }
        for block, actions in values.items()
    }
    payload.update(
        user=_user(user_id, team_id),
        team=_team(payload["team"], team_id, enterprise_id),
        trigger_id=trigger_id,
        is_enterprise_install=False,
        enterprise=None,
        view=_view(
            view, team_id, view_id, callback_id=callback_id, private_metadata=private_metadata, state={"values": state}
        ),
    )
    return encode_payload(payload)


def event(
    event: dict[str, Any],
    *,
    team_id: str = "T111",
    event_id: str | None = None,
    api_app_id: str = "A111",
    event_time: int | None = None,
    bot_user_id: str = "UBOT",
) -> bytes:
    """An Events API `event_callback` envelope around `event` (JSON bytes)."""
    envelope = load("event_message_im.json")
    envelope.pop("enterprise_id", None)
    envelope.update(
        team_id=team_id,
        api_app_id=api_app_id,
        event=event,
        event_id=event_id or f"Ev{next(_event_ids):09d}",
        event_time=event_time or int(float(event.get("event_ts") or time.time())),
        authorizations=[
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        is_ext_shared_channel=False,
        event_context=f"4-{team_id}-{api_app_id}",
    )
    return json.dumps(envelope).encode()


def new_ts() -> str:
    """A fresh, increasing message ts near now."""
    return f"{int(time.time())}.{next(_ts_counter):06d}"


def app_home_opened(
    user_id: str = "U111",
    *,
    tab: str = "home",
    view: dict[str, Any] | None = None,
    team_id: str = "T111",
    **kwargs: Any,
) -> bytes:
    """app_home_opened (the Home tab by default; `view` = the published view, if any)."""
    body = load("event_app_home_opened_home_tab.json")["event"]
    body.update(user=user_id, tab=tab, channel="D" + user_id[1:], event_ts=new_ts())
    if view is not None:
        body["view"] = _view(view, team_id, view.get("id", "V111"))
    return event(body, team_id=team_id, **kwargs)


def message_im(
    text: str,
    *,
    user_id: str = "U111",
    channel: str | None = None,
    ts: str | None = None,
    thread_ts: str | None = None,
    parent_user_id: str = "UBOT",
    team_id: str = "T111",
    **kwargs: Any,
) -> bytes:
    """A DM from a human to the bot (with client_msg_id and rich_text blocks, as real clients send)."""
    body = load("event_message_im.json")["event"]
    ts = ts or new_ts()
    rich = load("event_message_channel.json")["event"]["blocks"]
    rich[0]["elements"][0]["elements"][0]["text"] = text
    msg_id = f"00000000-0000-4000-8000-{next(_event_ids):012d}"
    body.update(
        user=user_id,
        text=text,
        channel=channel or "D" + user_id[1:],
        ts=ts,
        event_ts=ts,
        team=team_id,
        blocks=rich,
        client_msg_id=msg_id,
    )
    if thread_ts:
        body.update(thread_ts=thread_ts, parent_user_id=parent_user_id)
    return event(body, team_id=team_id, **kwargs)


def url_verification(challenge: str = "challenge-123") -> bytes:
    """The Events API handshake body."""
    return json.dumps({**load("url_verification.json"), "challenge": challenge}).encode()
