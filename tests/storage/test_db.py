"""The engine: errors it raises never carry what a statement was given (a reflection's text)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from storage.db import make_engine


def test_a_failing_statement_does_not_show_its_parameters(database_url: str) -> None:
    engine: Engine = make_engine(database_url)
    try:
        with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO dm_note (team_id, delivery_id, channel_id, message_ts, text, "
                    "created_at) VALUES (:team, 999999, 'D1', '1.1', :text, CURRENT_TIMESTAMP)"
                ),
                {"team": "T111", "text": "my private reflection"},
            )
        assert "my private reflection" not in str(raised.value)
    finally:
        engine.dispose()
