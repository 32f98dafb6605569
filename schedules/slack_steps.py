"""One outbox row on its way to Slack: open the DM, look for it there if it may have gone out, then send it.

A row whose post may have gone through (timeout, 5xx, a dropped connection) or that was claimed before (its sender
died) is looked for first, by the marker in its message metadata — in the DM's newest messages, in the thread for a
reply, or by file name for an upload — so it is never posted twice. No retrying happens here: a failure comes out
as a SlackFailure and the sender decides (schedules.sender).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.slack_api import SlackFailure, call, open_dm
from schedules.claims import Outcome
from schedules.delay_queue import ticks
from storage.models import DeliveryStatus

log = logging.getLogger(__name__)

HISTORY_LIMIT = 20
LATE = "late"  # last_error of a message skipped because it could no longer go out in time
MESSAGE_EVENT = "mentori_message"
GONE = frozenset({"message_not_found", "cant_delete_message", "channel_not_found"})  # a deletion with nothing left


def message_metadata(row_id: int) -> dict[str, Any]:
    """The metadata that marks an outbox message (not a prompt) with its row id."""
    return {"event_type": MESSAGE_EVENT, "event_payload": {"outbox_id": row_id}}


def is_message(row_id: int) -> Callable[[dict[str, Any]], bool]:
    """Recognises the message of outbox row `row_id` in a history."""

    def match(message: dict[str, Any]) -> bool:
        metadata = message.get("metadata") or {}
        return (
            metadata.get("event_type") == MESSAGE_EVENT
            and (metadata.get("event_payload") or {}).get("outbox_id") == row_id
        )

    return match


@dataclass
class Task:
    """A claimed row with what to do in Slack: `post` a message, `upload` a file, or `delete` a message."""

    row_id: int
    team_id: str
    action: str
    body: dict[str, Any]
    mark: Callable[[dict[str, Any]], bool]  # recognises the message in Slack
    user_id: str | None
    channel: str | None
    check: bool  # look in Slack before sending: it may be there already
    thread_ts: str | None = None
    latest_at: datetime | None = None  # no use after this: skipped, never sent
    late: bool = False  # a prompt taken over from another sender: past its latest-useful moment now …
    off_hours: bool = False  # … or outside the mentor's working hours now
    claimed_tick: float = field(default_factory=ticks)
    failures: int = 0

    def give_back(self, error: str | None) -> Outcome:
        """Back to the outbox for the next run, remembering whether Slack must be looked at first."""
        return Outcome(self.row_id, DeliveryStatus.PLANNED, error=error, keep_claim=self.check)

    def sent(self, ts: str | None, channel: str | None = None) -> Outcome:
        return Outcome(self.row_id, DeliveryStatus.SENT, channel_id=channel or self.channel, message_ts=ts)

    def skipped(self) -> Outcome:
        return Outcome(self.row_id, DeliveryStatus.SKIPPED, error=LATE, channel_id=self.channel)


def advance(task: Task, client: WebClient, now: datetime) -> Outcome | tuple[Outcome, bool]:
    """Do the next Slack calls for `task`; (outcome, True) when it was found already in Slack."""
    if task.channel is None:
        task.channel = open_dm(client, str(task.user_id))
    if task.check:
        ts = look(client, task)
        if ts is not None:
            return task.sent(ts), True
        task.check = False
        if task.late:
            return task.skipped()
        if task.off_hours:
            return task.give_back(None)
    if task.latest_at is not None and now > task.latest_at:
        return task.skipped()
    return perform(client, task)


def perform(client: WebClient, task: Task) -> Outcome:
    """Send: post the message, upload the file, or delete the message."""
    if task.action == "delete":
        try:
            call(client.chat_delete, channel=task.channel, ts=task.body["ts"])
        except SlackFailure as failure:
            if failure.code not in GONE:
                raise
        return task.sent(None)
    if task.action == "upload":
        body = task.body
        content = {"file": base64.b64decode(body["data"])} if body.get("data") else {"content": body["content"]}
        extra = {"alt_txt": body["alt_text"]} if body.get("alt_text") else {}
        call(
            client.files_upload_v2,
            channel=task.channel,
            filename=body["filename"],
            title=body["title"],
            initial_comment=body["comment"],
            **content,
            **extra,
        )
        task.check = True  # its ts is only in the channel's history
        return task.sent(look(client, task))
    arguments = dict(task.body)
    if task.thread_ts:
        arguments["thread_ts"] = task.thread_ts
    response = call(client.chat_postMessage, channel=task.channel, **arguments)
    return task.sent(str(response["ts"]), str(response.get("channel") or task.channel))


def look(client: WebClient, task: Task) -> str | None:
    """`find`, except that a look Slack refuses for good (an installation without the history scope of an HR
    channel) lets the message be sent: posting twice at worst, never losing it."""
    try:
        return find(client, task)
    except SlackFailure as failure:
        if failure.transient:
            raise
        log.warning("could not look for outbox row %s in Slack (%s): sending it again", task.row_id, failure.code)
        return None


def find(client: WebClient, task: Task) -> str | None:
    """The ts of the task's message if Slack has it already (newest messages, or the thread for a reply)."""
    if task.action == "delete":
        return None
    if task.thread_ts:
        response = call(
            client.conversations_replies, channel=task.channel, ts=task.thread_ts, limit=200, include_all_metadata=True
        )
    else:
        response = call(
            client.conversations_history, channel=task.channel, limit=HISTORY_LIMIT, include_all_metadata=True
        )
    for message in response.get("messages") or []:
        if task.mark(message):
            return str(message["ts"])
    return None
