"""The Alembic migrations create exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import current_revision, head_revision
from storage.migrations.env_helpers import include_object
from storage.oauth_tables import oauth_metadata


def test_migrated_database_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
        differences = compare_metadata(context, [SQLModel.metadata, oauth_metadata()])
    assert differences == []


def test_database_is_at_the_newest_revision(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)


def test_every_model_table_exists_with_a_team_id_where_it_belongs(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    workspace_tables = set(SQLModel.metadata.tables) - {"slack_user", "processed_event", "worker_beat"}
    for name in workspace_tables:
        columns = {column["name"] for column in inspect(engine).get_columns(name)}
        assert "team_id" in columns, f"{name} has no team_id"
