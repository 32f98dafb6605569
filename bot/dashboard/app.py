"""The dashboard's pages: sign-in, an overview, a cohort for its coaches, an organisation's summaries for its HR.

Pages are rendered on the server with Jinja2 (autoescaped: names and quotes from people are text, never markup);
charts are inline SVG with a table of the same figures beside them; nothing needs JavaScript. The session lives in
a signed cookie (Secure, HttpOnly, SameSite=Lax, path /dashboard); every form carries a CSRF token.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, redirect, render_template, request, session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as AnyResponse  # what flask.redirect is typed to return

from bot.dashboard import data
from bot.dashboard.charts import bar_chart
from bot.dashboard.signin import SignInFailed, SlackSignIn
from bot.deps import Deps
from bot.directory import SlackDirectory
from bot.i18n import LANGUAGES, catalogue, day, moment, t
from bot.people import language_for
from bot.privacy import REASONS, PrivacyPolicy

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
SESSION_HOURS = 8
STATUSES = ("delivered", "answered", "skipped")
ERROR_TEXTS = {400: "dashboard.error.bad_request", 404: "dashboard.error.not_found", 405: "dashboard.error.not_found",
               413: "dashboard.error.bad_request"}  # fmt: skip


def create_dashboard(deps: Deps) -> Flask:
    """The dashboard as a WSGI app; its routes carry the /dashboard prefix themselves."""
    settings = deps.settings
    app = Flask(
        __name__,
        static_folder=str(HERE / "static"),
        static_url_path="/dashboard/static",
        template_folder=str(HERE / "templates"),
    )
    app.config.update(
        SECRET_KEY=settings.dashboard_key,
        SESSION_COOKIE_NAME="mentori_dashboard",
        SESSION_COOKIE_PATH="/dashboard",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        MAX_CONTENT_LENGTH=16 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    signin = SlackSignIn(settings, deps.engine)
    policy = PrivacyPolicy(min_group=settings.min_group)

    def language() -> str:
        chosen = session.get("language")
        return chosen if chosen in LANGUAGES else settings.language

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return str(session["csrf"])

    def viewer() -> data.Viewer | None:
        team_id, user_id = session.get("team_id"), session.get("user_id")
        if not team_id or not user_id:
            return None
        try:
            client = signin.workspace_client(team_id)
        except SignInFailed:  # uninstalled since: the session no longer opens anything
            session.clear()
            return None
        return data.load_viewer(deps.engine, settings, SlackDirectory(deps.engine, client, deps.now), team_id, user_id)

    def render(template: str, status: int = 200, **context: Any) -> AnyResponse:
        lang = language()
        body = render_template(
            template,
            lang=lang,
            languages=LANGUAGES,
            _=lambda key, **p: t(lang, key, **p),
            csrf_token=csrf_token(),
            signed_in=bool(session.get("user_id")),
            name=session.get("name"),
            day=lambda v: day(lang, v),
            moment=lambda v: moment(lang, v),
            reason=lambda code: _reason(lang, code),
            **context,
        )
        return Response(body, status=status, content_type="text/html; charset=utf-8")

    def refused(reason: str = "dashboard.refused.page") -> AnyResponse:
        return render("message.html", 403, title=t(language(), "dashboard.refused.title"), message=reason)

    def signed_in_viewer() -> data.Viewer | AnyResponse:
        found = viewer()
        if found is None:
            return redirect("/dashboard", code=303)
        return found

    @app.before_request
    def check_csrf() -> None:
        if request.method == "POST":
            sent = request.form.get("csrf_token", "")
            if not sent or not hmac.compare_digest(sent, str(session.get("csrf", ""))):
                abort(400)

    @app.after_request
    def headers(response: Response) -> AnyResponse:
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.path.startswith("/dashboard/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> AnyResponse:
        code = error.code or 500
        key = ERROR_TEXTS.get(code, "dashboard.error.other")
        return render("message.html", code, title=t(language(), "dashboard.error.title"), message=key)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> AnyResponse:
        log.exception("dashboard page failed: %s", error.__class__.__name__)
        return render(
            "message.html", 500, title=t(language(), "dashboard.error.title"), message="dashboard.error.other"
        )

    @app.get("/dashboard")
    @app.get("/dashboard/")
    def home() -> AnyResponse:
        found = viewer()
        if found is None:
            problem = session.pop("problem", None)
            return render("signin.html", problem=problem)
        if not found.has_access:
            return refused("dashboard.refused.nothing")
        return render("overview.html", overview=data.overview(deps.engine, found))

    @app.get("/dashboard/auth/start")
    def start() -> AnyResponse:
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        session["oidc"] = {"state": state, "nonce": nonce}
        return redirect(signin.authorize_url(state, nonce), code=303)

    @app.get("/dashboard/auth/callback")
    def callback() -> AnyResponse:
        pending = session.pop("oidc", None) or {}
        state = request.args.get("state", "")
        if not pending or not state or not hmac.compare_digest(state, str(pending.get("state", ""))):
            session["problem"] = "dashboard.signin.expired"
            return redirect("/dashboard", code=303)
        if request.args.get("error") or not request.args.get("code"):
            session["problem"] = "dashboard.signin.cancelled"
            return redirect("/dashboard", code=303)
        try:
            identity = signin.identity(request.args["code"], str(pending.get("nonce", "")))
            signin.workspace_client(identity.team_id)
        except SignInFailed as failure:
            session["problem"] = failure.key
            return redirect("/dashboard", code=303)
        chosen = session.get("language")
        session.clear()  # a fresh session on every sign-in: nothing from before it carries over
        session.permanent = True
        session.update(
            team_id=identity.team_id,
            user_id=identity.user_id,
            name=identity.name,
            language=chosen or language_for(deps.engine, identity.team_id, identity.user_id, settings.language),
            csrf=secrets.token_urlsafe(32),
        )
        return redirect("/dashboard", code=303)

    @app.post("/dashboard/signout")
    def signout() -> AnyResponse:
        chosen = session.get("language")
        session.clear()
        if chosen:
            session["language"] = chosen
        return redirect("/dashboard", code=303)

    @app.post("/dashboard/language")
    def choose_language() -> AnyResponse:
        chosen = request.form.get("language", "")
        if chosen not in LANGUAGES:
            abort(400)
        session["language"] = chosen
        back = request.form.get("next", "/dashboard")
        return redirect(back if back.startswith("/dashboard") and "//" not in back else "/dashboard", code=303)

    @app.get("/dashboard/cohorts/<int:cohort_id>")
    def cohort(cohort_id: int) -> AnyResponse:
        found = signed_in_viewer()
        if isinstance(found, AnyResponse):
            return found
        try:
            audience = data.cohort_audience(deps.engine, found, cohort_id)
            view = data.cohort_view(deps.engine, audience, language(), deps.now())
        except data.NotAllowed:
            return refused()
        charts = [_block_chart(block, language()) for block in view.blocks]
        return render("cohort.html", cohort=view, charts=charts, audience=audience)

    @app.get("/dashboard/cohorts/<int:cohort_id>/organisations/<int:organisation_id>")
    def organisation(cohort_id: int, organisation_id: int) -> AnyResponse:
        found = signed_in_viewer()
        if isinstance(found, AnyResponse):
            return found
        try:
            audience = data.organisation_audience(deps.engine, found, cohort_id, organisation_id)
            view = data.organisation_view(deps.engine, audience, language(), policy=policy, now=deps.now())
        except data.NotAllowed:
            return refused()
        lang = language()
        return render(
            "organisation.html",
            org=view,
            audience=audience,
            reasons=REASONS,
            rate_chart=_rate_chart(view, lang),
            se_chart=_se_chart(view, lang),
        )

    @app.get("/dashboard/cohorts/<int:cohort_id>/organisations/<int:organisation_id>/<period>.csv")
    def export(cohort_id: int, organisation_id: int, period: str) -> AnyResponse:
        found = signed_in_viewer()
        if isinstance(found, AnyResponse):
            return found
        try:
            audience = data.organisation_audience(deps.engine, found, cohort_id, organisation_id)
            text = data.organisation_csv(deps.engine, audience, period, policy=policy, now=deps.now())
        except data.NotAllowed:
            return refused()
        if text is None:
            abort(404)
        filename = f"mentori-{cohort_id}-{organisation_id}-{period}.csv"
        return Response(
            text,
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    return app


def _reason(language: str, code: str) -> str:
    """A failure or skip reason in words where the catalogue has it, else Slack's error code as it came."""
    key = f"status.reason.{code}"
    return t(language, key) if key in catalogue(language) else code


def _block_chart(block: data.BlockView, language: str) -> Any:
    rows = [(step.label, [step.delivered, step.answered, step.skipped]) for step in block.steps]
    most = max([step.delivered + step.skipped for step in block.steps] + [1])
    series = [t(language, f"dashboard.cohort.{status}") for status in STATUSES]
    return bar_chart(rows, series, most)


def _rate_chart(view: data.OrganisationView, language: str) -> Any:
    rows = [(p.label, [_percent(p.rate), _percent(p.cohort_rate)]) for p in view.periods]
    series = [view.name, t(language, "summary.cohort")]
    return bar_chart(rows, series, 100, unit="%")


def _percent(rate: data.Rate | None) -> float | None:
    return None if rate is None else rate.percent


def _se_chart(view: data.OrganisationView, language: str) -> Any:
    """Self-efficacy medians of the latest period, one row per item, one bar per checkpoint."""
    latest = view.periods[-1] if view.periods else None
    if latest is None or not latest.self_efficacy:
        return None
    checkpoints = list(latest.self_efficacy)
    items = sorted({item for values in latest.self_efficacy.values() for item in values})
    rows = [(item, [latest.self_efficacy[c].get(item) for c in checkpoints]) for item in items]
    return bar_chart(rows, checkpoints, 5)
