"""What stopped a role's start-up, said in one line by the process that found it (kept light: the HTTP server's
main process imports it)."""

from __future__ import annotations


class StartupFailed(Exception):
    """A role cannot start; the message is the one line that says why and how to fix it."""
