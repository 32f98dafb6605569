"""The composition root: builds the Bolt app with its client and listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_bolt import Respond
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import programme_store
from bot.blocks.kit import say
from bot.deps import Deps
from bot.handover import Handover, Routing
from bot.i18n import t
from bot.inbound import GuardedApp
from bot.installations import token_rotator
from bot.queue_writer import QueueWriter
from bot.scopes import BOT_SCOPES
from bot.settings import Settings
from bot.slack_api import reading_client
from bot.surfaces.home import HomePublisher
from bot.workspaces import NotInstalled, Workspaces
from handlers import (
    calendar_views,
    cohort_commands,
    cohort_views,
    commands,
    events,
    home,
    importing,
    kickoff,
    lifecycle,
    mentor_actions,
    mentor_views,
    peers,
    programme_choice,
    status,
    summary,
    summary_review,
)
from handlers.commands import CommandRouter
from storage.work_queue import COMMAND, EVENT, Queued

log = logging.getLogger(__name__)
LISTENER_THREADS = 32
# A queued command not started within this time is answered "run it again" instead: the user has moved on,
# and Slack's response_url stops working after 30 minutes.
QUEUED_FOR_AT_MOST = timedelta(minutes=2)
HOME_STALE_AFTER = timedelta(minutes=2)


def make_client(token: str | None, base_url: str, *, timeout: int = 10) -> WebClient:
    """A Web API client that retries rate limits (honouring Retry-After), 5xx answers and dropped connections."""
    return reading_client(token, base_url, timeout=timeout)


def create_app(
    deps: Deps, *, client: WebClient | None = None, listener_executor: ThreadPoolExecutor | None = None
) -> GuardedApp:
    """The Bolt app with every listener registered.

    With one bot token, Bolt verifies it with auth.test at once; in OAuth mode each workspace's token comes from
    the installation store, refreshed when it rotates.
    """
    settings = deps.settings
    settings.require_slack()
    programme_store.install(deps.engine)
    deps = with_sender(deps)
    client = client or make_client(None if settings.oauth else settings.slack_bot_token, settings.slack_api_url)
    workspaces = Workspaces(settings, deps.engine, client)
    app = GuardedApp(
        signing_secret=settings.slack_signing_secret or "",  # require_slack() made sure it is set
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
    summary_review.register(app, deps, home_publisher)
    importing.register(app, deps)
    calendar_views.register(app, deps)
    programme_choice.register(app, deps)
    mentor_actions.register(app, deps, home_publisher)
    mentor_views.register(app, deps, home_publisher)
    peers.register(app, deps, home_publisher)
    events.register(app, deps, home_publisher)
    lifecycle.register(app, deps, workspaces)
    return app


def create_handover(deps: Deps, writer: QueueWriter) -> Handover:
    """The `web` role's decision: the workers carry out `/mentori` commands that open no form and are not answered
    in the ack, and every DM and Home opening; the web process itself only verifies and queues them."""
    router = build_router(deps, HomePublisher(deps))
    settings = deps.settings

    def reply_lost(command: dict[str, Any]) -> None:
        url = str(command.get("response_url") or "")
        if url:
            WebhookClient(url).send(text=t(settings.language, "common.error"), response_type="ephemeral")

    routing = Routing(command=router.may_run_later, event=left_to_worker)
    return Handover(writer, routing, now=deps.now, reply_lost=reply_lost)


def build_router(deps: Deps, publisher: HomePublisher) -> CommandRouter:
    """`/mentori` with every subcommand: the web process's listener and the worker's runner share it."""
    router = CommandRouter(deps)
    cohort_commands.add_subcommands(router, deps)
    kickoff.add_subcommands(router, deps)
    importing.add_subcommands(router, deps)
    status.add_subcommands(router, deps)
    summary.add_subcommands(router, deps)
    peers.add_subcommands(router, deps)
    mentor_actions.add_subcommands(router, deps, publisher)
    return router


def with_sender(deps: Deps) -> Deps:
    """`deps` able to send what a listener puts in the outbox at once (bot.outbox.deliver)."""
    if deps.send_now is not None:
        return deps
    from schedules.sender import send_now

    def send(client: WebClient, ids: Sequence[int]) -> None:
        send_now(deps.engine, client, ids, now=deps.now, language=deps.settings.language)

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
        authorize.token_rotator = token_rotator(  # type: ignore[attr-defined]  # only the OAuth authorize has it
            settings.slack_client_id or "", settings.slack_client_secret or "", client
        )
    return {"oauth_settings": oauth, "installation_store": workspaces.store}


def left_to_worker(body: dict[str, Any]) -> bool:
    """The events a worker carries out: a DM a person wrote, and a Home tab opened."""
    event = body.get("event") if body.get("type") == "event_callback" else None
    return isinstance(event, dict) and (
        event.get("type") == "app_home_opened" or (event.get("type") == "message" and events.human_dm(event))
    )


def queued_work_runner(deps: Deps) -> Callable[[Queued], None]:
    """What a worker does with a command or event a web process queued: handle it with its workspace's client."""
    settings = deps.settings
    programme_store.install(deps.engine)
    deps = with_sender(deps)
    client = make_client(None if settings.oauth else settings.slack_bot_token, settings.slack_api_url)
    workspaces = Workspaces(settings, deps.engine, client)
    publisher = HomePublisher(deps)
    router, dm_events = build_router(deps, publisher), events.DmEvents(deps, publisher)
    handlers: dict[str, Callable[[Queued, WebClient], None]] = {
        COMMAND: lambda queued, team_client: run_queued_command(deps, router, queued, team_client),
        EVENT: lambda queued, team_client: run_queued_event(deps, dm_events, queued, team_client),
    }

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


def run_queued_command(deps: Deps, router: CommandRouter, queued: Queued, client: WebClient) -> None:
    """In a worker: carry out a command a web process queued, unless it waited so long the user has moved on."""
    body = queued.payload
    respond = Respond(response_url=body.get("response_url"))
    name = str(body.get("text", "")).split(maxsplit=1)[:1]
    if not router.knows(body):
        log.warning("a queued /mentori %s has no handler in this version; dropped", "".join(name))
        return
    waited = deps.now() - queued.enqueued_at
    if waited > QUEUED_FOR_AT_MOST:
        log.warning("a queued /mentori %s waited %s; answered 'too late'", "".join(name), waited)
        respond(text=say(router.language(body), "common.too_late"), response_type="ephemeral")
        return
    router.carry_out(body, respond, client)


def run_queued_event(deps: Deps, dm_events: events.DmEvents, queued: Queued, client: WebClient) -> None:
    """In a worker: handle an event a web process queued. A DM is always handled — it may be an answer — but a Home
    opened minutes ago is not drawn any more."""
    body = queued.payload
    event = body.get("event") or {}
    if event.get("type") == "message" and events.human_dm(event):
        dm_events.message(body, event, client)
    elif event.get("type") == "app_home_opened" and deps.now() - queued.enqueued_at <= HOME_STALE_AFTER:
        dm_events.home_opened(body, event, client)
