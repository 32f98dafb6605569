"""The composition root: builds the Bolt app with its client and listeners."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.deps import Deps
from bot.metrics import MeteredWebClient
from handlers import commands

log = logging.getLogger(__name__)


def make_client(token: str | None, base_url: str, *, timeout: int = 10) -> WebClient:
    """A Web API client that retries rate limits (honouring Retry-After), 5xx answers and dropped connections."""
    client = MeteredWebClient(token=token, base_url=base_url, timeout=timeout)
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ]
    )
    return client


def create_app(deps: Deps, *, client: WebClient | None = None) -> App:
    """The Bolt app with every listener registered; verifies the token with auth.test."""
    settings = deps.settings
    settings.require_slack()
    app = App(
        token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret,
        client=client or make_client(settings.slack_bot_token, settings.slack_api_url),
        logger=logging.getLogger("slack_bolt.App"),
    )
    commands.register(app, deps)
    return app
