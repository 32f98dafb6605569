"""Logging: plain or JSON lines, with Slack secrets redacted and chatty libraries kept quiet."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

SECRET = re.compile(r"\b(xox[abposr]-|xapp-)[A-Za-z0-9-]+")
# These libraries log request and response bodies at DEBUG, which would carry reflections and tokens.
QUIET_LIBRARIES = ("slack_bolt", "slack_sdk", "urllib3", "apscheduler.executors")
# SQLAlchemy logs every statement with its parameters (answer texts included) already at INFO.
# alembic.runtime.plugins lists its plugins at INFO whenever alembic is imported: noise at every start.
SILENT_LIBRARIES = ("sqlalchemy.engine", "sqlalchemy.pool", "alembic.runtime.plugins")


def redact(text: str) -> str:
    return SECRET.sub(lambda match: match.group(1) + "…", text)


class RedactingFilter(logging.Filter):
    """Replaces anything that looks like a Slack token in a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def error_summary(record: logging.LogRecord) -> str:
    """`Type: message` of a record's exception, on one line."""
    if not record.exc_info or record.exc_info[1] is None:
        return ""
    error = record.exc_info[1]
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


class OneLineFormatter(logging.Formatter):
    """Text lines; an exception adds its type and message to the line, and its traceback only at DEBUG."""

    def __init__(self, fmt: str, *, tracebacks: bool) -> None:
        super().__init__(fmt)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self.tracebacks or not record.exc_info:
            return super().format(record)
        summary = error_summary(record)
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        return f"{line} ({summary})" if summary else line


class AlembicChatter(logging.Filter):
    """Drops the two lines alembic logs every time a revision is read; keeps the migrations it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Context impl ") or message.startswith("Will assume "))


class JsonFormatter(logging.Formatter):
    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "team_id", "user_id", "cohort_id", "delivery_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info) if self.tracebacks else error_summary(record)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    tracebacks = level.upper() == "DEBUG"  # below DEBUG an error is one line: what happened, not where
    if fmt == "json":
        handler.setFormatter(JsonFormatter(tracebacks=tracebacks))
    else:
        handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", tracebacks=tracebacks))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    for name in SILENT_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    migration = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, AlembicChatter) for f in migration.filters):
        migration.addFilter(AlembicChatter())
