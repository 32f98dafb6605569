"""The composition root: builds the Bolt app with its client and listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.deps import Deps
from bot.handover import Handover, Routing
from bot.i18n import t
from bot.inbound import GuardedApp
from bot.installations import token_rotator
from bot.queue_writer import QueueWriter
from bot.scopes import BOT_SCOPES
from bot.settings import Settings
from bot.slack_api import reading_client
from bot.workspaces import NotInstalled, Workspaces
from handlers import cohort_views, commands, events, home, kickoff, lifecycle, mentor_actions, mentor_views, peers
from handlers.subcommands import build_router
from storage.work_queue import COMMAND, EVENT, Queued

log = logging.getLogger(__name__)
LISTENER_THREADS = 32


def make_client(token: str | None, base_url: str, *, timeout: int = 10) -> WebClient:
    """A Web API client that retries rate limits (honouring Retry-After), 5xx answers and dropped connections."""
    return reading_client(token, base_url, timeout=timeout)


def create_app(deps: Deps, *, client: WebClient | None = None,
               listener_executor: ThreadPoolExecutor | None = None) -> App:  # fmt: skip
    """The Bolt app with every listener registered.

    With one bot token, Bolt verifies it with auth.test at once; in OAuth mode each workspace's token comes from
    the installation store, refreshed when it rotates.
    """
    settings = deps.settings
    settings.require_slack()
    deps = with_sender(deps)
    client = client or make_client(None if settings.oauth else settings.slack_bot_token, settings.slack_api_url)
    workspaces = Workspaces(settings, deps.engine, client)
    app = GuardedApp(
        signing_secret=settings.slack_signing_secret,
        client=client,
        logger=logging.getLogger("slack_bolt.App"),
        # Work done after ack() runs here; Bolt's default of 5 threads let slow listeners delay others' acks.
        listener_executor=listener_executor or listener_pool(),
        **_authorization(settings, workspaces, client),
    )
    home_publisher = home.register(app, deps)
    commands.register(app, build_router(deps, home_publisher))
    cohort_views.register(app, deps)
    kickoff.register(app, deps)
    mentor_actions.register(app, deps, home_publisher)
    mentor_views.register(app, deps, home_publisher)
    peers.register(app, deps, home_publisher)
    events.register(app, deps, home_publisher)
    lifecycle.register(app, deps, workspaces)
    return app


def create_handover(deps: Deps, writer: QueueWriter) -> Handover:
    """The `web` role's decision: the workers carry out `/mentori` commands that open no form and are not answered
    in the ack, and every DM and Home opening; the web process itself only verifies and queues them."""
    router = build_router(deps, home.HomePublisher(deps))
    settings = deps.settings

    def reply_lost(command: dict[str, Any]) -> None:
        url = str(command.get("response_url") or "")
        if url:
            WebhookClient(url).send(text=t(settings.language, "common.error"), response_type="ephemeral")

    routing = Routing(command=router.left_to_worker, event=events.left_to_worker)
    return Handover(writer, routing, now=deps.now, reply_lost=reply_lost)


def with_sender(deps: Deps) -> Deps:
    """`deps` able to send what a listener puts in the outbox at once (bot.outbox.deliver)."""
    if deps.send_now is not None:
        return deps
    from schedules.sender import send_now

    def send(client: WebClient, ids: Sequence[int]) -> None:
        send_now(deps.engine, client, ids, now=deps.now)

    return replace(deps, send_now=send)


def listener_pool() -> ThreadPoolExecutor:
    """Where Bolt runs listeners (and what they do after ack())."""
    return ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")


def _authorization(settings: Settings, workspaces: Workspaces, client: WebClient) -> dict[str, Any]:
    if workspaces.store is None:
        return {"token": settings.slack_bot_token}
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=sorted(BOT_SCOPES),
        installation_store=workspaces.store,
        installation_store_bot_only=True,
        state_store=workspaces.state_store,
        authorization_url=settings.slack_oauth_authorize_url,
        redirect_uri=settings.slack_redirect_uri,
    )
    authorize = oauth.authorize
    if getattr(authorize, "token_rotator", None) is not None:
        authorize.token_rotator = token_rotator(settings.slack_client_id or "", settings.slack_client_secret or "",
                                                client)  # fmt: skip
    return {"oauth_settings": oauth, "installation_store": workspaces.store}


def queued_work_runner(deps: Deps) -> Callable[[Queued], None]:
    """What a worker does with a command or event a web process queued: handle it with its workspace's client."""
    settings = deps.settings
    deps = with_sender(deps)
    client = make_client(None if settings.oauth else settings.slack_bot_token, settings.slack_api_url)
    workspaces = Workspaces(settings, deps.engine, client)
    publisher = home.HomePublisher(deps)
    handlers = {COMMAND: build_router(deps, publisher).run_queued, EVENT: events.DmEvents(deps, publisher).run_queued}

    def run(queued: Queued) -> None:
        handler = handlers.get(queued.kind)
        if handler is None:
            log.warning("queued %s dropped: this version does not know it", queued.kind)
            return
        try:
            team_client = workspaces.client_for(queued.team_id)
        except NotInstalled:
            log.info("queued %s for %s dropped: Mentori is no longer installed there", queued.kind, queued.team_id)
            return
        handler(queued, team_client)

    return run
