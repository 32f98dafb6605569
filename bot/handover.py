"""In `web`: `/mentori` commands and DM events that a worker carries out are handed over without Bolt.

Such a request, once bot.web has checked its size and signature, needs only its body parsed and the item put in
the queue writer's buffer — well under a millisecond. Through Bolt it would also pass its middleware and wait for
its listener runner, which looks for a listener's ack() every 10 ms. Everything else (buttons, forms, commands that
open a form or are answered in the ack, the other events, URL verification, payloads not shaped as Slack shapes
them) goes to Bolt as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from bot.inbound import payload_problem, without_nul
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
    """Parses and queues the signed requests `routing` leaves to the workers."""

    def __init__(
        self,
        writer: QueueWriter,
        routing: Routing,
        *,
        now: Callable[[], datetime],
        reply_lost: Callable[[dict[str, Any]], None],
    ) -> None:
        self.writer = writer
        self.routing = routing
        self.now = now
        self.reply_lost = reply_lost  # tells the person who typed a command that it could not be queued

    def take(self, body: bytes, content_type: str) -> bool:
        """For a request whose signature was checked: True when it was handed over and is answered with an empty
        200; False: Bolt handles it."""
        item = self._item(body, content_type)
        if item is None:
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
        if payload_problem(fields) is not None:
            return None
        without_nul(fields)
        if not self.routing.command(fields.get("text", "")):
            return None
        return work_queue.Item(work_queue.COMMAND, fields.get("team_id", ""), fields, self.now())

    def _event(self, text: str) -> work_queue.Item | None:
        payload = json.loads(text)
        if payload_problem(payload) is not None or not self.routing.event(payload):
            return None
        without_nul(payload)
        event = payload.get("event") or {}
        team_id = str(payload.get("team_id") or event.get("team") or "")
        return work_queue.Item(work_queue.EVENT, team_id, payload, self.now())
