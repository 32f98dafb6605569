"""Socket Mode after a network drop: reconnects with growing pauses, one log line per try, and stops when told."""

from __future__ import annotations

import logging
import urllib.error

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.socket_mode import keep_connected


class Connection:
    """A Socket Mode client whose connection drops and whose reconnects fail as scripted."""

    def __init__(self, connected: list[bool], reconnects: list[Exception | None]) -> None:
        self.connected, self.reconnects = connected, reconnects
        self.connects, self.tries = 0, 0

    def connect(self) -> None:
        self.connects += 1

    def is_connected(self) -> bool:
        return self.connected.pop(0) if self.connected else True

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        assert force
        self.tries += 1
        outcome = self.reconnects.pop(0)
        if outcome is not None:
            raise outcome


class Clock:
    """`wait` for keep_connected: records each pause and says "stop" after `stop_after` waits."""

    def __init__(self, stop_after: int) -> None:
        self.pauses: list[float] = []
        self.stop_after = stop_after

    def wait(self, seconds: float) -> bool:
        self.pauses.append(seconds)
        return len(self.pauses) >= self.stop_after


def _refused() -> SlackApiError:
    url = "https://slack.com/api/apps.connections.open"
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=url,
        req_args={},
        data={"ok": False, "error": "invalid_auth"},
        headers={},
        status_code=200,
    )
    return SlackApiError("refused", response)


def test_a_dropped_connection_is_reconnected_with_growing_pauses(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.socket_mode")
    down = urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
    connection = Connection(connected=[True, False], reconnects=[down, down, _refused(), None])
    clock = Clock(stop_after=9)
    keep_connected(connection, clock.wait, check_every=5, first=1, longest=4)
    assert connection.connects == 1 and connection.tries == 4
    # two looks at a live connection, then the lost one: pauses 1, 2, 4 and 4 (the longest) before the 4 tries
    assert clock.pauses[:6] == [5, 5, 1, 2, 4, 4]
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "Socket Mode connected"
    assert lines[1] == "Socket Mode connection lost; reconnecting in 1 s"
    assert lines[2].startswith("Socket Mode reconnect failed (SLACK_API_URL: Slack at ") and lines[2].endswith(
        "; next try in 2 s"
    )
    assert "SLACK_APP_TOKEN was refused by Slack (invalid_auth)" in lines[4]
    assert lines[5] == "Socket Mode reconnected"
    assert all("\n" not in line for line in lines) and not any(r.exc_info for r in caplog.records)


def test_the_first_connection_error_stops_the_start(caplog: pytest.LogCaptureFixture) -> None:
    class Refusing(Connection):
        def connect(self) -> None:
            raise _refused()

    with pytest.raises(SlackApiError):
        keep_connected(Refusing([], []), Clock(stop_after=1).wait)


def test_a_stop_ends_the_wait_between_tries() -> None:
    down = ConnectionResetError(104, "Connection reset by peer")
    connection = Connection(connected=[False], reconnects=[down] * 5)
    clock = Clock(stop_after=3)
    keep_connected(connection, clock.wait, check_every=5, first=1, longest=60)
    assert clock.pauses == [5, 1, 2] and connection.tries == 1
