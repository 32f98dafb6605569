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


Values = dict[str, dict[str, dict[str, Any]]]
VALUE = "value"  # every input's action_id in Mentori's forms: the block id says which field it is


def form_values(body: dict[str, Any]) -> Values:
    """A submitted form's state: block id → action id → element."""
    return ((body.get("view") or {}).get("state") or {}).get("values") or {}


def element(values: Values, block_id: str) -> dict[str, Any]:
    """The input element of one field of a submitted form."""
    return values.get(block_id, {}).get(VALUE, {}) or {}


def chosen(values: Values, block_id: str) -> str | None:
    """The value of the option chosen in a select or radio field, if any."""
    selected = element(values, block_id).get("selected_option")
    return str(selected.get("value")) if isinstance(selected, dict) and selected.get("value") is not None else None
