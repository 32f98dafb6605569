"""Peer groups in Slack: the group introduction, "Did you meet?", the reflection form, the coach's view and Home."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.answer_modal import VALUE
from bot.blocks.kit import (
    Block,
    actions,
    button,
    context,
    divider,
    header,
    joined,
    mention,
    mentions,
    message,
    plain,
    say,
    say_plural,
    section,
)
from bot.i18n import moment
from bot.peer_answers import REFLECTION_MAX, MyPeers
from bot.peer_report import GroupMember, GroupsMet, PeerRound
from bot.peers import Formed, Introduction, MetQuestion
from storage.models import PeerMet

MET_ACTIONS = {f"peer_met_{met.value}": met.value for met in PeerMet}
REFLECT = "peer_reflect"
REFLECTION_FORM = "peer_reflection"
MAKE_CONFIRM, MAKE_CANCEL = "peer_make_confirm", "peer_make_cancel"
OPT_OUT, OPT_IN, SHARE_ON, SHARE_OFF = "peer_opt_out", "peer_opt_in", "peer_share_on", "peer_share_off"
HOME_ACTIONS = (OPT_OUT, OPT_IN, SHARE_ON, SHARE_OFF)


class Messages:
    """The `PeerMessages` the use cases take: what a round puts in the outbox."""

    def introduction(self, intro: Introduction) -> dict[str, Any]:
        return introduction_message(intro)

    def met_question(self, question: MetQuestion) -> dict[str, Any]:
        return met_message(question)


def introduction_message(intro: Introduction) -> dict[str, Any]:
    """The post in the group DM: who is who and where they work, and a 20-minute conversation to have."""
    language = intro.language
    people = []
    for person in intro.people:
        who = mention(person.user_id)
        line = (
            say(language, "peers.intro.person", person=who, organisation=person.organisation)
            if person.organisation
            else say(language, "peers.intro.person_alone", person=who)
        )
        if person.experiment:
            line = joined([line, say(language, "peers.intro.experiment", experiment=person.experiment)])
        people.append(line)
    hello = say(language, "peers.intro.hello", people=mentions(p.user_id for p in intro.people), cohort=intro.cohort)
    blocks: list[Block] = [
        header(say(language, "peers.intro.title")),
        section(hello),
        section(joined(people)),
        section(say(language, "peers.intro.suggestion", n=intro.block, theme=intro.theme)),
        context(say(language, "peers.intro.footer")),
    ]
    return message(say(language, "peers.intro.text"), blocks)


def _met_buttons(language: str, group_id: int) -> Block:
    return actions(
        *(
            button(say(language, f"peers.met.{met}"), action_id, str(group_id))
            for action_id, met in MET_ACTIONS.items()
        ),
        block_id=f"peer_met:{group_id}",
    )


def met_message(question: MetQuestion) -> dict[str, Any]:
    """The mentor's DM a week after the introduction: did you meet? Yes / Not yet / We won't."""
    language = question.language
    asked = say(language, "peers.met.question", partners=mentions(question.partners))
    blocks = [section(asked), _met_buttons(language, question.group_id)]
    return message(say(language, "peers.met.text"), blocks)


def met_answered(language: str, group_id: int, met: str, partners: tuple[str, ...]) -> dict[str, Any]:
    """The same DM after a click (chat.update): thanks, and after a Yes the way to the reflection."""
    asked = say(language, "peers.met.question", partners=mentions(partners))
    blocks: list[Block] = [section(asked), section(say(language, f"peers.met.answered_{met}"))]
    if met == PeerMet.YES:
        blocks.append(actions(button(say(language, "peers.reflect.button"), REFLECT, str(group_id), style="primary")))
    blocks.append(context(say(language, "peers.met.changed_hint")))
    blocks.append(_met_buttons(language, group_id))
    return message(say(language, f"peers.met.answered_{met}"), blocks)


def reflection_view(language: str, group_id: int, initial: str | None = None) -> dict[str, Any]:
    """The form for what the mentor learned from the other organisation."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": True,
        "max_length": REFLECTION_MAX,
    }
    if initial:
        element["initial_value"] = initial[:REFLECTION_MAX]
    return {
        "type": "modal",
        "callback_id": REFLECTION_FORM,
        "title": plain(say(language, "peers.reflect.title")[:24]),
        "submit": plain(say(language, "peers.reflect.submit")[:24]),
        "close": plain(say(language, "mentor.cancel")[:24]),
        "private_metadata": json.dumps({"group": group_id}),
        "blocks": [
            {
                "type": "input",
                "block_id": "reflection",
                "label": plain(say(language, "peers.reflect.label")[:2000]),
                "element": element,
            },
            context(say(language, "peers.reflect.hint")),
        ],
    }


def formed_text(language: str, formed: Formed, tz: str) -> str:
    at = moment(language, formed.first_introduction.astimezone(ZoneInfo(tz))) if formed.first_introduction else ""
    return say_plural(
        language,
        "peers.formed",
        len(formed.groups),
        n=formed.block,
        cohort=formed.cohort,
        mentors=formed.eligible,
        moment=at,
    )


def confirm_message(language: str, cohort_id: int, formed: Formed) -> dict[str, Any]:
    """Groups exist for the block: form new ones?"""
    text = say(language, "peers.confirm.text", n=formed.block, cohort=formed.cohort)
    buttons = actions(
        button(say(language, "peers.confirm.yes"), MAKE_CONFIRM, str(cohort_id), style="primary"),
        button(say(language, "peers.confirm.no"), MAKE_CANCEL, str(cohort_id)),
    )
    return message(text, [section(text), buttons])


def _member_line(language: str, member: GroupMember) -> str:
    met = say(language, f"peers.coach.met_{member.met or 'none'}")
    if member.organisation:
        return say(
            language, "peers.coach.person", person=mention(member.user_id), organisation=member.organisation, met=met
        )
    return say(language, "peers.coach.person_alone", person=mention(member.user_id), met=met)


def round_message(
    language: str, peer_round: PeerRound, met: GroupsMet | None, tz: str, cohort_name: str
) -> dict[str, Any]:
    """The coach's view: the setting, the newest groups and who met."""
    setting = (
        say(language, "peers.coach.on", size=peer_round.size)
        if peer_round.enabled
        else say(language, "peers.coach.off", cohort=cohort_name)
    )
    blocks: list[Block] = [header(say(language, "peers.coach.title", cohort=cohort_name)), context(setting)]
    if not peer_round.groups or peer_round.block is None or peer_round.formed_at is None:
        blocks.append(section(say(language, "peers.coach.none", cohort=cohort_name)))
        return message(say(language, "peers.coach.text", cohort=cohort_name), blocks)
    formed = moment(language, peer_round.formed_at.astimezone(ZoneInfo(tz)))
    blocks += [divider(), section(say(language, "peers.coach.round", n=peer_round.block, moment=formed))]
    lines = [
        say(
            language,
            "peers.coach.group",
            n=g.position,
            people=joined((_member_line(language, m) for m in g.members), " · "),
        )
        for g in peer_round.groups
    ]
    for start in range(0, len(lines), 20):  # a section holds 3000 characters
        blocks.append(section(joined(lines[start : start + 20])))
    if met is not None:
        blocks.append(context(say(language, "peers.coach.met_count", met=met.met, groups=met.groups)))
    return message(say(language, "peers.coach.text", cohort=cohort_name), blocks[:50])


def home_blocks(language: str, peers: MyPeers) -> list[Block]:
    """The mentor's Home: their current partners, and buttons to leave or rejoin and to show or hide the experiment."""
    lines = [say(language, "peers.home.title")]
    if peers.opted_out:
        lines.append(say(language, "peers.home.out"))
    for group in peers.groups:
        partners = joined(
            (
                (
                    say(language, "peers.home.partner", person=mention(p.user_id), organisation=p.organisation)
                    if p.organisation
                    else mention(p.user_id)
                )
                for p in group.partners
            ),
            ", ",
        )
        lines.append(say(language, "peers.home.partners", cohort=group.cohort, n=group.block, partners=partners))
    if not peers.groups and not peers.opted_out:
        lines.append(say(language, "peers.home.none"))
    lines.append(say(language, "peers.home.sharing_on" if peers.share_experiment else "peers.home.sharing_off"))
    choose = (
        button(say(language, "peers.home.opt_in"), OPT_IN)
        if peers.opted_out
        else button(say(language, "peers.home.opt_out"), OPT_OUT)
    )
    share = (
        button(say(language, "peers.home.share_off"), SHARE_OFF)
        if peers.share_experiment
        else button(say(language, "peers.home.share_on"), SHARE_ON)
    )
    return [section(joined(lines)), actions(choose, share, block_id="peer_home")]
