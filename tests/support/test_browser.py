"""Without Chromium the browser tests are skipped with the reason, and fail instead where it is required (CI)."""

from __future__ import annotations

import pytest

from tests.support import browser


def test_a_missing_browser_skips_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(browser, "REQUIRE_BROWSER", False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium chromium-driver"):
        browser.require_browser()


def test_a_missing_browser_fails_where_browser_tests_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMEDRIVER", "/nonexistent/chromedriver")
    monkeypatch.setattr(browser, "REQUIRE_BROWSER", True)
    with pytest.raises(pytest.fail.Exception, match="MENTORI_REQUIRE_BROWSER=1 but /nonexistent/chromedriver"):
        browser.require_browser()
