"""Idle memory (RSS) of `python -m bot run` in HTTP mode, against a bare Python interpreter as baseline.

Usage: python bench/idle_memory.py [--settle 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import PYTHON, ROOT, fake_slack_process, machine, wait_for
from tests.support.process import free_port


def rss_kib(pid: int) -> int:
    """Resident memory of a process and all its children (the HTTP server's processes), in KiB."""
    total = 0
    for process in [pid, *children(pid)]:
        status = Path(f"/proc/{process}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        path = task / "children"
        if path.exists():
            for child in path.read_text().split():
                found += [int(child), *children(int(child))]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait after start-up")
    args = parser.parse_args()
    baseline = subprocess.Popen([PYTHON, "-c", "import time; time.sleep(60)"])
    time.sleep(0.5)
    bare = rss_kib(baseline.pid)
    baseline.terminate()
    with tempfile.TemporaryDirectory() as tmp, fake_slack_process() as slack_url:
        port = free_port()
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": slack_url,
            "DATABASE_URL": f"sqlite:///{tmp}/idle.sqlite3",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "PATH": "/usr/bin:/bin",
        }
        process = subprocess.Popen(
            [PYTHON, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for("127.0.0.1", port)
            time.sleep(args.settle)
            mentori = rss_kib(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=20)
    print(f"machine: {machine()}")
    print(f"bare interpreter (baseline): {bare / 1024:6.1f} MiB")
    print(f"python -m bot run, idle:     {mentori / 1024:6.1f} MiB (all processes; aim < 150 MB)")
    print(f"difference:                  {(mentori - bare) / 1024:6.1f} MiB")


if __name__ == "__main__":
    main()
