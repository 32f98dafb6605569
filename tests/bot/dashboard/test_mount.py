"""The dashboard is mounted under /dashboard by the run modes' WSGI app, and loads only when first opened."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

from bot.runner import before_exit, build_wsgi
from bot.settings import Settings
from tests.support.dashboard import dashboard_settings
from tests.support.fake_slack import FakeSlack
from tests.support.wsgi import call_wsgi

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import json, sys
from bot.runner import before_exit, build_wsgi
from bot.settings import Settings
from tests.support.wsgi import call_wsgi
settings = Settings(**{**json.loads(sys.argv[1]), "admins": frozenset()})
wsgi = build_wsgi(settings)
loaded = {"built": "flask" in sys.modules}
call_wsgi(wsgi, "GET", "/healthz")
loaded["healthz"] = "flask" in sys.modules
page = call_wsgi(wsgi, "GET", "/dashboard")
loaded["dashboard"] = "flask" in sys.modules and "jinja2" in sys.modules
loaded["status"] = page.status
print(json.dumps(loaded))
"""


def test_the_framework_loads_on_the_first_dashboard_request_only(settings: Settings, fake_slack: FakeSlack) -> None:
    on = dashboard_settings(settings, fake_slack)
    values = {key: value for key, value in asdict(on).items() if key != "admins"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(values)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "built": False,
        "healthz": False,
        "dashboard": True,
        "status": 200,
    }


def test_without_its_settings_there_is_no_dashboard(settings: Settings) -> None:
    wsgi = build_wsgi(replace(settings, dashboard_url=None))
    assert call_wsgi(wsgi, "GET", "/dashboard").status == 404


def test_run_and_web_serve_the_dashboard(settings: Settings, fake_slack: FakeSlack) -> None:
    on = dashboard_settings(settings, fake_slack)
    try:
        for wsgi in (build_wsgi(on), build_wsgi(on, queue=True)):
            page = call_wsgi(wsgi, "GET", "/dashboard")
            assert page.status == 200 and "Sign in with Slack" in page.body
            assert call_wsgi(wsgi, "GET", "/healthz").status == 200
    finally:
        before_exit()  # the web mode's queue writer
