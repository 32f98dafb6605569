"""The tables of slack_sdk's OAuth installation and state stores, so Alembic creates them like ours."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData


def oauth_metadata() -> MetaData:
    metadata = MetaData()
    store = SQLAlchemyInstallationStore
    store.build_installations_table(metadata, store.default_installations_table_name)
    store.build_bots_table(metadata, store.default_bots_table_name)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, SQLAlchemyOAuthStateStore.default_table_name)
    return metadata
