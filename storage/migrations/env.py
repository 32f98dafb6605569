"""Alembic environment: runs against the engine Mentori hands over, or the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import make_engine
from storage.migrations.env_helpers import include_object
from storage.oauth_tables import oauth_metadata

target_metadata = [SQLModel.metadata, oauth_metadata()]


def run_migrations() -> None:
    engine: Engine | None = context.config.attributes.get("engine")
    if engine is None:
        engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
