"""Reading what Slack sent with a click or a form: who sent it, and the clicked button's value."""

from __future__ import annotations

from typing import Any


def who(body: dict[str, Any]) -> tuple[str, str]:
    """(team id, user id) of the person who clicked or submitted: from Slack's payload, never from values."""
    user = body.get("user") or {}
    team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or body.get("team_id") or "")
    return team_id, str(user.get("id") or body.get("user_id") or "")


def action_value(body: dict[str, Any]) -> str:
    action = (body.get("actions") or [{}])[0]
    return str(action.get("value") or "")
