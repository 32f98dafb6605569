"""What the migration environment and the model/migration comparison share."""

from __future__ import annotations

from typing import Any

# APScheduler owns its job table; Alembic must neither create nor drop it.
EXTERNAL_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name in EXTERNAL_TABLES)
