"""What the coaches see of the HR summaries: each organisation's draft for review (DM, and a modal from the Home),
the note form, and where each organisation's post stands (Home)."""

from __future__ import annotations

from typing import Any

from bot.blocks.kit import (
    Block,
    actions,
    button,
    channel_mention,
    clip,
    context,
    divider,
    header,
    joined,
    md,
    mention,
    message,
    plain,
    say,
    section,
)
from bot.blocks.summary import summary_message, summary_post
from bot.i18n import moment
from bot.summaries.model import Draft, Renderers
from bot.summaries.overview import CohortPosts, OrganisationPost
from bot.summaries.periods import period_label

APPROVE = "summary_review_approve"
HOLD = "summary_review_hold"
NOTE = "summary_review_note"
QUOTE = "summary_review_quote"
SHOW = "summary_review_show"
NOTE_FORM = "summary_review_note_form"
DRAFT_VIEW = "summary_review_draft"
NOTE_BLOCK, NOTE_INPUT = "note", "value"
MAX_BLOCKS = 50
CHROME = 6  # blocks of the draft around HR's post


def _state_line(draft: Draft, language: str) -> str:
    if draft.state in ("approved", "held") and draft.reviewed_by:
        return say(language, f"summary.review.state_{draft.state}", user=mention(draft.reviewed_by))
    if draft.state == "posted" and draft.reviewed_by and not draft.mark.unreviewed:
        return say(language, "summary.review.state_posted_by", user=mention(draft.reviewed_by))
    if draft.state == "pending":
        if draft.due_at is not None:
            return say(language, "summary.review.due", moment=moment(language, draft.due_at))
        return say(language, "summary.review.waits")
    return say(language, f"summary.review.state_{draft.state}")


def _quote_picker(draft: Draft, language: str) -> list[Block]:
    """A menu to take any quote out; its options show the quotes' beginnings, which HR would read in full."""
    if not draft.quotes:
        return []
    options = [
        {"text": plain(clip(f"{n + 1}. {text}", 75)), "value": f"{draft.post_id}:{index}"}
        for n, (index, text) in enumerate(draft.quotes)
    ]
    picker = {
        "type": "static_select",
        "action_id": QUOTE,
        "options": options[:100],
        "placeholder": plain(say(language, "summary.review.remove_quote")),
    }
    return [section(say(language, "summary.review.quotes_hint"), accessory=picker)]


def _controls(draft: Draft, language: str) -> list[Block]:
    if draft.state == "posted":
        return []
    value = str(draft.post_id)
    buttons = [
        button(say(language, "summary.review.approve"), APPROVE, value, style="primary"),
        button(say(language, "summary.review.note"), NOTE, value),
    ]
    if draft.state != "held":
        buttons.append(button(say(language, "summary.review.hold"), HOLD, value))
    return [*_quote_picker(draft, language), actions(*buttons, block_id=f"review:{draft.post_id}")]


def draft_blocks(draft: Draft, language: str) -> list[Block]:
    """The draft: what it is, HR's post exactly as HR would get it, and the coach's controls."""
    post = summary_message(draft.view, draft.view.language, draft.previous, draft.mark)["blocks"]
    period = period_label(draft.view.programme, draft.view.period, language)
    top = [
        header(say(language, "summary.review.draft_title", organisation=draft.organisation, period=period)),
        section(joined([say(language, "summary.review.draft_intro", organisation=draft.organisation),
                        _state_line(draft, language)])),
        divider(),
    ]  # fmt: skip
    bottom = [divider(), *_controls(draft, language)]
    return [*top, *post[: MAX_BLOCKS - len(top) - len(bottom)], *bottom]


def draft_message(draft: Draft, language: str) -> dict[str, Any]:
    """The draft as a DM to each of the cohort's coaches."""
    period = period_label(draft.view.programme, draft.view.period, language)
    title = say(language, "summary.review.draft_title", organisation=draft.organisation, period=period)
    return message(title, draft_blocks(draft, language), unfurl_links=False)


def draft_view(draft: Draft, language: str) -> dict[str, Any]:
    """The draft in a modal, opened from the Home."""
    title = plain(say(language, "summary.review.modal_title")[:24])
    return {
        "type": "modal",
        "callback_id": DRAFT_VIEW,
        "title": title,
        "close": plain(say(language, "summary.review.close")[:24]),
        "blocks": draft_blocks(draft, language),
        "private_metadata": str(draft.post_id),
    }


def note_view(post_id: int, note: str | None, language: str, *, metadata: str = "") -> dict[str, Any]:
    """The form for the coaches' note on the cohort's themes, shown at the top of the post."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": NOTE_INPUT,
        "multiline": True,
        "max_length": 500,
    }
    if note:
        element["initial_value"] = note
    block = {
        "type": "input",
        "block_id": NOTE_BLOCK,
        "optional": True,
        "element": element,
        "label": plain(say(language, "summary.review.note_label")),
        "hint": plain(say(language, "summary.review.note_hint")),
    }
    return {
        "type": "modal",
        "callback_id": NOTE_FORM,
        "title": plain(say(language, "summary.review.note_title")[:24]),
        "submit": plain(say(language, "summary.review.note_submit")[:24]),
        "close": plain(say(language, "summary.review.close")[:24]),
        "blocks": [block],
        "private_metadata": metadata or str(post_id),
    }


def notice_view(language: str, text: str) -> dict[str, Any]:
    """Why a review action was not done, where it was clicked."""
    return {
        "type": "modal",
        "title": plain(say(language, "summary.review.modal_title")[:24]),
        "close": plain(say(language, "summary.review.close")[:24]),
        "blocks": [section(text)],
    }


def _problem(language: str, code: str) -> str:
    if code in ("no_channel", "channel_shared", "not_in_channel", "channel_public"):
        return say(language, f"summary.review.problem_{code}")
    return say(language, "summary.review.problem_other", code=code)


def _post_line(post: OrganisationPost, language: str) -> str:
    key = f"summary.review.home_{post.state}"
    if post.state == "posted":
        key += "_unreviewed" if post.unreviewed else ""
        return say(
            language,
            key,
            organisation=post.organisation,
            channel=channel_mention(post.channel_id or ""),
            moment=moment(language, post.at) if post.at else "",
        )
    if post.state == "queued":
        return say(language, key, organisation=post.organisation, channel=channel_mention(post.channel_id or ""))
    if post.state == "problem":
        return say(language, key, organisation=post.organisation, reason=_problem(language, post.problem or ""))
    if post.state == "held":
        return say(language, key, organisation=post.organisation, user=mention(post.reviewed_by or ""))
    if post.state == "pending" and post.at is not None:
        return say(
            language,
            "summary.review.home_pending_due",
            organisation=post.organisation,
            moment=moment(language, post.at),
        )
    return say(language, key, organisation=post.organisation)


def review_home_blocks(cohorts: list[CohortPosts], language: str) -> list[Block]:
    """Per cohort, where each organisation's summary stands, with the review buttons of the drafts still open."""
    blocks: list[Block] = []
    for cohort in cohorts:
        period = period_label(cohort.programme, cohort.period, language)
        lines = [say(language, "summary.review.home_title", cohort=cohort.cohort_name, period=period)]
        blocks.append(section(joined([*lines, *(_post_line(post, language) for post in cohort.posts)])))
        for post in cohort.posts:
            if post.state in ("pending", "held"):
                value = str(post.post_id)
                blocks.append(
                    actions(
                        button(
                            md("{organisation}: ", organisation=post.organisation)
                            + say(language, "summary.review.show"),
                            SHOW,
                            value,
                        ),
                        button(say(language, "summary.review.approve"), APPROVE, value, style="primary"),
                        block_id=f"home-review:{post.post_id}",
                    )
                )
        blocks.append(context(say(language, "summary.review.home_hint")))
    return blocks


RENDERERS = Renderers(post=summary_post, draft=draft_message)
