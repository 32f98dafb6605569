"""The prompt DM after a mentor acted on it (a button, a form, a thread reply): what it shows now."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import answers, privacy_gate
from bot.blocks.answer_modal import answered_message, skipped_message
from bot.blocks.prompt import prompt_metadata
from bot.cohorts import Invalid
from bot.deps import Deps
from bot.slack_api import error_code
from storage.models import DeliveryStatus

log = logging.getLogger(__name__)


def refresh_prompt_message(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, delivery_id: int, language: str
) -> None:
    """Show in the prompt DM that it was answered (with Edit while that is allowed) or skipped."""
    now = deps.now()
    with Session(deps.engine) as session:
        try:
            prompt = answers.own_prompt(session, team_id=team_id, user_id=user_id, delivery_id=delivery_id)
        except Invalid:
            return
        channel, ts = prompt.delivery.channel_id, prompt.delivery.message_ts
        if not channel or not ts:
            return
        label = prompt.step.label.get(language)
        question = answers.question(session, prompt, language, now=now)
        if prompt.answer is not None:
            zone = answers.mentor_zone(session, prompt.cohort, prompt.member)
            ratings = prompt.answer.ratings or {}
            message = answered_message(
                language,
                delivery_id=prompt.delivery_id,
                label=label,
                question=question,
                answered_at=prompt.answer.updated_at.astimezone(zone),
                text=prompt.answer.text,
                rated=len([k for k in ratings if k != "thumbs"]),
                thumbs=ratings.get("thumbs"),
                editable=answers.may_change(session, prompt),
                shared=privacy_gate.quote_preview(session, prompt.answer),
                min_group=deps.settings.min_group,
            )
        elif prompt.delivery.status == DeliveryStatus.SKIPPED:
            message = skipped_message(language, delivery_id=prompt.delivery_id, label=label, question=question)
        else:
            return
    try:
        client.chat_update(channel=channel, ts=ts, metadata=prompt_metadata(delivery_id), **message)
    except SlackApiError as error:
        log.warning("could not update a prompt DM: %s", error_code(error))
