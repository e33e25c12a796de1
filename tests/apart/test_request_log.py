"""One JSON line per request (apart.request_log, apart.logjson) and the request id on the error pages."""

import json
import logging
import re
import subprocess
import sys

import pytest

from apart.logjson import JsonFormatter
from apart.request_log import current_request_id
from tests.factories import UserFactory
from tests.test_settings import ROOT, _settings

TOKEN = "Zq3xSECRETjetonABCDEFGHIJKLMNOPQRSTUVWXYZ012"
GENERATED_ID = re.compile(r"\A[0-9a-f]{32}\Z")


@pytest.fixture
def lines():
    """The JSON lines `apart.requests` writes, through the production formatter and redaction filter."""
    from apart.logredact import RedactTokenPaths

    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(json.loads(self.format(record)))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactTokenPaths())
    logger = logging.getLogger("apart.requests")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(previous)


@pytest.mark.django_db
def test_one_json_line_per_request_with_each_field(client, lines):
    response = client.get("/?utm_source=courriel&secret=1", HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 500)

    assert response.status_code == 200
    assert len(lines) == 1
    line = lines[0]
    assert GENERATED_ID.match(line["request_id"])
    assert response["X-Request-ID"] == line["request_id"]
    assert line["method"] == "GET"
    assert line["path"] == "/"  # never the query string
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["duration_ms"] == round(line["duration_ms"], 1)
    assert line["user_id"] is None
    assert line["client_ip"] == "127.0.0.1"
    assert line["user_agent"].startswith("Mozilla/5.0 ") and len(line["user_agent"]) == 200
    assert line["level"] == "INFO" and line["logger"] == "apart.requests"
    assert re.match(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00\Z", line["timestamp"])
    assert line["message"] == f"GET / 200 {line['duration_ms']:.1f}ms request_id={line['request_id']} user_id=None"
    assert "utm_source" not in json.dumps(line)


@pytest.mark.django_db
def test_the_user_id_when_logged_in(client, lines):
    user = UserFactory()
    client.force_login(user)

    client.get("/besoin-d-aide/")

    assert lines[-1]["user_id"] == user.pk


@pytest.mark.django_db
def test_a_token_path_is_redacted(client, lines):
    client.get(f"/besoin-d-aide/assistance/repondre/{TOKEN}/?jeton={TOKEN}")

    assert lines[-1]["path"] == "/besoin-d-aide/assistance/repondre/[jeton]/"
    assert TOKEN not in json.dumps(lines)


@pytest.mark.django_db
def test_a_well_formed_incoming_request_id_is_kept(client, lines):
    response = client.get("/", HTTP_X_REQUEST_ID="9f1c2d3e-proxy-0001")

    assert response["X-Request-ID"] == "9f1c2d3e-proxy-0001"
    assert lines[-1]["request_id"] == "9f1c2d3e-proxy-0001"


@pytest.mark.parametrize(
    "incoming",
    ["court", "x" * 65, "abc def ghi", "<script>alert(1)</script>", "abcdefgh\nfaux=1", "abcdefgh;rm", "ééééééééé"],
)
@pytest.mark.django_db
def test_a_malformed_incoming_request_id_is_replaced(client, lines, incoming):
    response = client.get("/", HTTP_X_REQUEST_ID=incoming)

    assert GENERATED_ID.match(response["X-Request-ID"])
    assert lines[-1]["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_the_404_page_shows_the_request_id(client, settings, lines):
    settings.DEBUG = False

    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    html = response.content.decode()
    assert f"Référence de la requête : <strong>{request_id}</strong>" in html
    assert "assistance" in html
    assert lines[-1]["status"] == 404 and lines[-1]["request_id"] == request_id


@pytest.mark.urls("tests.apart.request_log_urls")
@pytest.mark.django_db
def test_the_500_page_shows_the_request_id_and_the_line_names_the_exception(client, settings, lines):
    settings.DEBUG = False
    client.raise_request_exception = False

    response = client.get("/test-erreur-500/", HTTP_X_REQUEST_ID="support-cherche-0042")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Erreur inattendue" in html
    assert "Référence de la requête : <strong>support-cherche-0042</strong>" in html
    assert response["X-Request-ID"] == "support-cherche-0042"
    line = lines[-1]
    assert line["status"] == 500 and line["level"] == "ERROR"
    assert line["exception"] == "Boom"
    assert line["request_id"] == "support-cherche-0042"


@pytest.mark.urls("tests.apart.request_log_urls")
@pytest.mark.django_db
def test_django_s_traceback_line_carries_the_request_id(client, settings):
    """Django's own error line (`django.request`, with the traceback) is written during the request: it carries
    the same id, so the agent finds the traceback from the reference the user gives."""
    settings.DEBUG = False
    client.raise_request_exception = False
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(json.loads(JsonFormatter().format(record)))

    handler = Collect()
    logging.getLogger("django.request").addHandler(handler)
    try:
        client.get("/test-erreur-500/", HTTP_X_REQUEST_ID="support-cherche-0043")
    finally:
        logging.getLogger("django.request").removeHandler(handler)

    (error,) = records
    assert error["request_id"] == "support-cherche-0043"
    assert error["status_code"] == 500
    assert "Boom: une erreur de test" in error["exc_info"]
    assert "request" not in error  # the request object (its text holds the query string) is never written


def test_the_500_page_survives_a_broken_template(monkeypatch, rf):
    from django.template import loader

    from apart.errors import server_error

    def broken(name):
        raise RuntimeError("gabarit cassé")

    monkeypatch.setattr(loader, "get_template", broken)
    request = rf.get("/")
    request.request_id = "abcdef0123456789"

    response = server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Erreur inattendue" in html
    assert "référence de la requête : abcdef0123456789" in html


def test_the_formatter_writes_one_line_with_the_extra_fields_and_no_token():
    record = logging.LogRecord(
        "apart.test", logging.WARNING, __file__, 1, "vu %s", (f"/mot-de-passe/reinitialiser/{TOKEN}/",), None
    )
    record.status = 403
    record.path = f"/mon-compte/courriel/confirmer/{TOKEN}/"
    record.request = object()  # not a plain value: left out

    text = JsonFormatter().format(record)

    assert "\n" not in text
    line = json.loads(text)
    assert line["level"] == "WARNING" and line["logger"] == "apart.test"
    assert line["message"] == "vu /mot-de-passe/reinitialiser/[jeton]/"
    assert line["status"] == 403
    assert line["path"] == "/mon-compte/courriel/confirmer/[jeton]/"
    assert "request" not in line and "request_id" not in line
    assert TOKEN not in text


def test_the_formatter_adds_the_current_request_id_and_the_traceback_on_one_line():
    token = current_request_id.set("abcdef0123456789")
    try:
        try:
            raise ValueError("ligne 1\nligne 2")
        except ValueError:
            record = logging.LogRecord("apart.test", logging.ERROR, __file__, 1, "échec", (), sys.exc_info())
        text = JsonFormatter().format(record)
    finally:
        current_request_id.reset(token)

    assert "\n" not in text
    line = json.loads(text)
    assert line["request_id"] == "abcdef0123456789"
    assert "ValueError: ligne 1\nligne 2" in line["exc_info"]
    assert line["message"] == "échec"


LOG_FORMAT_PROBE = """
import django, logging
from django.conf import settings
django.setup()
print(settings.LOG_FORMAT, type(logging.getLogger().handlers[0].formatter).__name__)
"""


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "text Formatter"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "json JsonFormatter"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50, "LOG_FORMAT": "text"}, "text Formatter"),
        ({"LOG_FORMAT": "JSON"}, "json JsonFormatter"),
    ],
)
def test_log_format_from_the_environment(env, expected):
    import os

    from tests.test_settings import CLEARED

    environment = {key: value for key, value in os.environ.items() if key not in (*CLEARED, "LOG_FORMAT")}
    environment.update(DJANGO_SETTINGS_MODULE="apart.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", LOG_FORMAT_PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_an_unknown_log_format_refuses_to_start():
    result = _settings(LOG_FORMAT="xml")

    assert result.returncode != 0
    assert "LOG_FORMAT doit valoir" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_json_logs_prints_one_json_line_per_request(tmp_path):
    """The production server with LOG_FORMAT=json: its standard output is JSON lines only (gunicorn's own access
    log is off, the `apart.requests` line replaces it), one per request, the token redacted."""
    import os
    import time

    from django.db import connection

    from tests.apart.test_logredact import _free_port, _get, _get_or_none

    if connection.vendor != "postgresql":
        pytest.skip("le serveur lancé ici lit la base de test PostgreSQL")
    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "apart.settings",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "",
        "LOG_FORMAT": "json",
    }
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("w") as out, stderr.open("w") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "apart.wsgi", "-c", "python:apart.gunicorn_conf"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while _get_or_none(url + "/sante/") is None and time.monotonic() < deadline:
            time.sleep(0.2)
        statuses = [
            _get(f"{url}/cette-page-n-existe-pas/?q=1", **{"X-Request-ID": "support-gunicorn-0001"}),
            _get(f"{url}/besoin-d-aide/assistance/repondre/{TOKEN}/"),
        ]
    finally:
        server.terminate()
        server.wait(10)

    assert statuses == [404, 404]
    text = stdout.read_text() + stderr.read_text()
    assert TOKEN not in text and "q=1" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "apart.requests" and line["path"] != "/sante/"]
    assert [(line["path"], line["status"]) for line in requests] == [
        ("/cette-page-n-existe-pas/", 404),
        ("/besoin-d-aide/assistance/repondre/[jeton]/", 404),
    ]
    assert requests[0]["request_id"] == "support-gunicorn-0001"
    assert all(line.startswith("{") for line in stdout.read_text().splitlines())  # no access-log line among them
    assert 'HTTP/1.1" 404' not in text
    (not_found,) = [line for line in lines if line["message"] == "Not Found: /cette-page-n-existe-pas/"]
    assert not_found["logger"] == "django.request" and not_found["request_id"] == "support-gunicorn-0001"
