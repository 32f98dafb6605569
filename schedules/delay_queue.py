"""A queue of work that becomes ready at a moment on the monotonic clock, for the sender's threads."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Generic, TypeVar

T = TypeVar("T")


def ticks() -> float:
    """Seconds on a monotonic clock."""
    # CLOCK_MONOTONIC read directly: freezegun freezes time.monotonic, and a retry must wait real seconds even
    # while a test has frozen the calendar clock.
    return time.clock_gettime(time.CLOCK_MONOTONIC)


class DelayQueue(Generic[T]):
    """Items that become ready at a monotonic moment; the earliest ready one is handed out first."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, T]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._closed = False

    def put(self, item: T, delay: float = 0.0) -> bool:
        """Queue `item` to be ready after `delay` seconds; False once the queue is closed."""
        with self._cond:
            if self._closed:
                return False
            heapq.heappush(self._heap, (ticks() + delay, next(self._order), item))
            self._cond.notify()
            return True

    def get(self) -> T | None:
        """The next ready item, waiting as needed; None once the queue is closed."""
        with self._cond:
            while not self._closed:
                if self._heap:
                    wait = self._heap[0][0] - ticks()
                    if wait <= 0:
                        return heapq.heappop(self._heap)[2]
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def close(self) -> list[T]:
        """Stop handing out items; returns those still waiting."""
        with self._cond:
            self._closed = True
            waiting = [entry[2] for entry in self._heap]
            self._heap.clear()
            self._cond.notify_all()
            return waiting
