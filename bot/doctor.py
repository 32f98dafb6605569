"""`python -m bot doctor`: checks the Slack token, the database, the scheduler, the workers and every HR channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, select

from bot.scopes import BOT_SCOPES
from bot.slack_api import error_code
from storage import work_queue, worker_beats
from storage.db import current_revision, database_answers, head_revision
from storage.models import Cohort, CohortStatus, Organisation


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    fix: str = ""


Check = Callable[[], list[Finding]]
COMMANDS_LATE = timedelta(seconds=10)


def run_checks(engine: Engine, client: WebClient) -> list[Finding]:
    """Every check, in the order an operator would fix things."""
    findings = check_slack(client)
    findings += check_database(engine)
    if findings[-1].ok:
        findings += check_scheduler(engine)
        findings += check_workers(engine)
        findings += check_hr_channels(engine, client)
    return findings


def check_slack(client: WebClient) -> list[Finding]:
    try:
        response = client.auth_test()
    except SlackApiError as error:
        code = error_code(error)
        return [
            Finding(
                False,
                f"Slack refused the bot token ({code}).",
                "Copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions into SLACK_BOT_TOKEN.",
            )
        ]
    except OSError as error:
        return [
            Finding(
                False,
                f"Slack's Web API did not answer at {client.base_url} ({error.__class__.__name__}).",
                "Check SLACK_API_URL and the network or proxy between Mentori and Slack.",
            )
        ]
    findings = [Finding(True, f"Token works: bot {response.get('user_id')} in team {response.get('team_id')}.")]
    granted = {s.strip() for s in (response.headers.get("x-oauth-scopes") or "").split(",") if s.strip()}
    missing, extra = sorted(BOT_SCOPES - granted), sorted(granted - BOT_SCOPES)
    if missing:
        findings.append(
            Finding(
                False,
                f"The token lacks scopes: {', '.join(missing)}.",
                "Paste manifest.yml into the app's App Manifest page, save, and reinstall the app.",
            )
        )
    else:
        findings.append(Finding(True, "The token has every scope the manifest asks for."))
    if extra:
        findings.append(
            Finding(
                False,
                f"The token has scopes Mentori does not need: {', '.join(extra)}.",
                "Remove them in OAuth & Permissions and reinstall: least privilege.",
            )
        )
    return findings


def check_database(engine: Engine) -> list[Finding]:
    if not database_answers(engine):
        return [
            Finding(
                False,
                f"The database at {engine.url.render_as_string(hide_password=True)} does not answer.",
                "Check DATABASE_URL and that the database server is running.",
            )
        ]
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        return [
            Finding(
                False,
                f"The database is at revision {current}, the code expects {head}.",
                "Run `python -m bot db upgrade`.",
            )
        ]
    return [Finding(True, f"Database answers and is at the newest revision ({head}).")]


def check_scheduler(engine: Engine) -> list[Finding]:
    if "apscheduler_jobs" not in inspect(engine).get_table_names():
        return [
            Finding(
                False,
                "No scheduled jobs are stored yet: prompts will not go out.",
                "Start `python -m bot run` or `python -m bot worker`; it creates its jobs at start.",
            )
        ]
    with engine.connect() as connection:
        jobs = [row[0] for row in connection.execute(text("SELECT id FROM apscheduler_jobs ORDER BY id"))]
    if not jobs:
        return [Finding(False, "The scheduler's job table is empty.", "Start `python -m bot worker`.")]
    return [Finding(True, f"Scheduler jobs stored: {', '.join(jobs)}.")]


def check_workers(engine: Engine, now: datetime | None = None) -> list[Finding]:
    """A process leading the scheduler was heard from lately, and nothing has waited long for a worker."""
    now = now or datetime.now(UTC)
    alive = worker_beats.workers(engine, now=now)
    if alive.leader is None:
        heard = f"{alive.alive} worker(s) running, none leading" if alive.alive else "No worker has been heard from"
        findings = [
            Finding(
                False,
                f"{heard} in the last minute: prompts are not sent, and behind `web` no /mentori command is answered.",
                "Start `python -m bot worker` (or `python -m bot run`), and read its log.",
            )
        ]
    else:
        findings = [Finding(True, f"{alive.alive} worker(s) running; {alive.leader} leads the scheduler.")]
    waiting, oldest = work_queue.backlog(engine)
    if oldest is not None and now - oldest > COMMANDS_LATE:
        findings.append(
            Finding(
                False,
                f"{waiting} command(s) or event(s) wait for a worker, the oldest since {oldest:%Y-%m-%d %H:%M:%S} UTC.",
                "Start another `python -m bot worker`, or see why the workers are busy.",
            )
        )
    return findings


def check_hr_channels(engine: Engine, client: WebClient) -> list[Finding]:
    findings: list[Finding] = []
    with Session(engine) as session:
        rows = session.exec(
            select(Organisation, Cohort)
            .join(Cohort, Cohort.id == Organisation.cohort_id)  # type: ignore[arg-type]  # a model attribute in a query is a column
            .where(Cohort.status == CohortStatus.ACTIVE)
        ).all()
    for organisation, cohort in rows:
        where = f"{cohort.name} / {organisation.name}"
        if not organisation.hr_channel_id:
            findings.append(
                Finding(
                    False,
                    f"{where}: no HR channel.",
                    f'Run `/mentori org add "{cohort.name}" "{organisation.name}" #channel`.',
                )
            )
            continue
        findings.append(_check_channel(client, where, organisation.hr_channel_id))
    return findings


def _check_channel(client: WebClient, where: str, channel_id: str) -> Finding:
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        code = error_code(error)
        return Finding(
            False,
            f"{where}: HR channel {channel_id} cannot be read ({code}).",
            "Invite @Mentori to the channel (/invite @Mentori), or name another channel.",
        )
    if not channel.get("is_private"):
        return Finding(
            False,
            f"{where}: HR channel #{channel.get('name')} is public; summaries are not posted there.",
            "Convert the channel to private in its settings, or name a private one.",
        )
    if not channel.get("is_member"):
        return Finding(
            False,
            f"{where}: Mentori is not in #{channel.get('name')}.",
            f"Write `/invite @Mentori` in #{channel.get('name')}.",
        )
    return Finding(True, f"{where}: #{channel.get('name')} is private and Mentori is a member.")
