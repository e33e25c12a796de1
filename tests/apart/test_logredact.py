"""No token of a token link in the logs: gunicorn's access log (production config) and Django's log lines."""

import datetime
import hashlib
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from apart.logredact import REDACTED, RedactTokenPaths, redact_token_paths

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "Zq3xSECRETjetonABCDEFGHIJKLMNOPQRSTUVWXYZ012"


def _token_routes(resolver=None, namespace=""):
    """(URL name, pattern) of every route of the project that takes a `token`."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _token_routes(entry, inner)
        elif isinstance(entry, URLPattern) and "token" in entry.pattern.converters:
            yield f"{namespace}{entry.name}", str(entry.pattern)


def test_every_token_route_is_redacted():
    routes = dict(_token_routes())

    assert set(routes) >= {"accounts:password_reset", "accounts:courriel_confirm", "support:ticket_reply"}
    for name in routes:
        path = reverse(name, args=[TOKEN])
        assert redact_token_paths(path) == path.replace(TOKEN, REDACTED), name
        assert TOKEN not in redact_token_paths(f'"GET {path} HTTP/1.1" 302 0 "https://apart.example{path}"')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/mot-de-passe/reinitialiser/abc-DEF_12/", "/mot-de-passe/reinitialiser/[jeton]/"),
        ("/mon-compte/courriel/confirmer/abc?x=1", "/mon-compte/courriel/confirmer/[jeton]?x=1"),
        (
            "Not Found: /besoin-d-aide/assistance/repondre/eyJ0:1abc:sig/",
            "Not Found: /besoin-d-aide/assistance/repondre/[jeton]/",
        ),
        ("/besoin-d-aide/assistance/repondre/", "/besoin-d-aide/assistance/repondre/"),  # the clean URL stays
        ("/espace/mon-compte/", "/espace/mon-compte/"),
    ],
)
def test_redact_token_paths(text, expected):
    assert redact_token_paths(text) == expected


def test_the_logging_filter_redacts_django_log_lines():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Bad Request: %s",
        (f"/mot-de-passe/reinitialiser/{TOKEN}/",),
        None,
    )

    assert RedactTokenPaths().filter(record) is True
    assert record.getMessage() == "Bad Request: /mot-de-passe/reinitialiser/[jeton]/"
    assert "redact_tokens" in settings.LOGGING["handlers"]["console"]["filters"]


def test_the_production_config_logs_the_path_without_the_query():
    from apart import gunicorn_conf

    assert "%(U)s" in gunicorn_conf.access_log_format
    assert "%(r)s" not in gunicorn_conf.access_log_format and "%(q)s" not in gunicorn_conf.access_log_format
    assert gunicorn_conf.logger_class == "apart.gunicorn_conf.TokenRedactingLogger"
    for name in ("Dockerfile", "docker-compose.yml"):
        text = (ROOT / name).read_text()
        assert "python:apart.gunicorn_conf" in text, name


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, **headers) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(urllib.request.Request(url, headers=headers), timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
def test_the_production_server_never_prints_a_token(tmp_path):
    """gunicorn with the production config, on the test database: a valid link (302), a used-up one (410), a
    forged one (404), a Referer carrying a token: neither the access log nor Django's lines print it."""
    if connection.vendor != "postgresql":
        pytest.skip("le serveur lancé ici lit la base de test PostgreSQL")
    from accounts.models import PasswordResetToken
    from tests.factories import UserFactory

    user = UserFactory()
    valid, used = "jetonVALIDEjetonVALIDEjetonVALIDEjetonVALIDE1", "jetonUTILISEjetonUTILISEjetonUTILISEjetonUT2"
    for token, used_at in ((valid, None), (used, timezone.now())):
        PasswordResetToken.objects.create(
            user=user,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=timezone.now() + datetime.timedelta(hours=1),
            used_at=used_at,
        )
    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "apart.settings",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "apart.wsgi", "-c", "python:apart.gunicorn_conf"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while _get_or_none(url + "/sante/") is None and time.monotonic() < deadline:
            time.sleep(0.2)
        statuses = [
            _get(f"{url}/mot-de-passe/reinitialiser/{valid}/"),
            _get(f"{url}/mot-de-passe/reinitialiser/{used}/"),
            _get(f"{url}/besoin-d-aide/assistance/repondre/{TOKEN}/?utm=1"),
            _get(f"{url}/besoin-d-aide/", Referer=f"{url}/mon-compte/courriel/confirmer/{TOKEN}/"),
        ]
    finally:
        server.terminate()
        server.wait(10)

    assert statuses == [302, 410, 404, 200]
    text = log.read_text()
    for token in (valid, used, TOKEN):
        assert token not in text
    assert '"GET /mot-de-passe/reinitialiser/[jeton]/ HTTP/1.1" 302' in text
    assert '"GET /besoin-d-aide/assistance/repondre/[jeton]/ HTTP/1.1" 404' in text  # no query string
    assert "utm=1" not in text
    assert f'"{url}/mon-compte/courriel/confirmer/[jeton]/"' in text
    assert re.search(r"Not Found: /besoin-d-aide/assistance/repondre/\[jeton\]/", text)


def _get_or_none(url: str) -> int | None:
    try:
        return _get(url)
    except OSError:
        return None


def test_gunicorn_error_lines_are_redacted_too(capsys):
    from gunicorn.config import Config

    from apart.gunicorn_conf import TokenRedactingLogger

    config = Config()
    config.set("errorlog", "-")
    logger = TokenRedactingLogger(config)

    logger.error("Error handling request %s", f"/mon-compte/courriel/confirmer/{TOKEN}/")

    output = capsys.readouterr().err
    assert TOKEN not in output
    assert "Error handling request /mon-compte/courriel/confirmer/[jeton]/" in output
