"""The app removed from a workspace, or its tokens revoked: stop everything for that workspace."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from sqlalchemy import update

from bot.deps import Deps
from bot.workspaces import Workspaces
from storage.db import session_scope
from storage.models import Delivery, DeliveryStatus

log = logging.getLogger(__name__)


def register(app: App, deps: Deps, workspaces: Workspaces) -> None:
    def app_uninstalled(body: dict[str, Any]) -> None:
        team_id = str(body.get("team_id", ""))
        stopped = stop_workspace(deps, team_id)
        workspaces.forget(team_id)
        log.info("app uninstalled from a workspace; %s planned prompts cancelled", stopped, extra={"team_id": team_id})

    def tokens_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        team_id = str(body.get("team_id", ""))
        if event.get("tokens", {}).get("bot"):
            stopped = stop_workspace(deps, team_id)
            workspaces.forget(team_id)
            log.info("bot token revoked; %s planned prompts cancelled", stopped, extra={"team_id": team_id})

    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)


def stop_workspace(deps: Deps, team_id: str) -> int:
    """Cancel every prompt not yet sent in the workspace; answers stay until the retention job removes them."""
    with session_scope(deps.engine) as session:
        result = session.exec(
            update(Delivery)
            .where(Delivery.team_id == team_id, Delivery.status == DeliveryStatus.PLANNED)  # type: ignore[arg-type]  # a model attribute in a query is a column
            .values(status=DeliveryStatus.CANCELLED, last_error="uninstalled")
        )
        return int(result.rowcount or 0)
