"""Socket Mode that stays connected: after a network drop it reconnects with growing pauses, and says so."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

CHECK_EVERY = 5.0  # seconds between looks at the connection
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 60.0


class Connection(Protocol):
    """What of slack_sdk's SocketModeClient the supervisor uses."""

    def connect(self) -> None: ...
    def is_connected(self) -> bool: ...
    def connect_to_new_endpoint(self, force: bool = False) -> None: ...


def keep_connected(
    client: Connection,
    wait: Callable[[float], bool],
    *,
    check_every: float = CHECK_EVERY,
    first: float = FIRST_PAUSE,
    longest: float = LONGEST_PAUSE,
) -> None:
    """Connect, then until `wait` reports a stop: reconnect whenever the connection is lost, pausing 1, 2, 4 … up
    to 60 seconds between failed tries. The first connect's error is raised (a start-up error, said in one line);
    later ones are logged, one line each, and tried again."""
    from bot.startup import one_line

    client.connect()
    log.info("Socket Mode connected")
    pause = first
    while not wait(check_every):
        if client.is_connected():
            pause = first
            continue
        log.warning("Socket Mode connection lost; reconnecting in %.0f s", pause)
        while True:
            if wait(pause):
                return
            try:
                client.connect_to_new_endpoint(force=True)
            except Exception as error:  # a network error, or Slack refusing: either way, try again later
                pause = min(pause * 2, longest)
                log.warning(
                    "Socket Mode reconnect failed (%s); next try in %.0f s",
                    one_line(error) or f"{type(error).__name__}: {error}",
                    pause,
                )
                continue
            log.info("Socket Mode reconnected")
            pause = first
            break
