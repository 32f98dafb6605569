"""An HR contact's part of the App Home: each organisation's cohort, where its summaries go, and the latest one."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.kit import Block, channel_mention, divider, header, joined, say, section
from bot.blocks.status import local_moment
from bot.blocks.summary import summary_message
from bot.hr_home import HrOrganisation
from bot.i18n import day
from bot.summaries.periods import period_label


def hr_home_blocks(language: str, organisations: Sequence[HrOrganisation]) -> list[Block]:
    """Per organisation: its cohort and sessions, its HR channel, the latest post and the next, then the current
    summary exactly as the HR channel's post shows it."""
    blocks: list[Block] = []
    for organisation in organisations:
        if blocks:
            blocks.append(divider())
        blocks += [
            header(say(language, "home.hr.title", organisation=organisation.organisation)),
            section(_facts(language, organisation)),
        ]
        if organisation.summary is not None:
            blocks += summary_message(organisation.summary, language, None, organisation.mark)["blocks"][1:]
    return blocks


def _facts(language: str, organisation: HrOrganisation) -> str:
    dates = ", ".join(day(language, value) for value in organisation.sessions)
    lines = [say(language, "home.hr.cohort", cohort=organisation.cohort, dates=dates)]
    if organisation.hr_channel_id:
        lines.append(say(language, "home.hr.channel", channel=channel_mention(organisation.hr_channel_id)))
    else:
        lines.append(say(language, "home.hr.no_channel"))
    posted = organisation.posted
    if posted is not None:
        where = channel_mention(posted.channel_id) if posted.channel_id else "–"
        period = period_label(organisation.programme, posted.period, language)
        lines.append(
            say(
                language,
                "home.hr.posted",
                period=period,
                channel=where,
                moment=local_moment(language, posted.at, organisation.timezone),
            )
        )
    else:
        lines.append(say(language, "home.hr.not_posted"))
    if organisation.next_summary_at is not None:
        lines.append(
            say(
                language,
                "home.hr.next",
                moment=local_moment(language, organisation.next_summary_at, organisation.timezone),
            )
        )
    return joined(lines)
