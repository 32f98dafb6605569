"""`python -m bot …`: the command line of Mentori."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from bot.i18n import LANGUAGES
from bot.settings import Settings, SettingsError, load_settings

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        handler: Handler = args.handler
        return handler(args)
    except SettingsError as error:
        print(f"mentori: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        from bot.startup import one_line

        line = one_line(error)
        if line is None:
            raise
        print(f"mentori: {line}", file=sys.stderr)
        if os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG":
            traceback.print_exc()
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Mentori: a Slack app for learning-mentor programmes.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="apply migrations and run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)",
        description="Apply database migrations, then serve Slack: Socket Mode when SLACK_APP_TOKEN is set, "
        "otherwise HTTP on PORT with POST /slack/events and GET /healthz.",
    )
    run.set_defaults(handler=_run)

    web = commands.add_parser(
        "web",
        help="serve Slack's HTTP requests only (several processes; run any number behind a load balancer)",
        description="Serve POST /slack/events, GET /healthz and GET /metrics on PORT with WEB_WORKERS processes of "
        "WEB_THREADS threads. Sends no scheduled prompts: run `python -m bot worker` for that.",
    )
    web.set_defaults(handler=_web)

    worker = commands.add_parser(
        "worker",
        help="run the scheduler: send due prompts and reminders, refresh time zones (run one or two)",
        description="Run the scheduler alone: every 15 s send the prompts that are due, hourly the reminders, daily "
        "refresh mentors' time zones. Of several workers one leads (runs the stored jobs) and the others stand by "
        "and help send; if the leader stops, another takes over. Needs SLACK_BOT_TOKEN (or OAuth installs) and a "
        "migrated database. SIGTERM stops it gracefully: prompts being sent are finished, the rest are left for the "
        "next run.",
    )
    worker.set_defaults(handler=_worker)

    doctor = commands.add_parser(
        "doctor",
        help="check the Slack token and scopes, the database, the scheduler and every HR channel",
        description="Call auth.test and compare the token's scopes with the manifest, check the database revision, "
        "the scheduler's jobs and each HR channel's privacy and membership; print what is wrong and how to fix it.",
    )
    doctor.set_defaults(handler=_doctor)

    db = commands.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_commands = db.add_subparsers(title="commands", metavar="COMMAND")
    upgrade = db_commands.add_parser(
        "upgrade", help="apply migrations up to the newest", description="Apply Alembic migrations up to head."
    )
    upgrade.set_defaults(handler=_db_upgrade)
    db.set_defaults(handler=lambda _args: _usage(db))

    programme = commands.add_parser(
        "programme", help="check or preview programme templates", description="Check or preview programme templates."
    )
    programme_commands = programme.add_subparsers(title="commands", metavar="COMMAND")
    check = programme_commands.add_parser(
        "check",
        help="validate a programme template",
        description="Validate a programme template; every error names the file, the step and what is wrong.",
    )
    check.add_argument("file", type=Path, help="the template (TOML)")
    check.set_defaults(handler=_programme_check)
    preview = programme_commands.add_parser(
        "preview",
        help="print the dated timeline of a programme",
        description="Print every step of the programme with its date, time, kind and text, for a cohort whose "
        "session 1 is on START (sessions 2 and 3 four and eight weeks later). Needs no Slack and no tokens.",
    )
    preview.add_argument("file", type=Path, nargs="?", help="the template (default: the built-in Feeniks programme)")
    preview.add_argument("--start", required=True, type=_iso_date, help="date of session 1, YYYY-MM-DD")
    preview.add_argument("--lang", choices=LANGUAGES, default="fi", help="language of the texts (default fi)")
    preview.add_argument("--tz", default=None, help="time zone (default MENTORI_TZ or Europe/Helsinki)")
    preview.set_defaults(handler=_programme_preview)
    programme.set_defaults(handler=lambda _args: _usage(programme))

    bulk = commands.add_parser(
        "import",
        help="add mentors and HR contacts to a cohort from a CSV file",
        description="Add the people of a CSV file to a cohort. Columns: email, organisation (as named in the "
        "cohort), role (mentor or hr) and, optionally, language (fi, sv or en). Each e-mail is looked up in Slack "
        "(users.lookupByEmail). All or nothing: if any row cannot be used, every such row is listed with the reason "
        "and nothing is written. New mentors get their welcome message once the import is saved.",
    )
    bulk.add_argument("file", type=Path, help="the CSV file (UTF-8; comma, semicolon or tab separated)")
    bulk.add_argument("--cohort", required=True, help="the cohort's name; quote it if it has spaces")
    bulk.add_argument(
        "--dry-run", action="store_true", help="check every row and say what would happen; write and send nothing"
    )
    bulk.set_defaults(handler=_import)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD, e.g. 2027-01-11") from None


def _settings() -> Settings:
    from bot.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _run(_args: argparse.Namespace) -> int:
    from bot.runner import run

    return run(_settings())


def _web(_args: argparse.Namespace) -> int:
    from bot.runner import run_web

    return run_web(_settings())


def _worker(_args: argparse.Namespace) -> int:
    from bot.runner import run_worker

    return run_worker(_settings())


def _doctor(_args: argparse.Namespace) -> int:
    from bot.doctor import run_checks
    from bot.startup import quiet_client
    from storage.db import make_engine

    settings = _settings()
    settings.require_slack()
    findings = run_checks(
        make_engine(settings.database_url), quiet_client(settings.slack_api_url, settings.slack_bot_token)
    )
    for finding in findings:
        print(f"{'ok  ' if finding.ok else 'FIX '} {finding.what}")
        if finding.fix:
            print(f"     → {finding.fix}")
    problems = sum(1 for finding in findings if not finding.ok)
    print(f"\n{problems} problem(s) found." if problems else "\nEverything looks right.")
    return 1 if problems else 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    from storage.db import current_revision, make_engine, upgrade

    settings = _settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    print(f"Database is at revision {current_revision(engine)}.")
    return 0


def _programme_check(args: argparse.Namespace) -> int:
    from bot.programmes import check_programme

    errors = check_programme(args.file)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"{args.file}: {len(errors)} problem(s) found.", file=sys.stderr)
        return 1
    print(f"{args.file}: OK")
    return 0


def _programme_preview(args: argparse.Namespace) -> int:
    from bot.programmes import ProgrammeError, default_programme, load_programme
    from bot.programmes.preview import preview_lines

    try:
        programme = load_programme(args.file) if args.file else default_programme()
    except ProgrammeError as error:
        print("\n".join(error.errors), file=sys.stderr)
        return 1
    tz = args.tz or load_settings().timezone
    print("\n".join(preview_lines(programme, args.start, args.lang, tz)))
    return 0


def _import(args: argparse.Namespace) -> int:
    from slack_sdk import WebClient

    from bot.app import make_client
    from bot.blocks.welcome import welcome_renderer
    from bot.importer import run_import
    from bot.startup import check_database, check_slack
    from schedules.sender import send_now
    from storage.db import make_engine
    from storage.types import utcnow

    settings = _settings()
    settings.require_bot_token()
    check_database(settings.database_url)
    check_slack(settings.slack_api_url, bot_token=settings.slack_bot_token)
    engine = make_engine(settings.database_url)

    def send(client: WebClient, ids: Sequence[int]) -> None:
        send_now(engine, client, ids, now=utcnow, language=settings.language)

    return run_import(
        engine=engine,
        client=make_client(settings.slack_bot_token, settings.slack_api_url),
        send_now=send,
        path=args.file,
        cohort_name=args.cohort,
        dry_run=args.dry_run,
        now=utcnow,
        welcome=welcome_renderer(settings.min_group),
        out=sys.stdout,
        err=sys.stderr,
    )


if __name__ == "__main__":
    sys.exit(main())
