"""Waiting for other processes in end-to-end tests: on progress, never on a fixed short time.

A machine shared with other work runs the processes slowly, not wrongly, so a wait gives up only when nothing has
moved for a long time, or after a deadline far beyond any normal run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

STALLED = 90.0  # seconds without progress before a wait gives up
AT_MOST = 900.0  # seconds in all


def wait_for(
    what: str,
    done: Callable[[], bool],
    *,
    progress: Callable[[], object] = lambda: None,
    said: Callable[[], str] = lambda: "",
    stalled: float = STALLED,
    at_most: float = AT_MOST,
) -> None:
    """Return once `done()`; fail when `progress()` has not changed for `stalled` seconds or after `at_most`."""
    start = time.monotonic()
    last, moved = progress(), start
    while not done():
        now = time.monotonic()
        current = progress()
        if current != last:
            last, moved = current, now
        if now - moved > stalled or now - start > at_most:
            raise AssertionError(
                f"{what} did not happen: nothing moved for {now - moved:.0f} s (last seen: {current!r})\n{said()}"
            )
        time.sleep(0.05)
