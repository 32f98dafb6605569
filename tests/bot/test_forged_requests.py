"""Forged, replayed, altered and oversized requests to /slack/events: all 4xx, nothing acted on, one log line each."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.app import create_app
from bot.deps import Deps
from bot.inbound import MAX_BODY
from bot.web import MentoriWsgi, database_health
from tests.support import slack_requests as build
from tests.support.app_driver import TrackingExecutor
from tests.support.cohorts import ADMIN, COACH, MENTOR, add_people, seed, snapshot
from tests.support.fake_slack import FakeSlack
from tests.support.wsgi import call_wsgi

SECRET_WORDS = "my-private-reflection-text"  # in every body: it must never reach the log
Headers = dict[str, str]
Variant = tuple[str, bytes, Headers, str | None]  # what was done, body, headers, Content-Length override


def _bodies() -> dict[str, bytes]:
    """Requests that would change something if they were acted on."""
    return {
        "command": build.slash_command(
            f'cohort create "{SECRET_WORDS}" 2027-03-01 2027-04-01 2027-05-01', user_id=ADMIN
        ),
        "org": build.slash_command(f'org add "Spring 2027" "{SECRET_WORDS}" <#GHRKELA|hr-kela>', user_id=COACH),
        "click": build.block_actions("home.export", "export", user_id=MENTOR),
        "form": build.view_submission("cohort_create", {"name": {"value": SECRET_WORDS}}, user_id=ADMIN),
        "dm": build.message_im(SECRET_WORDS, user_id=MENTOR),
        "handshake": build.url_verification(SECRET_WORDS),
        "archive": build.slash_command('cohort archive "Spring 2027"', user_id=ADMIN),
        "kickoff": build.slash_command('kickoff "Spring 2027" 1', user_id=COACH),
        "skip": build.block_actions("prompt.skip", "1", user_id=MENTOR),
        "answer": build.view_submission(
            "answer", {"text": {"value": SECRET_WORDS}}, user_id=MENTOR, private_metadata='{"delivery": 1}'
        ),
        "home": build.app_home_opened(MENTOR),
    }


def _timestamps(now: int, rng: random.Random) -> list[tuple[str, str]]:
    odd = ["abc", "1e9", "²", "١٧٠٠٠٠٠٠٠٠", " 1", "-1", "", "9" * 40, f"{now}.5", f"{now} ", "0x10", "NaN"]
    stale = [now - 400, now + 400, now - 3600, now - 10**9, 0, now + 10**6]
    stale += [now + rng.choice((-1, 1)) * rng.randrange(400, 10**8) for _ in range(20)]
    return [(f"timestamp {t!r}", t) for t in odd] + [(f"timestamp {t - now:+d} s", str(t)) for t in stale]


def _variants(secret: str) -> Iterator[Variant]:
    now = int(time.time())
    rng = random.Random(12)
    for name, body in _bodies().items():
        good = build.sign(secret, body)
        yield f"{name}: unsigned", body, {"Content-Type": good["Content-Type"]}, None
        yield f"{name}: no timestamp", body, _without(good, "X-Slack-Request-Timestamp"), None
        yield f"{name}: no signature", body, _without(good, "X-Slack-Signature"), None
        for what, stamp in _timestamps(now, rng):
            signed = build.sign(secret, body, timestamp=int(stamp)) if stamp.isascii() and stamp.isdigit() else good
            yield f"{name}: {what}", body, {**signed, "X-Slack-Request-Timestamp": stamp}, None
        for what, signature in _signatures(secret, body, good, rng):
            yield f"{name}: {what}", body, {**good, "X-Slack-Signature": signature}, None
        for what, altered in _alterations(body, rng):
            yield f"{name}: {what}", altered, good, None
        for what, length in (
            ("no Content-Length", ""),
            ("Content-Length 'abc'", "abc"),
            ("Content-Length -1", "-1"),
            ("Content-Length too large", str(MAX_BODY + 1)),
        ):
            yield f"{name}: {what}", body, good, length
        for content_type in ("application/json", "application/x-www-form-urlencoded", "text/plain", ""):
            altered = body + b"}"
            yield f"{name}: altered, as {content_type!r}", altered, {**good, "Content-Type": content_type}, None
        yield f"{name}: signed by another secret", body, build.sign("not-" + secret, body), None
        yield f"{name}: timestamp moved after signing", body, {**good, "X-Slack-Request-Timestamp": str(now - 1)}, None


def _without(headers: Headers, name: str) -> Headers:
    return {key: value for key, value in headers.items() if key != name}


def _signatures(secret: str, body: bytes, good: Headers, rng: random.Random) -> list[tuple[str, str]]:
    right = good["X-Slack-Signature"]
    other = build.sign(secret, body + b" ")["X-Slack-Signature"]
    hexes = ["v0=" + "".join(rng.choice("0123456789abcdef") for _ in range(64)) for _ in range(6)]
    return [
        ("signature of another body", other),
        ("v1 signature", "v1=" + right[3:]),
        ("upper-case signature", right.upper()),
        ("signature cut short", right[:-1]),
        ("signature with a space", right + " "),
        ("empty signature", ""),
        ("signature without v0=", right[3:]),
        ("signature twice", right + "," + right),
        ("non-hex signature", "v0=" + "z" * 64),
        *((f"random signature {n}", value) for n, value in enumerate(hexes)),
    ]


def _alterations(body: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    flips = []
    for n in range(60):
        at = rng.randrange(len(body))
        flips.append((f"byte {at} flipped ({n})", body[:at] + bytes([body[at] ^ 0x20]) + body[at + 1 :]))
    return [
        *flips,
        ("appended", body + b"&extra=1"),
        ("cut short", body[:-5]),
        ("doubled", body + body),
        ("invalid JSON", b'{"type": "event_callback", "event": ' + body[:20]),
        ("not UTF-8", body + b"\xff\xfe"),
        ("emptied", b""),
        ("JSON made a list", b"[" + body + b"]"),
        ("NUL inside", body.replace(b"a", b"\x00", 1)),
    ]


def _all_variants(secret: str) -> list[Variant]:
    return list(_variants(secret))


@pytest.fixture
def listeners() -> Iterator[TrackingExecutor]:
    executor = TrackingExecutor()
    yield executor
    executor.drain()
    executor.shutdown()


@pytest.fixture
def wsgi(deps: Deps, engine: Engine, fake_slack: FakeSlack, listeners: TrackingExecutor) -> MentoriWsgi:
    add_people(fake_slack)
    seed(engine)
    return MentoriWsgi(create_app(deps, listener_executor=listeners), database_health(engine))


def test_over_a_thousand_forged_requests_are_all_refused_and_nothing_is_acted_on(
    wsgi: MentoriWsgi,
    listeners: TrackingExecutor,
    engine: Engine,
    fake_slack: FakeSlack,
    signing_secret: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    variants = _all_variants(signing_secret)
    assert len(variants) >= 1000
    before = snapshot(engine)
    fake_slack.reset_calls()
    caplog.set_level(logging.DEBUG)
    statuses: dict[int, int] = {}
    for what, body, headers, length in variants:
        caplog.clear()
        response = call_wsgi(wsgi, "POST", "/slack/events", body, headers, content_length=length)
        listeners.drain()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        assert 400 <= response.status < 500, f"{what}: {response.status} {response.body[:200]}"
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
        assert len(lines) == 1 and "\n" not in lines[0], f"{what}: {lines}"
        assert not any(r.exc_info for r in caplog.records), what
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert SECRET_WORDS not in logged and "hooks.slack.com" not in logged, f"{what}: the body reached the log"
    assert snapshot(engine) == before
    assert fake_slack.calls == [], [call.method for call in fake_slack.calls]
    assert set(statuses) <= {400, 401, 411, 413}


def test_the_same_requests_signed_correctly_are_acted_on(
    wsgi: MentoriWsgi, listeners: TrackingExecutor, engine: Engine, fake_slack: FakeSlack, signing_secret: str
) -> None:
    """The refusals above are for what was forged, not for the requests themselves."""
    before = snapshot(engine)
    body = build.slash_command(
        'org add "Spring 2027" "Kela" <#GHRKELA|hr-kela>', user_id=COACH, response_url=fake_slack.response_url()
    )
    assert call_wsgi(wsgi, "POST", "/slack/events", body, build.sign(signing_secret, body)).status == 200
    listeners.drain()
    assert snapshot(engine) != before
    assert "*Kela* is now in *Spring 2027*" in fake_slack.calls_to("response_url")[-1].args["text"]


def test_a_body_over_slacks_maximum_is_refused_before_it_is_read(
    wsgi: MentoriWsgi, signing_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"payload=" + b"x" * (MAX_BODY + 1)
    caplog.set_level(logging.DEBUG)
    unread = _Unread(len(body))
    started: list[str] = []
    signed = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in build.sign(signing_secret, body).items()}
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_PORT": "3000",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": unread,
        **signed,
    }
    list(wsgi(environ, lambda status, headers, *_: started.append(status)))
    assert started == ["413 Content Too Large"]
    assert unread.read_bytes == 0
    (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert f"a body over {MAX_BODY} bytes" in line and len(line) < 200


class _Unread:
    """A request body that records how much of it was read."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.size - self.read_bytes if n < 0 else min(n, self.size - self.read_bytes)
        self.read_bytes += chunk
        return b"x" * chunk


def test_a_forged_request_is_logged_in_one_line_without_its_body(
    wsgi: MentoriWsgi, signing_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = build.message_im(SECRET_WORDS, user_id=MENTOR)
    caplog.set_level(logging.DEBUG)
    stale = build.sign(signing_secret, body, timestamp=int(time.time()) - 3600)
    assert call_wsgi(wsgi, "POST", "/slack/events", body, stale).status == 401
    (record,) = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert record.getMessage().startswith("refused a request to /slack/events with 401")
    assert "s off (clock skew, or a replay)" in record.getMessage()
    assert SECRET_WORDS not in json.dumps([r.getMessage() for r in caplog.records])
