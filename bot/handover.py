"""In `web`: `/mentori` commands and DM events that a worker carries out are handed over without Bolt.

Such a request needs only its signature checked, its body parsed and the item put in the queue writer's buffer —
well under a millisecond. Through Bolt it would also pass its middleware and wait for its listener runner, which
looks for a listener's ack() every 10 ms. Everything else (buttons, forms, commands that open a form or are
answered in the ack, the other events, URL verification) goes to Bolt as before; so does a request whose signature
does not check out, and Bolt refuses it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from bot.queue_writer import Pending, QueueWriter
from storage import work_queue

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Routing:
    """Which requests a worker carries out, as the composition root decides it."""

    command: Callable[[str], bool]  # given `/mentori`'s text
    event: Callable[[dict[str, Any]], bool]  # given an event_callback body


class Handover:
    """Verifies, parses and queues the requests `routing` leaves to the workers."""

    def __init__(self, signing_secret: str, writer: QueueWriter, routing: Routing, *, now: Callable[[], datetime],
                 reply_lost: Callable[[dict[str, Any]], None]) -> None:  # fmt: skip
        self.verifier = SignatureVerifier(signing_secret)
        self.writer = writer
        self.routing = routing
        self.now = now
        self.reply_lost = reply_lost  # tells the person who typed a command that it could not be queued

    def take(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """True when the request was handed over and is answered with an empty 200; False: Bolt handles it."""
        item = self._item(body, headers.get("content-type", ""))
        if item is None or not self._signed(body, headers):
            return False
        lost = (lambda: self.reply_lost(item.payload)) if item.kind == work_queue.COMMAND else None
        if not self.writer.put(Pending(item, lost)):
            log.error("the queue for the workers refused a %s; it is not carried out", item.kind)
            if lost is not None:
                lost()
        return True

    def _item(self, body: bytes, content_type: str) -> work_queue.Item | None:
        try:
            text = body.decode("utf-8")
            if content_type.startswith(FORM):
                return self._command(text)
            if content_type.startswith("application/json"):
                return self._event(text)
        except ValueError:  # not UTF-8, not JSON: Bolt answers it
            return None
        return None

    def _command(self, text: str) -> work_queue.Item | None:
        fields = {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}
        if fields.get("command") != "/mentori" or "payload" in fields or "ssl_check" in fields:
            return None
        if not self.routing.command(fields.get("text", "")):
            return None
        return work_queue.Item(work_queue.COMMAND, fields.get("team_id", ""), fields, self.now())

    def _event(self, text: str) -> work_queue.Item | None:
        payload = json.loads(text)
        if not isinstance(payload, dict) or not self.routing.event(payload):
            return None
        event = payload.get("event") or {}
        team_id = str(payload.get("team_id") or event.get("team") or "")
        return work_queue.Item(work_queue.EVENT, team_id, payload, self.now())

    def _signed(self, body: bytes, headers: Mapping[str, str]) -> bool:
        try:
            return self.verifier.is_valid(
                body=body,
                timestamp=headers.get("x-slack-request-timestamp", ""),
                signature=headers.get("x-slack-signature", ""),
            )
        except (TypeError, ValueError):  # a timestamp that is not a number: Bolt refuses the request
            return False
