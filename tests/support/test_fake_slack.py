"""Tests of the fake Slack and the request builders, through the real slack_sdk and slack_bolt."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.support import slack_requests as sr
from tests.support.block_kit import validate_blocks, validate_view
from tests.support.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-signing-secret"


def section(text: str) -> dict:
    """A mrkdwn section block."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(title: str = "Mentori", blocks: list | None = None) -> dict:
    """A minimal modal view."""
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks or [section("x")]}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A running fake with one human user."""
    with FakeSlack() as f:
        f.add_user("U111", name="Anna Virtanen", email="anna@example.com")
        yield f


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    """A real WebClient pointed at the fake."""
    return WebClient(token="xoxb-test", base_url=fake.url)


def test_post_message_is_recorded(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="U111", text="Hei!", blocks=[section("*Hei*")])
    second = client.chat_postMessage(channel="D111", text="again", thread_ts=first["ts"])
    assert first["channel"] == "D111" and first["message"]["text"] == "Hei!"
    assert float(second["ts"]) > float(first["ts"])
    assert [c.args["text"] for c in fake.calls_to("chat.postMessage")] == ["Hei!", "again"]
    assert fake.calls[-1].token == "xoxb-test"
    assert fake.messages[0]["blocks"] == [section("*Hei*")] and fake.messages[1]["thread_ts"] == first["ts"]
    assert fake.invalid == [] and fake.warnings == []


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("chat_postMessage", {"channel": "U111", "text": "t", "blocks": [section("x" * 3001)]}),
        ("chat_postMessage", {"channel": "U111", "text": "t", "blocks": [section("x")] * 51}),
        ("views_open", {"trigger_id": "1.2.3", "view": modal("x" * 25)}),
        ("views_publish", {"user_id": "U111", "view": {"type": "home", "blocks": [section("x")] * 101}}),
        ("chat_postMessage", {"channel": "U111", "text": "t", "blocks": [{"type": "sektion"}]}),
    ],
)
def test_invalid_blocks_are_refused(fake: FakeSlack, client: WebClient, method: str, kwargs: dict) -> None:
    with pytest.raises(SlackApiError) as caught:
        getattr(client, method)(**kwargs)
    assert caught.value.response["error"] == "invalid_blocks"
    assert caught.value.response["errors"]
    assert len(fake.invalid) == 1 and "invalid_blocks" in fake.invalid[0][1]
    assert fake.messages == [] and fake.home_views == {}


def test_block_kit_limits_the_models_miss() -> None:
    text = {"type": "plain_text", "text": "x"}
    input_block = {
        "type": "input",
        "block_id": "b",
        "label": text,
        "element": {"type": "plain_text_input", "action_id": "a", "max_length": 3001},
    }
    assert validate_blocks([input_block], "modal") == ["/blocks/0/element/max_length: must be between 1 and 3000"]
    assert validate_blocks([section("a") | {"block_id": "x"}, {"type": "divider", "block_id": "x"}])
    assert validate_blocks([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}])
    assert validate_blocks([{"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}])
    assert validate_blocks([{"type": "input", "label": text, "element": {"type": "typo_input", "action_id": "a"}}])
    assert validate_view(modal() | {"private_metadata": "x" * 3001})
    assert validate_view(modal(blocks=[input_block | {"element": {"type": "plain_text_input", "action_id": "a"}}]))
    assert validate_view(modal() | {"submit": {"type": "plain_text", "text": "x" * 25}})
    same_action = [section("a") | {"accessory": {"type": "button", "text": text, "action_id": "pick"}}] * 2
    assert validate_blocks([b | {"block_id": str(i)} for i, b in enumerate(same_action)]) == []


def test_blocks_without_text_fallback_only_warn(fake: FakeSlack, client: WebClient) -> None:
    with pytest.warns(UserWarning):  # slack_sdk warns client-side too
        client.chat_postMessage(channel="U111", blocks=[section("x")])
    assert fake.invalid == [] and fake.warnings[0][0] == "chat.postMessage"


def test_scripted_429_is_retried(fake: FakeSlack) -> None:
    fake.script("chat.postMessage", {"status": 429, "retry_after": 1})
    client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler()])
    started = time.monotonic()
    assert client.chat_postMessage(channel="U111", text="hi")["ok"]
    assert time.monotonic() - started >= 1
    assert len(fake.calls_to("chat.postMessage")) == 2 and fake.ratelimited == 1 and len(fake.messages) == 1


def test_scripted_errors_delay_and_ratelimit_ratio(fake: FakeSlack, client: WebClient) -> None:
    fake.script("users.info", {"error": "user_not_found"}, {"status": 500}, {"delay": 0.2})
    for expected in ("user_not_found", "internal_error"):
        with pytest.raises(SlackApiError) as caught:
            client.users_info(user="U111")
        assert caught.value.response["error"] == expected
    started = time.monotonic()
    assert client.users_info(user="U111")["ok"] and time.monotonic() - started >= 0.2
    fake.ratelimit_ratio = 1.0
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="U111", text="hi")
    assert caught.value.response.status_code == 429 and caught.value.response.headers["Retry-After"] == "1"


def test_delay_times_the_client_out_but_the_call_still_happens(fake: FakeSlack) -> None:
    fake.script("chat.postMessage", {"delay": 0.5})
    client = WebClient(token="xoxb-test", base_url=fake.url, timeout=0.2)  # type: ignore[arg-type]  # the client takes a fraction of a second despite its int annotation
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="U111", text="slow")
    time.sleep(0.5)
    assert [m["text"] for m in fake.messages] == ["slow"]  # as on Slack: a timeout is not a failure


def test_auth(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        WebClient(token="xoxb-wrong", base_url=fake.url).auth_test()
    assert caught.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as caught:
        WebClient(base_url=fake.url).auth_test()
    assert caught.value.response["error"] == "not_authed"
    fake.add_token("xoxb-other", team_id="T222")
    answer = WebClient(token="xoxb-other", base_url=fake.url).auth_test()
    assert (answer["team_id"], answer["user_id"]) == ("T222", "UBOT")
    assert "chat:write" in client.auth_test().headers["x-oauth-scopes"].split(",")


def test_directory_methods(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U222", name="Erik", tz="America/New_York", locale="en-US", deleted=True, email="e@x.fi")
    fake.add_channel("C111", name="mentors", is_private=True)
    assert client.conversations_open(users="U111")["channel"]["id"] == "D111"
    user = client.users_info(user="U111", include_locale=True)["user"]
    assert (user["tz"], user["tz_offset"] in (7200, 10800), user["locale"]) == ("Europe/Helsinki", True, "fi-FI")
    assert user["profile"]["email"] == "anna@example.com"
    assert "locale" not in client.users_info(user="U111")["user"]
    assert client.users_lookupByEmail(email="Anna@Example.com")["user"]["id"] == "U111"
    info = client.conversations_info(channel="C111")["channel"]
    assert (info["name"], info["is_private"], info["is_group"], info["is_im"]) == ("mentors", True, True, False)
    for call, error in [
        (lambda: client.conversations_open(users="U999"), "user_not_found"),
        (lambda: client.conversations_open(users="UBOT"), "cannot_dm_bot"),
        (lambda: client.users_info(user="U999"), "user_not_found"),
        (lambda: client.users_lookupByEmail(email="e@x.fi"), "users_not_found"),
        (lambda: client.conversations_info(channel="C999"), "channel_not_found"),
        (lambda: client.chat_postMessage(channel="C999", text="x"), "channel_not_found"),
        (lambda: client.chat_update(channel="D111", ts="1.2", text="x"), "message_not_found"),
    ]:
        with pytest.raises(SlackApiError) as caught:
            call()
        assert caught.value.response["error"] == error
    assert fake.invalid == []


def test_missing_required_argument_is_invalid(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("chat.postEphemeral", json={"channel": "D111", "text": "x"})
    assert caught.value.response["error"] == "invalid_arguments"
    assert fake.invalid[0][0] == "chat.postEphemeral"


def test_update_delete_react_and_views(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U111", text="v1")
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="v2", blocks=[section("v2")])
    assert fake.messages[0]["text"] == "v2"
    client.reactions_add(channel=posted["channel"], timestamp=posted["ts"], name="white_check_mark")
    with pytest.raises(SlackApiError, match="already_reacted"):
        client.reactions_add(channel=posted["channel"], timestamp=posted["ts"], name="white_check_mark")
    client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert fake.messages == []
    opened = client.views_open(trigger_id="111.222.valid", view=modal() | {"external_id": "ext-1"})["view"]
    assert opened["id"].startswith("V") and opened["state"] == {"values": {}}
    updated = client.views_update(external_id="ext-1", view=modal("Step 2"))["view"]
    assert updated["id"] == opened["id"] and updated["title"]["text"] == "Step 2"
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    client.views_publish(user_id="U111", view={"type": "home", "blocks": [section("Home")]})
    assert fake.home_views["U111"]["blocks"] == [section("Home")]
    assert fake.invalid == []


def test_files_upload_v2(fake: FakeSlack, client: WebClient) -> None:
    answer = client.files_upload_v2(
        channel="D111", content="a,b\n1,2\n", filename="report.csv", title="Report", initial_comment="Your report"
    )
    assert answer["file"]["name"] == "report.csv" and answer["file"]["title"] == "Report"
    assert fake.uploads[0]["content"] == b"a,b\n1,2\n" and fake.uploads[0]["channel_id"] == "D111"
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "_fake.upload",
        "files.completeUploadExternal",
    ]
    assert fake.messages[0]["text"] == "Your report" and fake.invalid == []


def test_response_url_records_posts(fake: FakeSlack) -> None:
    request = urllib.request.Request(
        fake.response_url("r9"), data=json.dumps({"text": "ok"}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        assert json.load(answer) == {"ok": True}
    assert fake.calls_to("response_url")[0].args == {"text": "ok", "_name": "r9"}


def test_sign_verifies_and_detects_tampering() -> None:
    body = sr.slash_command("help")
    headers = sr.sign(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    ts, signature = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    assert verifier.is_valid(body, ts, signature)
    assert not verifier.is_valid(body + b"&x=1", ts, signature)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sr.sign(SECRET, sr.event({"type": "x"}))["Content-Type"] == "application/json"


def test_builders_keep_the_real_shapes() -> None:
    reference = (sr.PAYLOADS / "block_actions.form-urlencoded.txt").read_text().strip().encode()
    assert sr.encode_payload(sr.load("block_actions.json")) == reference
    command = dict(parse_qsl(sr.slash_command("stats", user_id="U222").decode()))
    assert set(command) >= {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "response_url",
        "trigger_id",
        "api_app_id",
    }
    assert "enterprise_id" not in command and command["user_id"] == "U222"
    click = json.loads(dict(parse_qsl(sr.block_actions("approve", "42", view=modal()).decode()))["payload"])
    assert click["container"] == {"type": "view", "view_id": "V111"} and "response_url" not in click
    submit = json.loads(dict(parse_qsl(sr.view_submission("goal", {"b": {"a": "Learn"}}).decode()))["payload"])
    assert submit["view"]["state"]["values"]["b"]["a"] == {"type": "plain_text_input", "value": "Learn"}
    dm = json.loads(sr.message_im("hei", thread_ts="1.2"))
    assert dm["event"]["thread_ts"] == "1.2" and dm["event"]["channel_type"] == "im" and dm["event_id"]


def test_bolt_app_end_to_end(fake: FakeSlack, client: WebClient) -> None:
    app = App(client=client, signing_secret=SECRET, process_before_response=True)

    @app.command("/mentori")
    def command(ack, respond, command) -> None:
        ack()
        respond(text=f"got {command['text']}", blocks=[section("done")])

    @app.event("message")
    def message(event, say) -> None:
        say(text=f"echo {event['text']}", thread_ts=event.get("thread_ts"))

    body = sr.slash_command("help", response_url=fake.response_url())
    assert app.dispatch(BoltRequest(body=body.decode(), headers=sr.sign(SECRET, body))).status == 200
    assert fake.calls_to("response_url")[0].args["text"] == "got help"
    body = sr.message_im("hei", thread_ts="1700000000.000001")
    assert app.dispatch(BoltRequest(body=body.decode(), headers=sr.sign(SECRET, body))).status == 200
    last = fake.messages[-1]
    assert (last["channel"], last["text"], last["thread_ts"]) == ("D111", "echo hei", "1700000000.000001")
    assert fake.calls_to("conversations.replies")  # Bolt ≥1.21 looks up "assistant thread" context in DM threads
    stale = sr.sign(SECRET, body, timestamp=int(time.time()) - 600)
    assert app.dispatch(BoltRequest(body=body.decode(), headers=stale)).status == 401
    assert fake.invalid == []


def test_runs_as_a_process() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "tests.support.fake_slack", "--port", "0", "--users", "3", "--latency", "0.01"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        assert line.startswith("FAKE_SLACK_URL=http://127.0.0.1:") and line.endswith("/api/")
        url = line.split("=", 1)[1]
        client = WebClient(token="xoxb-test", base_url=url)
        assert client.users_info(user="U0000003")["user"]["profile"]["email"] == "user3@example.com"
        base = url.removesuffix("/api/")
        with urllib.request.urlopen(f"{base}/_fake/stats") as answer:
            assert json.load(answer)["calls"] == {"users.info": 1}
        with urllib.request.urlopen(f"{base}/_fake/calls") as answer:
            assert json.load(answer)[0]["args"] == {"user": "U0000003"}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0


def _authorize(fake: FakeSlack, query: str) -> tuple[int, str]:
    """GET the fake's authorize page without following its redirect; (status, Location or body)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", int(fake.base.rsplit(":", 1)[1]), timeout=10)
    connection.request("GET", f"/openid/connect/authorize?{query}")
    response = connection.getresponse()
    body = response.read().decode()
    return response.status, response.getheader("Location") or body


def test_sign_in_with_slack_as_slack_sdk_speaks_it(fake: FakeSlack) -> None:
    from slack_sdk.oauth import OpenIDConnectAuthorizeUrlGenerator

    fake.add_oauth_app("1.2", "secret")
    fake.sign_in_as("U111")
    url = OpenIDConnectAuthorizeUrlGenerator(
        client_id="1.2", redirect_uri="https://app.example/cb", scopes=["openid", "profile"]
    ).generate(state="s1", nonce="n1")
    status, location = _authorize(fake, url.split("?", 1)[1])
    assert status == 302 and location.startswith("https://app.example/cb?code=") and location.endswith("&state=s1")
    code = dict(parse_qsl(location.split("?", 1)[1]))["code"]
    api = WebClient(base_url=fake.url)
    tokens = api.openid_connect_token(
        client_id="1.2", client_secret="secret", code=code, redirect_uri="https://app.example/cb"
    )
    payload = tokens["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["nonce"] == "n1" and claims["aud"] == "1.2" and claims["https://slack.com/team_id"] == "T111"
    info = WebClient(token=tokens["access_token"], base_url=fake.url).openid_connect_userInfo()
    assert info["https://slack.com/user_id"] == "U111" and info["name"] == "Anna Virtanen"
    with pytest.raises(SlackApiError, match="invalid_code"):  # a code works once
        api.openid_connect_token(
            client_id="1.2", client_secret="secret", code=code, redirect_uri="https://app.example/cb"
        )
    assert not fake.invalid


def test_sign_in_requests_slack_would_refuse_are_refused_and_recorded(fake: FakeSlack) -> None:
    fake.add_oauth_app("1.2", "secret")
    fake.sign_in_as("U111")
    status, body = _authorize(fake, "response_type=code&client_id=1.2&scope=profile&redirect_uri=https://a/cb")
    assert status == 400 and "scope must include openid" in body and "state is missing" in body
    status, location = _authorize(
        fake, "response_type=code&client_id=1.2&scope=openid&redirect_uri=https://a/cb&state=s"
    )
    code = dict(parse_qsl(location.split("?", 1)[1]))["code"]
    api = WebClient(base_url=fake.url)
    with pytest.raises(SlackApiError, match="bad_client_secret"):
        api.openid_connect_token(client_id="1.2", client_secret="wrong", code=code, redirect_uri="https://a/cb")
    with pytest.raises(SlackApiError, match="bad_redirect_uri"):
        api.openid_connect_token(client_id="1.2", client_secret="secret", code=code, redirect_uri="https://b/cb")
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token="xoxp-made-up", base_url=fake.url).openid_connect_userInfo()
    assert [method for method, _ in fake.invalid] == ["openid.connect.authorize", "openid.connect.token"]
