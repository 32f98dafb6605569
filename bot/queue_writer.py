"""What a `web` process hands to the workers, written to the work queue in batches.

One transaction every few milliseconds instead of one per request: the process that acknowledges Slack's
requests spends its CPU on acknowledging. The buffer is bounded; an item waits in it for milliseconds, so a web
process that dies loses at most what it acknowledged in that time — as it would dying just after an ack.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from storage import work_queue

log = logging.getLogger(__name__)

EVERY = 0.005  # seconds to let a batch gather after its first item
BATCH = 100  # items built into rows under one hold of the GIL: a longer hold delays the acks waiting for it
CAPACITY = 10_000
ATTEMPTS = 3


@dataclass(frozen=True)
class Pending:
    item: work_queue.Item
    lost: Callable[[], None] | None = None  # called when the item could not be written (e.g. tell the user)


class QueueWriter:
    """A bounded buffer and the thread that empties it into the work queue."""

    def __init__(
        self, engine: Engine, *, every: float = EVERY, capacity: int = CAPACITY, retry_wait: float = 0.5
    ) -> None:
        self.engine = engine
        self.every = every
        self.retry_wait = retry_wait
        self._buffer: queue.Queue[Pending] = queue.Queue(maxsize=capacity)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._write_until_closed, name="queue-writer", daemon=True)

    def start(self) -> QueueWriter:
        self._thread.start()
        return self

    def put(self, pending: Pending) -> bool:
        """Hand an item over; False when the buffer is full (the database has been failing for a while) or the
        writer has been closed."""
        if self._closing.is_set():
            log.error("a %s arrived after the queue writer was closed; it is not queued", pending.item.kind)
            return False
        try:
            self._buffer.put_nowait(pending)
            return True
        except queue.Full:
            return False

    def flush(self) -> None:
        """Wait until everything handed over so far is written (or given up)."""
        self._buffer.join()

    def close(self) -> None:
        """Write what is left, then stop."""
        self._closing.set()
        if self._thread.is_alive():
            self._thread.join()

    def _write_until_closed(self) -> None:
        while not (self._closing.is_set() and self._buffer.empty()):
            try:
                first = self._buffer.get(timeout=0.2)
            except queue.Empty:
                continue
            if not self._closing.is_set():
                self._closing.wait(self.every)
            batch = [first]
            while len(batch) < BATCH:
                try:
                    batch.append(self._buffer.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)
            for _ in batch:
                self._buffer.task_done()

    def _write(self, batch: list[Pending]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                work_queue.enqueue_many(self.engine, [pending.item for pending in batch])
                return
            except Exception as error:
                log.warning(
                    "writing %s queued items failed (attempt %s of %s): %s",
                    len(batch),
                    attempt,
                    ATTEMPTS,
                    error.__class__.__name__,
                )
                if attempt < ATTEMPTS:
                    self._closing.wait(self.retry_wait * attempt)
        log.error("%s queued items were lost: the database did not take them", len(batch))
        for pending in batch:
            if pending.lost is not None:
                try:
                    pending.lost()
                except Exception as error:
                    log.warning("telling the user about a lost item failed: %s", error.__class__.__name__)
