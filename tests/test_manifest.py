"""The Slack app manifest (manifest.yml) is valid and asks for exactly what Mentori needs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from bot.scopes import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = ROOT / "manifest.yml"
README_PATH = ROOT / "README.md"
# Slack's published manifest schema (slackapi/manifest-schema, MIT), kept beside the tests.
SCHEMA_DIR = ROOT / "tests" / "data" / "slack-manifest-schema"
SCHEMA_V1_PATH = SCHEMA_DIR / "schemas" / "manifest.schema.1.0.0.json"
SCHEMA_ALL_VERSIONS_PATH = SCHEMA_DIR / "manifest.schema.json"

# Adding a scope is a security decision: update this set, manifest.yml and README.md's scope table together.
EXPECTED_BOT_SCOPES = BOT_SCOPES
EXPECTED_BOT_EVENTS = {"app_home_opened", "message.im", "app_uninstalled", "tokens_revoked"}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "manifest.yml must be a YAML mapping"
    return data


def _load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _errors(validator: Draft7Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def test_manifest_validates_against_v1_schema(manifest: dict[str, Any]) -> None:
    schema = _load_json(SCHEMA_V1_PATH)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)
    # Its $refs are all local ("#/definitions/…"), resolved within the document itself.
    assert _errors(Draft7Validator(schema), manifest) == []


def test_manifest_validates_against_all_versions_schema(manifest: dict[str, Any]) -> None:
    """The top-level schema picks a version by _metadata.major_version and $refs the version schemas
    by pinned GitHub URLs; serve those from the local copies so the test needs no network."""
    schema = _load_json(SCHEMA_ALL_VERSIONS_PATH)
    remote_refs = set(re.findall(r'"\$ref":\s*"(https://[^"]+)"', json.dumps(schema)))
    assert remote_refs, "expected the top-level schema to $ref the version schemas"
    resources = []
    for uri in remote_refs:
        local = SCHEMA_DIR / "schemas" / uri.rsplit("/", 1)[-1]
        assert local.exists(), f"no local copy of {uri}"
        resources.append((uri, Resource.from_contents(_load_json(local))))
    registry = Registry().with_resources(resources)
    assert _errors(Draft7Validator(schema, registry=registry), manifest) == []


def test_display_information(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert info["name"] == "Mentori"
    assert 1 <= len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    # The schema spells this constraint "regex" (not "pattern"), so jsonschema does not enforce it.
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", str(info["background_color"]))


def test_bot_user_always_online(manifest: dict[str, Any]) -> None:
    bot_user = manifest["features"]["bot_user"]
    assert bot_user["display_name"] == "Mentori"
    assert bot_user["always_online"] is True


def test_bot_scopes_are_exactly_the_reviewed_set(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    bot = scopes["bot"]
    assert len(bot) == len(set(bot)), "duplicate bot scope (the schema does not forbid duplicates)"
    added, removed = sorted(set(bot) - EXPECTED_BOT_SCOPES), sorted(EXPECTED_BOT_SCOPES - set(bot))
    assert not added and not removed, (
        f"bot scopes changed: update bot/scopes.py and README.md's scope table (added: {added}, removed: {removed})"
    )
    # No user scopes and no optional scopes: the bot token is the only token Mentori uses.
    assert set(scopes) == {"bot"}


def test_peer_groups_can_be_introduced_in_a_group_dm(manifest: dict[str, Any]) -> None:
    """conversations.open with several users needs mpim:write; finding a lost introduction again, mpim:history."""
    assert {"mpim:write", "mpim:history"} <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_bot_events_are_exactly_the_four_handled(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]
    assert sorted(events["bot_events"]) == sorted(EXPECTED_BOT_EVENTS)
    assert "user_events" not in events


def test_slash_command(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/mentori"]
    (command,) = commands
    assert command["should_escape"] is True
    assert command["usage_hint"] == "help | kickoff | status | summary …"
    assert command["description"]


def test_request_urls_are_the_same_placeholder(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    urls = {
        manifest["features"]["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    }
    assert urls == {"https://example.com/slack/events"}
    assert settings["interactivity"]["is_enabled"] is True


def test_settings_socket_mode_and_tokens(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["token_rotation_enabled"] is False
    assert settings["org_deploy_enabled"] is False


def test_app_home_tabs(manifest: dict[str, Any]) -> None:
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    # Mentors reply to prompts in the DM: the Messages tab must not be read-only.
    assert app_home["messages_tab_read_only_enabled"] is False


def test_every_scope_is_documented_in_readme(manifest: dict[str, Any]) -> None:
    # README.md is written separately; this fails until its scope table exists.
    assert README_PATH.exists(), "README.md is missing: it needs a scope table listing every bot scope"
    readme = README_PATH.read_text(encoding="utf-8")
    missing = [scope for scope in manifest["oauth_config"]["scopes"]["bot"] if f"`{scope}`" not in readme]
    assert missing == [], f"bot scopes missing from README.md's scope table (as `scope`): {missing}"
