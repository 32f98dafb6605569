"""`python -m tests.support.clocked --at 2027-01-11T12:00:00+00:00 worker`: the real `python -m bot …`, with a clock.

End-to-end tests need the app's calendar at a moment of their choosing (a Monday in working hours, a restart three
minutes later), whatever the day they run on. The clock starts at `--at` and runs at normal speed (freezegun with
`tick=True`), so the scheduler's timers and Slack's timeouts behave as they would in production.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from freezegun import freeze_time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--at", required=True, type=datetime.fromisoformat, help="the clock's start, ISO 8601")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="what to give `python -m bot`")
    options = parser.parse_args(argv)
    freeze_time(options.at, tick=True).start()
    from bot.__main__ import main as bot_main

    return bot_main(options.command)


if __name__ == "__main__":
    sys.exit(main())
