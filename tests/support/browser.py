"""Headless Chromium (Debian's chromium and chromium-driver) driven by Selenium, for the dashboard's browser tests.

Never a browser download: the system's /usr/bin/chromium and /usr/bin/chromedriver, or the tests are skipped with
the reason — and fail instead with MENTORI_REQUIRE_BROWSER=1 (CI), so a missing browser cannot pass unnoticed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MENTORI_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MENTORI_CHROMEDRIVER", "/usr/bin/chromedriver")
REQUIRE_BROWSER = os.environ.get("MENTORI_REQUIRE_BROWSER") == "1"
ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--no-proxy-server", "--hide-scrollbars", "--lang=en-GB")  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[1] / "output" / "screenshots"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} not found: install Debian's {package} (apt-get install -y chromium chromium-driver)"
    return None


def require_browser() -> None:
    """Skip with the reason when Chromium is absent; with MENTORI_REQUIRE_BROWSER=1, fail instead."""
    reason = missing_browser()
    if reason is None:
        return
    if REQUIRE_BROWSER:
        pytest.fail(f"MENTORI_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"browser test skipped: {reason}")


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[object]:
    """A headless Chromium with a fresh profile, closed (and its profile removed) on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mentori-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (*ARGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: object, name: str, folder: Path, *, width: int = 1280) -> Path:
    """The whole page as PNG in `folder` (the test's own output), also kept in tests/output/screenshots."""
    height = driver.execute_script("return document.documentElement.scrollHeight")  # type: ignore[attr-defined]  # selenium types the driver loosely
    driver.set_window_size(width, max(600, min(int(height) + 40, 6000)))  # type: ignore[attr-defined]  # selenium types the driver loosely
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]  # selenium types the driver loosely
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / path.name)
    return path
