"""Production mode in a real browser: gunicorn, DEBUG off, whitenoise's manifest storage."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")  # one server for the worker that runs this module
def production_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("production")
    port = _free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")},
        "DEBUG": "0",
        "SECRET_KEY": "cle-de-test-production-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "",
    }
    # Both at once: collectstatic (whitenoise compresses 1 600 DSFR files) is the longer of the two.
    commands = [
        subprocess.Popen([sys.executable, "manage.py", *command], cwd=ROOT, env=env)
        for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"])
    ]
    for command in commands:
        assert command.wait(timeout=300) == 0
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "apart.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/sante/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(10)


def test_styles_and_scripts_load_from_the_manifest_storage(production_server, page, screenshot):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))

    response = page.goto(production_server + "/")

    assert response.status == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    stylesheet = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert (
        stylesheet.startswith("/static/dsfr/dist/dsfr/dsfr.main.min.")
        and stylesheet != "/static/dsfr/dist/dsfr/dsfr.main.min.css"
    )
    button = page.get_by_role("link", name="CRÉER MON ESPACE")
    assert button.evaluate("element => getComputedStyle(element).backgroundColor") == "rgb(0, 0, 145)"
    page.wait_for_function("() => window.dsfr !== undefined")
    assert failed == []
    assert page.console_errors == []
    screenshot("accueil-production")


def test_a_missing_page_is_the_french_404_page(production_server, page):
    page.expect_console_error("status of 404")  # the page itself answers 404, on purpose
    response = page.goto(production_server + "/page-inconnue/")

    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"


def test_the_dev_mailbox_does_not_exist_in_production(production_server, page):
    page.expect_console_error("status of 404")
    response = page.goto(production_server + "/dev/courriels/")

    assert response.status == 404
