"""The App Home: the mentor's own part, then the coach's part for coaches and the HR part for HR contacts."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, select

from bot.authz import Actor, actor_for
from bot.blocks.home import intro_home_view, mentor_home_view
from bot.blocks.hr_home import hr_home_blocks
from bot.blocks.kit import Block, divider
from bot.blocks.peers import home_blocks as peer_home_blocks
from bot.blocks.status import home_blocks
from bot.blocks.summary_review import review_home_blocks
from bot.deps import Deps
from bot.hr_home import hr_home
from bot.mentor_home import mentor_home
from bot.peer_answers import my_peers
from bot.people import language_for
from bot.privacy import PrivacyPolicy
from bot.privacy_gate import coach_home_statuses
from bot.slack_api import error_code
from bot.status import HOME_MAX_BLOCKS
from bot.summaries.overview import review_overview
from bot.summaries.review import rules_from
from storage.models import Member, MemberStatus, Role

log = logging.getLogger(__name__)


class HomePublisher:
    """Builds and publishes a user's Home: the mentor's own part, then the coach's part for coaches."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def language(self, team_id: str, user_id: str) -> str:
        return language_for(self.deps.engine, team_id, user_id, self.deps.settings.language)

    def view(self, client: WebClient, team_id: str, user_id: str) -> dict[str, Any]:
        language = self.language(team_id, user_id)
        now = self.deps.now()
        with Session(self.deps.engine) as session:
            home = mentor_home(session, team_id=team_id, user_id=user_id, language=language, now=now)
            peers = my_peers(session, team_id, user_id)
            coach = self.coach_blocks(session, client, team_id, user_id, language, now)
        hr = self.hr_blocks(team_id, user_id, language, now)
        extra = [*coach, *([divider()] if coach and hr else []), *hr]
        if home is None:
            return intro_home_view(language, extra=extra)
        return mentor_home_view(
            language,
            home,
            extra=extra,
            min_group=self.deps.settings.min_group,
            peers=peer_home_blocks(language, peers) if peers else (),
        )

    def hr_blocks(self, team_id: str, user_id: str, language: str, now: datetime) -> list[Block]:
        """The HR side's Home blocks: their organisations' cohorts, where the summaries go, and the latest one."""
        policy = PrivacyPolicy(min_group=self.deps.settings.min_group)
        return hr_home_blocks(language, hr_home(self.deps.engine, team_id, user_id, policy=policy, now=now))

    def coach_blocks(
        self, session: Session, client: WebClient, team_id: str, user_id: str, language: str, now: datetime
    ) -> list[Block]:
        """The coach side's Home blocks (bot.status), for people who coach a cohort."""
        coaches = session.exec(
            select(Member.id).where(
                Member.team_id == team_id,
                Member.user_id == user_id,
                Member.role == Role.COACH,
                Member.status == MemberStatus.ACTIVE,
            )
        ).first()
        if coaches is None:
            return []
        actor = actor_for(self.deps, client, team_id, user_id)
        reviews = review_overview(session, actor, now, rules_from(self.deps.settings))
        return [*coach_home_blocks(session, actor, language, now), *review_home_blocks(reviews, language)]

    def publish(self, client: WebClient, team_id: str, user_id: str) -> None:
        """Publish the user's Home; a Slack error is logged, never raised (the change itself is already saved)."""
        try:
            client.views_publish(user_id=user_id, view=self.view(client, team_id, user_id))
        except SlackApiError as error:
            log.warning("views.publish failed: %s", error_code(error))


def coach_home_blocks(session: Session, actor: Actor, language: str, now: datetime) -> list[Block]:
    """The coach's part of the App Home: each active cohort they manage, as its coaches may see it."""
    return home_blocks(coach_home_statuses(session, actor, now), language, max_blocks=HOME_MAX_BLOCKS)
