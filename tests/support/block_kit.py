"""Block Kit validation as strict as Slack's, built on slack_sdk's models plus the limits they miss."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MAX_TEXT = 3000
MAX_HEADER = 150
MAX_VIEW_BUTTON = 24
MAX_PRIVATE_METADATA = 3000
MAX_ID = 255
PLAIN_TEXT_ONLY = {"title", "submit", "close", "label", "hint", "placeholder", "confirm", "deny"}
TEXT_TYPES = {"plain_text", "mrkdwn"}


def validate_blocks(blocks: Any, surface: str = "message") -> list[str]:
    """Return Slack's objections to blocks on a surface ("message", "modal" or "home"); [] if valid."""
    if not isinstance(blocks, list):
        return [f"/blocks: must be an array, not {type(blocks).__name__}"]
    limit = MAX_BLOCKS.get(surface, 50)
    errors = [f"/blocks: no more than {limit} items allowed ({len(blocks)})"] if len(blocks) > limit else []
    for i, block in enumerate(blocks):
        errors += _validate_block(block, f"/blocks/{i}")
    errors += _duplicate_block_ids(blocks)
    return errors


def validate_view(view: Any) -> list[str]:
    """Return Slack's objections to a modal or Home tab view; [] if valid."""
    if not isinstance(view, dict):
        return [f"/view: must be an object, not {type(view).__name__}"]
    placeholder = {**view, "blocks": [{"type": "divider"}]}  # blocks are checked below, with surface limits
    errors = _model_errors(placeholder, lambda v: View(**v), "/view", skip={"blocks"})
    for key in ("title", "submit", "close"):
        errors += _text_limit(view.get(key), MAX_VIEW_BUTTON, f"/view/{key}")
    if view.get("type") == "modal" and not view.get("title"):
        errors.append("/view/title: required for a modal")
    if len(view.get("private_metadata") or "") > MAX_PRIVATE_METADATA:
        errors.append(f"/view/private_metadata: must be at most {MAX_PRIVATE_METADATA} characters")
    for key in ("callback_id", "external_id"):
        if len(str(view.get(key) or "")) > MAX_ID:
            errors.append(f"/view/{key}: must be at most {MAX_ID} characters")
    blocks = view.get("blocks", [])
    has_input = isinstance(blocks, list) and any(_type(b) == "input" for b in blocks)
    if view.get("type") == "modal" and has_input and not view.get("submit"):
        errors.append("/view/submit: required when the modal has input blocks")
    errors += _plain_text_only({k: v for k, v in view.items() if k != "blocks"}, "/view")
    return errors + [f"/view{e}" for e in validate_blocks(blocks, str(view.get("type", "modal")))]


def _validate_block(block: Any, path: str) -> list[str]:
    """Validate one block: slack_sdk model, dropped (unknown) fields, and the extra limits."""
    if not isinstance(block, dict):
        return [f"{path}: must be an object"]
    errors = _model_errors(block, Block.parse, path)
    errors += _text_objects(block, path)
    errors += _plain_text_only(block, path)
    errors += _ids_and_inputs(block, path)
    if block.get("type") == "header":
        errors += _text_limit(block.get("text"), MAX_HEADER, f"{path}/text")
    return list(dict.fromkeys(errors))


def _model_errors(
    raw: dict, build: Callable[[dict], Any], path: str, skip: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    """Build a slack_sdk model, validate it, and report fields it did not understand."""
    try:
        model = build(raw)
        if model is None:
            return [f"{path}/type: unsupported block type"]
        model.validate_json()
    except Exception as exc:  # slack_sdk raises SlackObjectFormationError, TypeError, KeyError...
        return [f"{path}: {exc}"]
    return _dropped(raw, model.to_dict(), path, skip)


def _dropped(raw: Any, parsed: Any, path: str, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """List keys in the app's JSON that slack_sdk's model dropped: unknown fields or element types."""
    if isinstance(raw, dict) and isinstance(parsed, dict):
        out = []
        for key, value in raw.items():
            if key in skip or value in ("", None):  # slack_sdk drops empty values; not an unknown field
                continue
            if key not in parsed:
                out.append(f"{path}/{key}: unknown field, or an object of unknown type")
            else:
                out += _dropped(value, parsed[key], f"{path}/{key}")
        return out
    if isinstance(raw, list) and isinstance(parsed, list):
        if len(raw) != len(parsed):
            return [f"{path}: contains items of unknown type"]
        pairs = enumerate(zip(raw, parsed, strict=True))
        return [e for i, (r, p) in pairs for e in _dropped(r, p, f"{path}/{i}")]
    return []


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, dict]]:
    """Yield (path, key, dict) for every dict value nested in node, key being how it was reached."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        child = f"{path}/{key}"
        if isinstance(value, dict):
            yield child, str(key), value
        yield from _walk(value, child)


def _text_objects(block: dict, path: str) -> list[str]:
    """Every text object must have 1..3000 characters."""
    errors = []
    for child, _key, obj in _walk(block, path):
        if obj.get("type") in TEXT_TYPES and "text" in obj:
            text = obj["text"]
            if not isinstance(text, str) or not text:
                errors.append(f"{child}/text: must be a non-empty string")
            elif len(text) > MAX_TEXT:
                errors.append(f"{child}/text: must be at most {MAX_TEXT} characters ({len(text)})")
    return errors


def _plain_text_only(node: dict, path: str) -> list[str]:
    """Titles, labels, placeholders, header and button texts must be plain_text."""
    errors = []
    for child, key, obj in [(path, "", node), *_walk(node, path)]:
        if obj.get("type") in ("header", "button") and _type(obj.get("text")) not in (None, "plain_text"):
            errors.append(f"{child}/text: must be plain_text")
        elif key in PLAIN_TEXT_ONLY and obj.get("type") == "mrkdwn":
            errors.append(f"{child}: must be plain_text")
    return errors


def _type(obj: Any) -> str | None:
    """The "type" of a dict, None for anything else."""
    return obj.get("type") if isinstance(obj, dict) else None


def _text_limit(obj: Any, limit: int, path: str) -> list[str]:
    """Check the length of a text object's text."""
    text = obj.get("text", "") if isinstance(obj, dict) else ""
    return [f"{path}/text: must be at most {limit} characters ({len(text)})"] if len(text) > limit else []


def _ids_and_inputs(block: dict, path: str) -> list[str]:
    """block_id/action_id length, action_id unique within the block, plain_text_input lengths."""
    errors = []
    if len(str(block.get("block_id", ""))) > MAX_ID:
        errors.append(f"{path}/block_id: must be at most {MAX_ID} characters")
    seen: set[str] = set()
    for child, _key, obj in _walk(block, path):
        action_id = obj.get("action_id")
        if isinstance(action_id, str):
            if len(action_id) > MAX_ID:
                errors.append(f"{child}/action_id: must be at most {MAX_ID} characters")
            if action_id in seen:
                errors.append(f"{child}/action_id: duplicate action_id {action_id!r} in block")
            seen.add(action_id)
        if obj.get("type") == "plain_text_input":
            errors += _plain_text_input(obj, child)
    return errors


def _plain_text_input(element: dict, path: str) -> list[str]:
    """plain_text_input: max_length 1..3000, min_length 0..3000, min <= max."""
    errors = []
    low, high = element.get("min_length"), element.get("max_length")
    if high is not None and not (isinstance(high, int) and 1 <= high <= MAX_TEXT):
        errors.append(f"{path}/max_length: must be between 1 and {MAX_TEXT}")
    if low is not None and not (isinstance(low, int) and 0 <= low <= MAX_TEXT):
        errors.append(f"{path}/min_length: must be between 0 and {MAX_TEXT}")
    elif isinstance(low, int) and isinstance(high, int) and low > high:
        errors.append(f"{path}/min_length: must not exceed max_length")
    return errors


def _duplicate_block_ids(blocks: list) -> list[str]:
    """block_id must be unique within a message or view."""
    seen: set[str] = set()
    errors = []
    for i, block in enumerate(blocks):
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id in seen:
            errors.append(f"/blocks/{i}/block_id: duplicate block_id {block_id!r}")
        if block_id is not None:
            seen.add(block_id)
    return errors
