"""Golden files: what users will see, stored as JSON so a reviewer can read it. UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.support.block_kit import validate_blocks, validate_view

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def assert_golden(name: str, data: Any, *, surface: str | None = None) -> None:
    """Compare `data` with tests/golden/<name>.json; with `surface`, also validate it as Block Kit."""
    if surface == "view":
        errors = validate_view(data)
        assert not errors, f"{name}: invalid view: {errors}"
    elif surface is not None:
        blocks = data["blocks"] if isinstance(data, dict) else data
        errors = validate_blocks(blocks, surface)
        assert not errors, f"{name}: invalid blocks: {errors}"
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden file tests/golden/{name}.json: run with UPDATE_GOLDEN=1, then review it"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(rendered), (
        f"{name} differs from tests/golden/{name}.json; if the change is intended, rerun with UPDATE_GOLDEN=1"
    )
