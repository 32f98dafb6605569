"""The coach's and admin's forms: new cohort, add an organisation, add people; and the notice shown after."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blocks.kit import (
    Block,
    context,
    modal,
    option,
    plain,
    say,
)
from bot.blocks.kit import notice_view as notice_view  # the forms' receipts; kept importable from here
from bot.i18n import LANGUAGES

CREATE_COHORT = "cohort_create"
ADD_ORGANISATION = "org_add"
ADD_MEMBERS = "member_add"
VALUE = "value"  # every input's action_id: the block id says which field it is
SESSION_FIELDS = ("session_1", "session_2", "session_3")


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def cohort_metadata(cohort_id: int) -> str:
    return json.dumps({"cohort": cohort_id})


def read_cohort_metadata(raw: str | None) -> int | None:
    """The cohort id a form was opened for, or None if the metadata is not ours (it is re-checked anyway)."""
    try:
        value = json.loads(raw or "{}").get("cohort")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def create_cohort_view(
    language: str, *, default_language: str, default_timezone: str, timezones: Sequence[str]
) -> dict[str, Any]:
    """Name, language, time zone and the three session dates."""
    languages = [option(say(language, f"cohorts.language.{code}"), code) for code in LANGUAGES]
    zones = list(dict.fromkeys([default_timezone, *timezones]))
    zone_options = [option(zone, zone) for zone in zones]
    blocks: list[Block] = [
        _input(
            "name",
            say(language, "forms.cohort.name"),
            {
                "type": "plain_text_input",
                "action_id": VALUE,
                "max_length": 80,
                "placeholder": plain(say(language, "forms.cohort.name_placeholder")),
            },
        ),
        _input(
            "language",
            say(language, "forms.cohort.language"),
            {
                "type": "static_select",
                "action_id": VALUE,
                "options": languages,
                "initial_option": languages[LANGUAGES.index(default_language)],
            },
            hint=say(language, "forms.cohort.language_hint"),
        ),
        _input(
            "timezone",
            say(language, "forms.cohort.timezone"),
            {"type": "static_select", "action_id": VALUE, "options": zone_options, "initial_option": zone_options[0]},
            hint=say(language, "forms.cohort.timezone_hint"),
        ),
    ]
    for number, block_id in enumerate(SESSION_FIELDS, start=1):
        blocks.append(
            _input(
                block_id,
                say(language, "forms.cohort.session", n=number),
                {
                    "type": "datepicker",
                    "action_id": VALUE,
                    "placeholder": plain(say(language, "forms.cohort.date_placeholder")),
                },
            )
        )
    blocks.append(context(say(language, "forms.cohort.footer")))
    return modal(
        say(language, "forms.cohort.title"),
        blocks,
        close=say(language, "forms.cancel"),
        submit=say(language, "forms.create"),
        callback_id=CREATE_COHORT,
    )


def add_organisation_view(language: str, *, cohort_id: int, cohort: str) -> dict[str, Any]:
    """Name, the private HR channel (Slack lists only private ones), and the HR day's goals, one per line."""
    blocks: list[Block] = [
        context(say(language, "forms.for_cohort", cohort=cohort)),
        _input(
            "name",
            say(language, "forms.organisation.name"),
            {
                "type": "plain_text_input",
                "action_id": VALUE,
                "max_length": 120,
                "placeholder": plain(say(language, "forms.organisation.name_placeholder")),
            },
        ),
        _input(
            "channel",
            say(language, "forms.organisation.channel"),
            {
                "type": "conversations_select",
                "action_id": VALUE,
                "default_to_current_conversation": False,
                "filter": {"include": ["private"], "exclude_bot_users": True},
                "placeholder": plain(say(language, "forms.organisation.channel_placeholder")),
            },
            hint=say(language, "forms.organisation.channel_hint"),
        ),
        _input(
            "goals",
            say(language, "forms.organisation.goals"),
            {
                "type": "plain_text_input",
                "action_id": VALUE,
                "multiline": True,
                "max_length": 3000,
                "placeholder": plain(say(language, "forms.organisation.goals_placeholder")),
            },
            optional=True,
            hint=say(language, "forms.organisation.goals_hint"),
        ),
    ]
    return modal(
        say(language, "forms.organisation.title"),
        blocks,
        close=say(language, "forms.cancel"),
        submit=say(language, "forms.add"),
        callback_id=ADD_ORGANISATION,
        metadata=cohort_metadata(cohort_id),
    )


def add_members_view(
    language: str, *, cohort_id: int, cohort: str, organisations: Sequence[tuple[int, str]], allow_coach: bool
) -> dict[str, Any]:
    """People, their role, and their organisation (coaches, offered to admins only, need none)."""
    roles = [option(say(language, f"forms.members.role_{role}"), role) for role in ("mentor", "hr")]
    if allow_coach:
        roles.append(option(say(language, "forms.members.role_coach"), "coach"))
    blocks: list[Block] = [
        context(say(language, "forms.for_cohort", cohort=cohort)),
        _input(
            "users",
            say(language, "forms.members.users"),
            {
                "type": "multi_users_select",
                "action_id": VALUE,
                "placeholder": plain(say(language, "forms.members.users_placeholder")),
            },
        ),
        _input(
            "role",
            say(language, "forms.members.role"),
            {"type": "radio_buttons", "action_id": VALUE, "options": roles, "initial_option": roles[0]},
        ),
        _input(
            "organisation",
            say(language, "forms.members.organisation"),
            {
                "type": "static_select",
                "action_id": VALUE,
                "options": [option(name[:75], str(organisation_id)) for organisation_id, name in organisations[:100]],
                "placeholder": plain(say(language, "forms.members.organisation_placeholder")),
            },
            optional=allow_coach,
            hint=say(language, "forms.members.organisation_hint") if allow_coach else None,
        ),
        context(say(language, "forms.members.footer")),
    ]
    return modal(
        say(language, "forms.members.title"),
        blocks,
        close=say(language, "forms.cancel"),
        submit=say(language, "forms.add"),
        callback_id=ADD_MEMBERS,
        metadata=cohort_metadata(cohort_id),
    )
