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


class JsonFormatter(logging.Formatter):
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
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    for name in SILENT_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
