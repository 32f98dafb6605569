"""A local fake of Slack's Web API: a real HTTP server that slack_sdk's WebClient(base_url=...) talks to."""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import json
import random
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from tests.support.block_kit import validate_blocks, validate_view

JSON_ARGS = {"blocks", "attachments", "view", "files", "metadata"}
TRUE = {True, "1", "true", "True"}
DEFAULT_SCOPES = [
    "chat:write", "commands", "im:history", "im:read", "im:write", "users:read", "users:read.email",
    "reactions:write", "files:write", "files:read", "channels:read", "groups:read", "groups:history", "mpim:write",
    "mpim:history",
]  # fmt: skip
GROUP_DM_MOST = 8  # conversations.open takes 1 to 8 users
REQUIRED: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("channel",),
    "chat.postEphemeral": ("channel", "user"),
    "chat.update": ("channel", "ts"),
    "chat.delete": ("channel", "ts"),
    "conversations.open": (),
    "conversations.info": ("channel",),
    "conversations.members": ("channel",),
    "conversations.replies": ("channel", "ts"),
    "conversations.history": ("channel",),
    "users.info": ("user",),
    "users.lookupByEmail": ("email",),
    "views.open": ("trigger_id", "view"),
    "views.push": ("trigger_id", "view"),
    "views.update": ("view",),
    "views.publish": ("user_id", "view"),
    "reactions.add": ("channel", "timestamp", "name"),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
    "files.info": ("file",),
}
Response = tuple[int, dict[str, str], dict[str, Any]]


@dataclass
class Call:
    """One request the app made: the API method (or "response_url"), its decoded arguments and token."""

    method: str
    args: dict[str, Any]
    token: str | None = None


@dataclass
class User:
    """A workspace member as users.info describes it."""

    id: str
    name: str
    tz: str = "Europe/Helsinki"
    locale: str = "fi-FI"
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    email: str | None = None

    def to_api(self, team_id: str, include_locale: bool) -> dict[str, Any]:
        """The `user` object of users.info / users.lookupByEmail."""
        offset = ZoneInfo(self.tz).utcoffset(datetime.now(UTC))
        profile = {
            "real_name": self.name,
            "display_name": self.name,
            "real_name_normalized": self.name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email:
            profile["email"] = self.email
        user = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name.lower().replace(" ", "."),
            "real_name": self.name,
            "deleted": self.deleted,
            "tz": self.tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": profile,
        }
        if include_locale:
            user["locale"] = self.locale
        return user


@dataclass
class Channel:
    """A conversation: public/private channel or a DM (is_im, with `user`)."""

    id: str
    name: str | None = None
    is_private: bool = True
    is_member: bool = True
    is_im: bool = False
    is_mpim: bool = False  # a group DM (conversations.open with several users)
    user: str | None = None
    members: tuple[str, ...] | None = None  # None: every person the fake knows is in it

    def to_api(self) -> dict[str, Any]:
        """The `channel` object of conversations.info."""
        info: dict[str, Any] = {
            "id": self.id,
            "is_private": self.is_private,
            "is_member": self.is_member,
            "is_im": self.is_im,
            "is_channel": not (self.is_im or self.is_private),
            "is_group": self.is_private and not (self.is_im or self.is_mpim),
            "is_mpim": self.is_mpim,
            "is_archived": False,
            "created": 1700000000,
        }
        if self.is_im:
            info["user"] = self.user
        else:
            info["name"] = self.name
        return info


class ApiError(Exception):
    """A Slack error answer (`ok: false`); `invalid` marks it as the app's fault (recorded in .invalid)."""

    def __init__(self, error: str, *, invalid: bool = False, errors: list[str] | None = None) -> None:
        super().__init__(error)
        self.error, self.invalid, self.errors = error, invalid, errors or []


class Dropped(Exception):
    """The connection is closed without an answer (a dropped connection); `applied` if the call took effect."""

    def __init__(self, applied: bool) -> None:
        super().__init__("dropped")
        self.applied = applied


@dataclass
class Faults:
    """Trouble to inject into every Web API call, each drawn at random (seeded): a 429 with Retry-After, a 503,
    or a connection dropped before or after the call took effect."""

    ratelimited: float = 0.0
    server_error: float = 0.0
    dropped: float = 0.0  # half of them after the call took effect: the app cannot know whether it did
    retry_after: int = 1
    methods: frozenset[str] | None = None  # only these methods (None: all)


@dataclass
class _Upload:
    """A file between files.getUploadURLExternal and files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FakeSlack:
    """Slack's Web API on 127.0.0.1 with a small workspace model, recording, scripting and validation."""

    def __init__(
        self,
        token: str = "xoxb-test",
        team_id: str = "T111",
        latency: float = 0.0,
        ratelimit_ratio: float = 0.0,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.latency, self.ratelimit_ratio = latency, ratelimit_ratio
        self.scopes = list(DEFAULT_SCOPES)
        self.single_use_triggers = False
        self.tokens: dict[str, str] = {token: team_id}
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: list[dict[str, Any]] = []
        self.ephemerals: list[dict[str, Any]] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.uploads: list[dict[str, Any]] = []
        self.shared_files: dict[str, tuple[str, dict[str, Any], bytes]] = {}  # id → (team, files.info, content)
        self.reactions: set[tuple[str, str, str]] = set()
        self.invalid: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []
        self.ratelimited = 0
        self.faults = Faults()
        self.injected: collections.Counter[str] = collections.Counter()
        self._calls: list[Call] = []
        self._scripts: dict[str, collections.deque[dict[str, Any]]] = collections.defaultdict(collections.deque)
        self._pending: dict[str, _Upload] = {}
        self._used_triggers: set[str] = set()
        self._counter = 0
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._address = (host, port)
        self._server: _Server | None = None
        self.oauth_apps: dict[str, str] = {}
        self._grants: dict[str, dict[str, Any]] = {}
        self._refresh: dict[str, dict[str, Any]] = {}
        self.oidc_user: tuple[str, str] | None = None  # (team id, user id) signed in to Slack in "the browser"
        self._oidc_codes: dict[str, dict[str, Any]] = {}
        self._oidc_tokens: dict[str, dict[str, Any]] = {}
        self.add_user("UBOT", name="mentori", is_bot=True)

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind (port 0 = a free port) and serve in a daemon thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(self._address, handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT (no trailing slash)."""
        if not self._server:
            raise RuntimeError("FakeSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The base_url for slack_sdk's WebClient (with the trailing slash it expects)."""
        return f"{self.base}/api/"

    def response_url(self, name: str = "r1") -> str:
        """A URL that accepts POSTs like Slack's response_url; they are recorded as method "response_url"."""
        return f"{self.base}/_fake/response_url/{name}"

    # -- workspace model -------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        tz: str = "Europe/Helsinki",
        locale: str = "fi-FI",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
    ) -> User:
        """Add (or replace) a member; humans also get their DM channel "D" + id[1:]."""
        ZoneInfo(tz)  # fail early on a typo
        user = User(user_id, name or user_id.lower(), tz, locale, is_admin, is_owner, is_bot, deleted, email)
        with self._lock:
            self.users[user_id] = user
            if not is_bot:
                self.channels[self.dm_id(user_id)] = Channel(self.dm_id(user_id), is_im=True, user=user_id)
        return user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = True,
        is_member: bool = True,
        is_im: bool = False,
        members: tuple[str, ...] | None = None,
    ) -> Channel:
        """Add (or replace) a conversation; `members` (user ids) default to every person the fake knows."""
        with self._lock:
            self.channels[channel_id] = Channel(channel_id, name, is_private, is_member, is_im, members=members)
        return self.channels[channel_id]

    def add_file(
        self,
        content: bytes,
        name: str = "people.csv",
        *,
        user: str = "U111",
        team_id: str = "T111",
        filetype: str = "csv",
    ) -> dict[str, Any]:
        """A file a person uploaded through a form's file input; returns its object as a view_submission's
        state carries it (`files` of a file_input value) and files.info describes it."""
        with self._lock:
            file_id = self._next_id("F")
            url = f"{self.base}/files-pri/{team_id}-{file_id}/{name}"
            download = f"{self.base}/files-pri/{team_id}-{file_id}/download/{name}"
            info = {
                "id": file_id,
                "created": 1700000000,
                "timestamp": 1700000000,
                "name": name,
                "title": name,
                "mimetype": "text/csv" if filetype == "csv" else "text/plain",
                "filetype": filetype,
                "pretty_type": filetype.upper(),
                "user": user,
                "user_team": team_id,
                "editable": False,
                "size": len(content),
                "mode": "hosted",
                "is_external": False,
                "external_type": "",
                "is_public": False,
                "public_url_shared": False,
                "display_as_bot": False,
                "username": "",
                "url_private": url,
                "url_private_download": download,
                "permalink": f"https://example.slack.com/files/{user}/{file_id}/{name}",
                "channels": [],
                "groups": [],
                "ims": [],
                "comments_count": 0,
            }
            self.shared_files[file_id] = (team_id, info, content)
            return dict(info)

    def handle_file_download(self, path: str, auth: str) -> tuple[int, bytes, str]:
        """GET url_private(_download): the bytes with the bot token of the file's workspace; otherwise, as Slack
        does, its sign-in page (HTML, status 200) rather than an error."""
        with self._lock:
            self._calls.append(Call("_fake.download", {"path": path}, auth.removeprefix("Bearer ") or None))
            key = path.split("/")[2] if path.count("/") >= 3 else ""
            team_id, _, file_id = key.partition("-")
            found = self.shared_files.get(file_id)
            token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
            if found is None or found[0] != team_id:
                return 404, b"file not found", "text/plain"
            if self.tokens.get(token) != team_id:
                return 200, b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>", "text/html; charset=utf-8"
            return 200, found[2], "application/octet-stream"

    def add_token(self, token: str, team_id: str = "T111") -> None:
        """Accept another bot token, reporting `team_id` in auth.test (workspace data is shared)."""
        self.tokens[token] = team_id

    @staticmethod
    def dm_id(user_id: str) -> str:
        """The DM channel id conversations.open returns for a user."""
        return "D" + user_id[1:]

    # -- recording and scripting -----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every recorded call, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method."""
        return [c for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget recorded calls, invalid requests and warnings (not the workspace or messages)."""
        with self._lock:
            self._calls.clear()
            self.invalid.clear()
            self.warnings.clear()

    def script(self, method: str, *responses: dict[str, Any]) -> None:
        """Queue answers for `method`, consumed in order before normal handling."""
        with self._lock:
            self._scripts[method].extend(responses)

    def stats(self) -> dict[str, Any]:
        """Counts by method, ratelimited answers and invalid requests."""
        with self._lock:
            counts = collections.Counter(c.method for c in self._calls)
            return {
                "calls": dict(counts),
                "ratelimited": self.ratelimited,
                "invalid": list(self.invalid),
                "warnings": list(self.warnings),
            }

    # -- request handling ------------------------------------------------------------------------------

    def handle_api(self, method: str, args: dict[str, Any], token: str | None) -> Response:
        """Answer one Web API call: record, authenticate, script, throttle, then run the method."""
        with self._lock:
            self._calls.append(Call(method, dict(args), token))
            team_id = self.tokens.get(token or "")
            scripted = self._scripts[method].popleft() if team_id and self._scripts.get(method) else None
        if token is None or team_id is None:
            return _json(200, {"ok": False, "error": "not_authed" if token is None else "invalid_auth"})
        if scripted is not None and (answer := self._scripted(method, dict(scripted))):
            return answer
        time.sleep(self.latency)
        if method == "chat.postMessage" and self.ratelimit_ratio and self._roll():
            return self._ratelimit(1)
        fault = self._fault(method)
        if fault == "ratelimited":
            return self._ratelimit(self.faults.retry_after)
        if fault == "server_error":
            return _json(503, {"ok": False, "error": "service_unavailable"})
        if fault == "dropped_before":
            raise Dropped(applied=False)
        answer = self._run(method, args, team_id)
        if fault == "dropped_after":
            raise Dropped(applied=True)
        return answer

    def _fault(self, method: str) -> str | None:
        """The fault this call gets, if any (seeded draws, counted in .injected)."""
        faults = self.faults
        if faults.methods is not None and method not in faults.methods:
            return None
        with self._lock:
            draw = self._rng.random()
            fault = None
            if draw < faults.ratelimited:
                fault = "ratelimited"
            elif draw < faults.ratelimited + faults.server_error:
                fault = "server_error"
            elif draw < faults.ratelimited + faults.server_error + faults.dropped:
                fault = "dropped_before" if self._rng.random() < 0.5 else "dropped_after"
            if fault:
                self.injected[fault] += 1
            return fault

    def _scripted(self, method: str, entry: dict[str, Any]) -> Response | None:
        """Play one scripted answer; None means carry on with normal handling (after any delay)."""
        time.sleep(entry.pop("delay", 0))
        if "status" in entry:
            status = entry.pop("status")
            if status == 429:
                return self._ratelimit(entry.get("retry_after", 1))
            return _json(status, {"ok": False, "error": entry.get("error", "internal_error")})
        if "error" in entry:
            return _json(200, {"ok": False, **entry})
        return _json(200, {"ok": True, **entry}) if entry else None

    def _ratelimit(self, retry_after: int) -> Response:
        """A 429 with Retry-After, as Slack sends it."""
        with self._lock:
            self.ratelimited += 1
        return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": "ratelimited"}

    def _roll(self) -> bool:
        """Seeded coin flip for ratelimit_ratio."""
        with self._lock:
            return self._rng.random() < self.ratelimit_ratio

    def _run(self, method: str, args: dict[str, Any], team_id: str) -> Response:
        """Check required arguments and run the method's handler."""
        handler: Callable[[dict[str, Any], str], dict[str, Any]] | None = getattr(
            self, "_m_" + method.replace(".", "_"), None
        )
        try:
            if handler is None:
                raise ApiError("unknown_method", invalid=True, errors=[f"{method} is not faked"])
            missing = [name for name in REQUIRED[method] if args.get(name) in (None, "")]
            if missing:
                raise ApiError("invalid_arguments", invalid=True, errors=[f"missing required: {missing}"])
            with self._lock:
                body = {"ok": True, **handler(args, team_id)}
        except ApiError as exc:
            return self._error(method, exc)
        return _json(200, body, {"x-oauth-scopes": ",".join(self.scopes)})

    def _error(self, method: str, exc: ApiError) -> Response:
        """An `ok: false` answer; recorded in .invalid when the app sent something invalid."""
        body: dict[str, Any] = {"ok": False, "error": exc.error}
        if exc.errors:
            body["errors"] = exc.errors
            body["response_metadata"] = {"messages": [f"[ERROR] {e}" for e in exc.errors]}
        if exc.invalid:
            self.record_invalid(method, "; ".join([exc.error, *exc.errors]))
        return _json(200, body)

    def add_oauth_app(self, client_id: str, client_secret: str) -> None:
        """An app that may exchange OAuth codes (oauth.v2.access, with HTTP Basic auth as slack_sdk sends it)."""
        self.oauth_apps[client_id] = client_secret

    def grant(
        self,
        code: str,
        *,
        team_id: str,
        team_name: str = "Workspace",
        bot_token: str,
        user_id: str = "U111",
        rotating: bool = False,
    ) -> None:
        """Make `code` exchangeable for an install of the bot in `team_id`."""
        self._grants[code] = {
            "team_id": team_id,
            "team_name": team_name,
            "bot_token": bot_token,
            "user_id": user_id,
            "rotating": rotating,
        }

    def handle_oauth_access(self, args: dict[str, Any], auth: str) -> Response:
        """oauth.v2.access: exchange a code, or a refresh token when tokens rotate."""
        with self._lock:
            self._calls.append(Call("oauth.v2.access", {k: v for k, v in args.items() if k != "client_secret"}, None))
        client_id, secret = args.get("client_id"), args.get("client_secret")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if not client_id or self.oauth_apps.get(client_id) != secret:
            return _json(
                200,
                {
                    "ok": False,
                    "error": "invalid_client_id" if client_id not in self.oauth_apps else "bad_client_secret",
                },
            )
        if args.get("grant_type") == "refresh_token":
            grant = self._refresh.pop(args.get("refresh_token", ""), None)
            if grant is None:
                return _json(200, {"ok": False, "error": "invalid_refresh_token"})
            grant = {**grant, "bot_token": f"{grant['bot_token'].split('~')[0]}~{self._next_ts()}"}
        else:
            grant = self._grants.pop(args.get("code", ""), None)
            if grant is None:
                return _json(200, {"ok": False, "error": "invalid_code"})
        return _json(200, self._install(grant))

    def _install(self, grant: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.tokens[grant["bot_token"]] = grant["team_id"]
        body: dict[str, Any] = {
            "ok": True,
            "app_id": "A111",
            "authed_user": {"id": grant["user_id"]},
            "scope": ",".join(self.scopes),
            "token_type": "bot",
            "access_token": grant["bot_token"],
            "bot_user_id": "UBOT",
            "team": {"id": grant["team_id"], "name": grant["team_name"]},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if grant["rotating"]:
            refresh = f"xoxe-1-{grant['team_id']}-{self._next_ts()}"
            self._refresh[refresh] = grant
            body.update(refresh_token=refresh, expires_in=43200)
        return body

    # -- Sign in with Slack (OpenID Connect) ---------------------------------------------------------------

    @property
    def oidc_authorize_url(self) -> str:
        """Where the app sends a browser to sign in (Slack's is https://slack.com/openid/connect/authorize)."""
        return f"{self.base}/openid/connect/authorize"

    def sign_in_as(self, user_id: str | None, team_id: str = "T111") -> None:
        """The person the next authorize request signs in (as if they were signed in to Slack); None: nobody."""
        with self._lock:
            self.oidc_user = (team_id, user_id) if user_id else None

    def handle_oidc_authorize(self, query: str) -> tuple[int, dict[str, str], bytes]:
        """/openid/connect/authorize: checks the request as Slack does, then redirects back with a code and state."""
        args = dict(parse_qsl(query, keep_blank_values=True))
        with self._lock:
            self._calls.append(Call("openid.connect.authorize", dict(args), None))
            signed_in = self.oidc_user
        problems = []
        if args.get("response_type") != "code":
            problems.append("response_type must be code")
        if "openid" not in re.split(r"[ ,]", args.get("scope", "")):
            problems.append("scope must include openid")
        if args.get("client_id") not in self.oauth_apps:
            problems.append("unknown client_id")
        if not args.get("redirect_uri", "").startswith(("http://", "https://")):
            problems.append("redirect_uri must be an http(s) URL")
        if not args.get("state"):
            problems.append("state is missing")
        if problems:
            self.record_invalid("openid.connect.authorize", "; ".join(problems))
            return 400, {}, "; ".join(problems).encode()
        redirect = args["redirect_uri"]
        joiner = "&" if "?" in redirect else "?"
        if signed_in is None:
            return (
                302,
                {"Location": f"{redirect}{joiner}{urlencode({'error': 'access_denied', 'state': args['state']})}"},
                b"",
            )
        code = f"oidc-{self._next_id('C')}"
        with self._lock:
            self._oidc_codes[code] = {
                "team_id": signed_in[0],
                "user_id": signed_in[1],
                "client_id": args["client_id"],
                "redirect_uri": args["redirect_uri"],
                "nonce": args.get("nonce"),
            }
        return 302, {"Location": f"{redirect}{joiner}{urlencode({'code': code, 'state': args['state']})}"}, b""

    def handle_oidc_token(self, args: dict[str, Any], auth: str) -> Response:
        """openid.connect.token: exchange a code (once) for an access token and an ID token carrying the nonce."""
        with self._lock:
            self._calls.append(
                Call("openid.connect.token", {k: v for k, v in args.items() if k != "client_secret"}, None)
            )
        client_id, secret = args.get("client_id"), args.get("client_secret")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if not client_id or self.oauth_apps.get(client_id) != secret:
            return _json(
                200,
                {
                    "ok": False,
                    "error": "invalid_client_id" if client_id not in self.oauth_apps else "bad_client_secret",
                },
            )
        if args.get("grant_type") not in (None, "authorization_code"):
            self.record_invalid("openid.connect.token", f"grant_type {args.get('grant_type')!r} with a code")
            return _json(200, {"ok": False, "error": "invalid_grant_type"})
        with self._lock:
            grant = self._oidc_codes.pop(str(args.get("code") or ""), None)
        if grant is None or grant["client_id"] != client_id:
            return _json(200, {"ok": False, "error": "invalid_code"})
        if args.get("redirect_uri") != grant["redirect_uri"]:
            self.record_invalid("openid.connect.token", "redirect_uri differs from the one sent to authorize")
            return _json(200, {"ok": False, "error": "bad_redirect_uri"})
        user = self.users.get(grant["user_id"])
        access = f"xoxp-oidc-{self._next_id('A')}"
        now = int(time.time())
        claims = {
            "iss": "https://slack.com",
            "sub": grant["user_id"],
            "aud": client_id,
            "exp": now + 3600,
            "iat": now,
            "auth_time": now,
            "https://slack.com/user_id": grant["user_id"],
            "https://slack.com/team_id": grant["team_id"],
            "name": user.name if user else grant["user_id"],
            "locale": user.locale if user else "en-US",
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        with self._lock:
            self._oidc_tokens[access] = claims
        return _json(200, {"ok": True, "access_token": access, "token_type": "Bearer", "id_token": _jwt(claims)})

    def handle_oidc_userinfo(self, token: str | None) -> Response:
        """openid.connect.userInfo with the access token from openid.connect.token."""
        with self._lock:
            self._calls.append(Call("openid.connect.userInfo", {}, token))
            claims = self._oidc_tokens.get(token or "")
        if token is None:
            return _json(200, {"ok": False, "error": "not_authed"})
        if claims is None:
            return _json(200, {"ok": False, "error": "invalid_auth"})
        info = {
            key: claims[key]
            for key in ("sub", "https://slack.com/user_id", "https://slack.com/team_id", "name", "locale")
        }
        return _json(200, {"ok": True, **info, "https://slack.com/team_name": "Workspace", "email_verified": False})

    def record_invalid(self, method: str, reason: str) -> None:
        """Note a request Slack would refuse because of the app."""
        with self._lock:
            self.invalid.append((method, reason))

    def handle_response_url(self, name: str, body: dict[str, Any]) -> Response:
        """Record a POST to a response_url, validating its blocks."""
        with self._lock:
            self._calls.append(Call("response_url", {**body, "_name": name}, None))
        errors = validate_blocks(body["blocks"], "message") if "blocks" in body else []
        if errors:
            self._error("response_url", ApiError("invalid_blocks", invalid=True, errors=errors))
            return _json(400, {"ok": False, "error": "invalid_blocks", "errors": errors})
        return _json(200, {"ok": True})

    def handle_upload(self, file_id: str, content: bytes) -> tuple[int, bytes]:
        """Receive file bytes at an upload URL from files.getUploadURLExternal."""
        with self._lock:
            self._calls.append(Call("_fake.upload", {"file_id": file_id, "length": len(content)}, None))
            upload = self._pending.get(file_id)
            if upload is None:
                return 404, b"file not found"
            upload.content = content
        return 200, f"OK - {len(content)}".encode()

    # -- helpers used by the methods -------------------------------------------------------------------

    def _next_ts(self) -> str:
        """Unique, increasing message ts like "1700000000.000100"."""
        self._counter += 1
        micros = 1_700_000_000_000_000 + self._counter * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        """A fresh Slack-style id (V…, F…)."""
        self._counter += 1
        return f"{prefix}{self._counter:08d}"

    def _channel(self, channel: str) -> Channel:
        """Resolve a channel id, a channel name or a user id (→ the user's DM) the way chat.* does."""
        if channel in self.channels:
            return self.channels[channel]
        if channel in self.users and not self.users[channel].is_bot:
            return self.channels[self.dm_id(channel)]
        by_name = [c for c in self.channels.values() if c.name and c.name == channel.lstrip("#")]
        if by_name:
            return by_name[0]
        raise ApiError("channel_not_found")

    def _writable(self, channel: str) -> Channel:
        """A conversation the bot may post in."""
        conv = self._channel(channel)
        if not (conv.is_member or conv.is_im):
            raise ApiError("not_in_channel")
        return conv

    def _user(self, user_id: str) -> User:
        """A known user, else user_not_found."""
        if user_id not in self.users:
            raise ApiError("user_not_found")
        return self.users[user_id]

    def _message(self, channel: str, ts: str) -> dict[str, Any]:
        """A posted message, else message_not_found."""
        for msg in self.messages:
            if msg["channel"] == channel and msg["ts"] == ts:
                return msg
        raise ApiError("message_not_found")

    def _check_blocks(self, method: str, args: dict[str, Any]) -> None:
        """Validate `blocks`; also enforce text/blocks presence and warn about a missing fallback text."""
        if "blocks" in args:
            errors = validate_blocks(args["blocks"], "message")
            if errors:
                raise ApiError("invalid_blocks", invalid=True, errors=errors)
        has_text = bool(str(args.get("text") or args.get("markdown_text") or "").strip())
        if not (has_text or args.get("blocks") or args.get("attachments")) and method != "chat.update":
            raise ApiError("no_text", invalid=True)
        if len(str(args.get("text") or "")) > 40000:
            raise ApiError("msg_too_long", invalid=True)
        if args.get("blocks") and not has_text and method != "chat.update":
            self.warnings.append((method, "missing_text: blocks posted without a `text` fallback"))

    def _check_view(self, view: Any, expected_type: str | None) -> dict[str, Any]:
        """Validate a view argument and return it as a dict."""
        if not isinstance(view, dict):
            raise ApiError("invalid_arguments", invalid=True, errors=["view must be a JSON object"])
        if expected_type and view.get("type") != expected_type:
            raise ApiError("invalid_arguments", invalid=True, errors=[f"view type must be {expected_type}"])
        errors = validate_view(view)
        if errors:
            raise ApiError("invalid_blocks", invalid=True, errors=errors)
        return view

    def _use_trigger(self, trigger_id: str) -> None:
        """With single_use_triggers, a trigger_id opens one view only (as on Slack)."""
        if self.single_use_triggers and trigger_id in self._used_triggers:
            raise ApiError("exchanged_trigger_id")
        self._used_triggers.add(trigger_id)

    def _store_view(
        self, view: dict[str, Any], team_id: str, view_id: str | None = None, previous: str | None = None
    ) -> dict[str, Any]:
        """Store a view and return it as Slack's `view` response object."""
        view_id = view_id or self._next_id("V")
        full = {
            "id": view_id,
            "team_id": team_id,
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            **view,
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.{self._rng.getrandbits(32):08x}",
            "root_view_id": view_id,
            "previous_view_id": previous,
            "app_id": "A111",
            "bot_id": "BBOT",
            "app_installed_team_id": team_id,
        }
        self.views[view_id] = full
        return full

    # -- methods ---------------------------------------------------------------------------------------

    def _m_auth_test(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """auth.test."""
        return {
            "url": "https://mentori-test.slack.com/",
            "team": "Mentori Test",
            "user": "mentori",
            "team_id": team_id,
            "user_id": "UBOT",
            "bot_id": "BBOT",
            "is_enterprise_install": False,
        }

    def _m_chat_postMessage(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """chat.postMessage: stores the message in .messages."""
        conv = self._writable(args["channel"])
        self._check_blocks("chat.postMessage", args)
        msg = {
            "channel": conv.id,
            "ts": self._next_ts(),
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "thread_ts": args.get("thread_ts"),
            "attachments": args.get("attachments"),
            "metadata": args.get("metadata"),
            "user": "UBOT",
        }
        self.messages.append(msg)
        return {"channel": conv.id, "ts": msg["ts"], "message": self._message_object(msg, team_id)}

    @staticmethod
    def _message_object(msg: dict[str, Any], team_id: str) -> dict[str, Any]:
        """The `message` object in chat.* responses."""
        out = {
            "type": "message",
            "user": "UBOT",
            "bot_id": "BBOT",
            "app_id": "A111",
            "team": team_id,
            "text": msg.get("text") or "",
            "ts": msg["ts"],
        }
        out.update({k: msg[k] for k in ("blocks", "thread_ts", "attachments", "metadata") if msg.get(k)})
        if msg.get("file_names"):
            out["files"] = [{"id": f, "name": n} for f, n in zip(msg["files"], msg["file_names"], strict=True)]
        return out

    def _m_chat_postEphemeral(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """chat.postEphemeral: stores the message in .ephemerals."""
        conv = self._writable(args["channel"])
        self._user(args["user"])
        self._check_blocks("chat.postEphemeral", args)
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "channel": conv.id,
                "user": args["user"],
                "ts": ts,
                "text": args.get("text"),
                "blocks": args.get("blocks"),
                "thread_ts": args.get("thread_ts"),
            }
        )
        return {"message_ts": ts}

    def _m_chat_update(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """chat.update: the ts must be a message posted in that channel."""
        msg = self._message(self._channel(args["channel"]).id, args["ts"])
        self._check_blocks("chat.update", args)
        msg.update({k: args[k] for k in ("text", "blocks", "attachments", "metadata") if k in args})
        return {
            "channel": msg["channel"],
            "ts": msg["ts"],
            "text": msg.get("text") or "",
            "message": self._message_object(msg, team_id),
        }

    def _m_chat_delete(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """chat.delete: removes the message from .messages."""
        msg = self._message(self._channel(args["channel"]).id, args["ts"])
        self.messages.remove(msg)
        return {"channel": msg["channel"], "ts": msg["ts"]}

    def _m_conversations_open(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """conversations.open with users=U… (a DM), users=U1,U2,… (a group DM, needs mpim:write) or channel=D…."""
        if args.get("channel"):
            return {"no_op": True, "already_open": True, "channel": {"id": self._channel(args["channel"]).id}}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise ApiError("users_list_not_supplied", invalid=True)
        if len(users) > GROUP_DM_MOST or len(set(users)) != len(users):
            raise ApiError("invalid_users" if len(users) <= GROUP_DM_MOST else "too_many_users", invalid=True)
        people = [self._reachable(user_id) for user_id in users]
        if len(people) == 1:
            return {"no_op": True, "already_open": True, "channel": {"id": self.dm_id(people[0].id)}}
        if "mpim:write" not in self.scopes:
            raise ApiError("missing_scope")
        return {"no_op": False, "already_open": False, "channel": {"id": self._group_dm(users).id}}

    def _reachable(self, user_id: str) -> User:
        user = self._user(user_id)
        if user.is_bot:
            raise ApiError("cannot_dm_bot")
        if user.deleted:
            raise ApiError("user_disabled")
        return user

    def _group_dm(self, users: list[str]) -> Channel:
        """The one group DM of these people with the bot (the same whatever their order)."""
        members = tuple(sorted(users))
        for channel in self.channels.values():
            if channel.is_mpim and channel.members == members:
                return channel
        channel = Channel(self._next_id("G"), name="mpdm-" + "--".join(members), is_mpim=True, members=members)
        self.channels[channel.id] = channel
        return channel

    def group_dms(self) -> dict[str, tuple[str, ...]]:
        """Every group DM opened so far: channel id → its people."""
        return {c.id: c.members or () for c in self.channels.values() if c.is_mpim}

    def _m_conversations_info(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """conversations.info."""
        if args["channel"] not in self.channels:
            raise ApiError("channel_not_found")
        return {"channel": self.channels[args["channel"]].to_api()}

    def _m_conversations_members(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """conversations.members, paginated by `limit` and `cursor` (an offset); only for channels the bot is in."""
        channel = self.channels.get(args["channel"])
        if channel is None or channel.is_im or not channel.is_member:
            raise ApiError("channel_not_found")
        people = channel.members
        if people is None:
            people = tuple(user_id for user_id, user in self.users.items() if not user.is_bot)
        members = sorted(people)
        start = int(args.get("cursor") or 0)
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        following = start + limit
        cursor = str(following) if following < len(members) else ""
        return {"members": members[start:following], "response_metadata": {"next_cursor": cursor}}

    def _m_conversations_replies(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """conversations.replies over the messages the fake knows (Bolt calls it for say() in DM threads)."""
        channel, ts = self._channel(args["channel"]).id, str(args["ts"])
        oldest, limit = float(args.get("oldest") or 0), int(args.get("limit") or 1000)
        thread = [m for m in self.messages if m["channel"] == channel and ts in (m["ts"], m.get("thread_ts"))]
        thread = [m for m in thread if float(m["ts"]) >= oldest][:limit]
        return {"messages": [self._message_object(m, team_id) for m in thread], "has_more": False}

    def _m_conversations_history(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """conversations.history: top-level messages, newest first; metadata only with include_all_metadata."""
        conv = self._channel(args["channel"])
        needed = (
            "im:history"
            if conv.is_im
            else "mpim:history"
            if conv.is_mpim
            else "groups:history"
            if conv.is_private
            else "channels:history"
        )
        if needed not in self.scopes:
            raise ApiError("missing_scope")
        channel = conv.id
        oldest, limit = float(args.get("oldest") or 0), int(args.get("limit") or 100)
        latest = float(args.get("latest") or "inf")
        found = [
            m
            for m in self.messages
            if m["channel"] == channel and m.get("thread_ts") in (None, m["ts"]) and oldest < float(m["ts"]) < latest
        ]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        metadata = args.get("include_all_metadata") in TRUE
        out = [
            {k: v for k, v in self._message_object(m, team_id).items() if metadata or k != "metadata"}
            for m in found[:limit]
        ]
        return {"messages": out, "has_more": len(found) > limit}

    def _m_users_info(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """users.info (locale only with include_locale)."""
        return {"user": self._user(args["user"]).to_api(team_id, args.get("include_locale") in TRUE)}

    def _m_users_lookupByEmail(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """users.lookupByEmail (case-insensitive; deactivated users are not found)."""
        email = str(args["email"]).lower()
        for user in self.users.values():
            if user.email and user.email.lower() == email and not user.deleted:
                return {"user": user.to_api(team_id, False)}
        raise ApiError("users_not_found")

    def _m_views_open(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """views.open."""
        view = self._check_view(args["view"], "modal")
        self._use_trigger(str(args["trigger_id"]))
        return {"view": self._store_view(view, team_id)}

    def _m_views_push(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """views.push."""
        return self._m_views_open(args, team_id)

    def _m_views_update(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """views.update by view_id or external_id; a stale hash → hash_conflict."""
        view = self._check_view(args["view"], None)
        view_id = args.get("view_id")
        if not view_id and not args.get("external_id"):
            raise ApiError("invalid_arguments", invalid=True, errors=["view_id or external_id is required"])
        if not view_id:
            found = [v["id"] for v in self.views.values() if v.get("external_id") == args["external_id"]]
            view_id = found[0] if found else None
        if view_id not in self.views:
            raise ApiError("not_found")
        if args.get("hash") and args["hash"] != self.views[view_id]["hash"]:
            raise ApiError("hash_conflict")
        return {"view": self._store_view(view, team_id, view_id)}

    def _m_views_publish(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """views.publish: stores the Home tab in .home_views."""
        view = self._check_view(args["view"], "home")
        self._user(args["user_id"])
        self.home_views[args["user_id"]] = view
        return {"view": self._store_view(view, team_id)}

    def _m_reactions_add(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """reactions.add; repeating one → already_reacted."""
        if ":" in args["name"]:
            raise ApiError("invalid_name", invalid=True, errors=["name without colons, e.g. white_check_mark"])
        key = (self._channel(args["channel"]).id, str(args["timestamp"]), args["name"])
        if key in self.reactions:
            raise ApiError("already_reacted")
        self.reactions.add(key)
        return {}

    def _m_files_info(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """files.info: needs files:read; only the files of the token's workspace are found."""
        if "files:read" not in self.scopes:
            raise ApiError("missing_scope")
        found = self.shared_files.get(str(args["file"]))
        if found is None or found[0] != team_id:
            raise ApiError("file_not_found")
        return {"file": dict(found[1]), "comments": [], "response_metadata": {"next_cursor": ""}}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """files.getUploadURLExternal: hands out an upload URL on this server."""
        file_id = self._next_id("F")
        self._pending[file_id] = _Upload(file_id, args["filename"], int(args["length"]))
        return {"upload_url": f"{self.base}/_fake/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any], team_id: str) -> dict[str, Any]:
        """files.completeUploadExternal: shares uploaded files (and posts the file message to channel_id)."""
        files = args["files"] if isinstance(args["files"], list) else []
        uploads = [self._pending.get(f.get("id", "")) for f in files if isinstance(f, dict)]
        if not uploads or any(u is None or u.content is None for u in uploads):
            raise ApiError("file_not_found", invalid=True, errors=["files must have been uploaded first"])
        channel = args.get("channel_id") or str(args.get("channels") or "").split(",")[0]
        conv = self._writable(channel) if channel else None
        out = []
        for spec, upload in zip(files, uploads, strict=True):
            assert upload is not None and upload.content is not None
            item = {
                "id": upload.id,
                "name": upload.filename,
                "title": spec.get("title") or upload.filename,
                "size": len(upload.content),
                "user": "UBOT",
                "channels": [conv.id] if conv else [],
            }
            self.uploads.append(
                {
                    **item,
                    "content": upload.content,
                    "channel_id": conv.id if conv else None,
                    "initial_comment": args.get("initial_comment"),
                    "thread_ts": args.get("thread_ts"),
                }
            )
            out.append(item)
            del self._pending[upload.id]
        if conv:
            self.messages.append(
                {
                    "channel": conv.id,
                    "ts": self._next_ts(),
                    "text": args.get("initial_comment"),
                    "blocks": None,
                    "thread_ts": args.get("thread_ts"),
                    "user": "UBOT",
                    "files": [f["id"] for f in out],
                    "file_names": [f["name"] for f in out],
                }
            )
        return {"files": out}


def _jwt(claims: dict[str, Any]) -> str:
    """A token shaped like Slack's ID token (header.payload.signature); the fake's signature is random bytes."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = json.dumps({"typ": "JWT", "alg": "RS256", "kid": "fake"}).encode()
    return ".".join([part(header), part(json.dumps(claims).encode()), part(random.randbytes(32))])


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """A JSON answer."""
    return status, headers or {}, body


def decode_args(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """Merge query and body arguments (form or JSON); decode JSON-string values such as blocks and view."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if "application/json" in content_type:
        payload = json.loads(body or b"{}")
        if not isinstance(payload, dict):
            raise ValueError("json_not_object")
        args.update(payload)
    elif body:
        args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    for key in JSON_ARGS & args.keys():
        if isinstance(args[key], str) and args[key][:1] in ("[", "{"):
            with contextlib.suppress(json.JSONDecodeError):  # else left as a string, for validation to refuse
                args[key] = json.loads(args[key])
    return args


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer with daemon threads and a backlog big enough for benchmarks."""

    daemon_threads = True
    request_queue_size = 1024


class _Handler(BaseHTTPRequestHandler):
    """Routes /api/<method>, the upload and response_url endpoints, and /_fake/* state."""

    fake: FakeSlack

    def do_POST(self) -> None:
        """Any method via POST (as slack_sdk does)."""
        self._dispatch()

    def do_GET(self) -> None:
        """Any method via GET, plus the /_fake/* state endpoints."""
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log."""

    def _dispatch(self) -> None:
        """Route one request."""
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type") or ""
        if url.path.startswith("/api/"):
            try:
                self._reply(*self._api(url.path[5:], content_type, body, url.query))
            except Dropped:
                self.close_connection = True  # no answer at all: the client sees the connection go
        elif url.path == "/openid/connect/authorize":
            status, headers, text = self.fake.handle_oidc_authorize(url.query)
            self._send(status, text, "text/plain", headers)
        elif url.path.startswith("/files-pri/"):
            status, data, kind = self.fake.handle_file_download(url.path, self.headers.get("Authorization") or "")
            self._send(status, data, kind)
        elif url.path.startswith("/_fake/upload/"):
            status, text = self.fake.handle_upload(url.path.rsplit("/", 1)[1], body)
            self._send(status, text, "text/plain")
        elif url.path.startswith("/_fake/response_url/"):
            payload = decode_args(content_type or "application/json", body, "")
            if isinstance(payload.get("payload"), str):  # incoming-webhook style form
                payload = json.loads(payload["payload"])
            self._reply(*self.fake.handle_response_url(url.path.rsplit("/", 1)[1], payload))
        elif url.path in ("/_fake/calls", "/_fake/stats", "/_fake/messages"):
            self._reply(200, {}, self._state(url.path.rsplit("/", 1)[1]))
        else:
            self._send(404, b"not found", "text/plain")

    def _api(self, method: str, content_type: str, body: bytes, query: str) -> Response:
        """Decode a Web API call and hand it to the fake."""
        auth = self.headers.get("Authorization") or ""
        try:
            args = decode_args(content_type, body, query)
        except (ValueError, UnicodeDecodeError) as exc:
            self.fake.record_invalid(method, f"invalid_json: {exc}")
            return _json(200, {"ok": False, "error": "invalid_json"})
        if "multipart/form-data" in content_type:
            self.fake.record_invalid(method, "multipart bodies are not faked (files.upload v1 is retired)")
            return _json(200, {"ok": False, "error": "invalid_form_data"})
        if method == "oauth.v2.access":
            return self.fake.handle_oauth_access(args, auth)
        if method == "openid.connect.token":
            return self.fake.handle_oidc_token(args, auth)
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else args.pop("token", None)
        if method == "openid.connect.userInfo":
            return self.fake.handle_oidc_userinfo(token)
        return self.fake.handle_api(method, args, token)

    def _state(self, what: str) -> Any:
        """JSON-able state for another process (e2e tests, benchmarks)."""
        if what == "calls":
            return [asdict(c) for c in self.fake.calls]
        if what == "messages":
            return list(self.fake.messages)
        return self.fake.stats()

    def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
        """Send a JSON body."""
        self._send(status, json.dumps(body, default=str).encode(), "application/json; charset=utf-8", headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        """Write a response; a client that gave up (timeout tests) is not an error."""
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def main(argv: list[str] | None = None) -> None:
    """Serve a FakeSlack until SIGTERM/SIGINT, printing FAKE_SLACK_URL=... first."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--ratelimit-ratio", type=float, default=0.0)
    parser.add_argument("--users", type=int, default=0, help="create users U0000001… with emails")
    parser.add_argument("--channels", type=int, default=0, help="create private channels G0000001… with Mentori in")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--token", default="xoxb-test")
    parser.add_argument("--team-id", default="T111")
    opts = parser.parse_args(argv)
    fake = FakeSlack(
        opts.token, opts.team_id, opts.latency, opts.ratelimit_ratio, opts.seed, host=opts.host, port=opts.port
    )
    for i in range(1, opts.users + 1):
        fake.add_user(f"U{i:07d}", name=f"User {i}", email=f"user{i}@example.com")
    for i in range(1, opts.channels + 1):
        fake.add_channel(f"G{i:07d}", name=f"hr-{i}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with fake:
        print(f"FAKE_SLACK_URL={fake.url}", flush=True)
        stop.wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
