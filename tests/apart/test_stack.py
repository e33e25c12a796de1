"""/sante/ and `manage.py check_stack`: one check per service (apart.stack), each bounded in time; 503 and a
non-zero exit naming the service that fails."""

import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from apart.celery import app
from tests.conftest import _free_port
from tests.processes import silent_server, use_redis_cache


def closed_port_url(scheme="redis") -> str:
    return f"{scheme}://127.0.0.1:{_free_port()}/0"


@pytest.fixture
def redis_cache(settings, redis_url):
    use_redis_cache(settings, redis_url)
    return settings


@pytest.fixture
def broker(settings):
    """`broker(url)`: Celery publishes to `url` for this test."""
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def use(url):
        settings.CELERY_BROKER_URL = url
        app.conf.update(broker_url=url, task_always_eager=False)
        app._after_fork()  # drop the connection pools built for the previous broker

    yield use
    app.conf.update(previous)
    app._after_fork()


@pytest.fixture
def hung_server():
    with silent_server() as port:
        yield port


def _check_stack():
    """check_stack's output and whether it failed (CommandError: a non-zero exit from the command line)."""
    import io

    out = io.StringIO()
    try:
        call_command("check_stack", stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


@pytest.mark.django_db
def test_with_every_service_up_sante_answers_200_and_check_stack_exits_0(
    client, redis_cache, redis_url, broker, smtp_settings
):
    broker(redis_url)

    response = client.get("/sante/")
    output, failure = _check_stack()

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["en_panne"] == []
    assert {body[name] for name in ("database", "cache", "broker", "smtp")} == {"ok"}
    assert set(body["durees_ms"]) == {"database", "cache", "broker", "smtp"}
    assert failure is None
    lines = output.splitlines()
    assert lines[0].startswith("Base de données : OK (") and lines[0].endswith(" ms)")
    assert lines[1].startswith("Redis (cache) : OK (")
    assert lines[2].startswith("Broker Celery (Redis) : OK (")
    assert lines[3].startswith("Serveur SMTP : OK (")


@pytest.mark.django_db
def test_services_not_configured_are_named_and_never_down(client, settings):
    settings.REDIS_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = client.get("/sante/")
    output, failure = _check_stack()

    assert response.status_code == 200
    body = response.json()
    assert body["cache"].startswith("non configuré") and body["smtp"].startswith("non configuré")
    assert failure is None
    assert "Redis (cache) : non configuré — mémoire locale" in output
    assert "Serveur SMTP : non configuré — courriels non envoyés par SMTP (locmem)" in output


@pytest.mark.django_db
def test_a_redis_cache_refusing_connections_is_named(client, settings):
    use_redis_cache(settings, closed_port_url())

    start = time.monotonic()
    response = client.get("/sante/")
    seconds = time.monotonic() - start
    output, failure = _check_stack()

    assert response.status_code == 503 and seconds < 2.5
    body = response.json()
    assert body["en_panne"] == ["cache"]
    assert body["cache"] == "erreur : ConnectionError"
    assert body["database"] == "ok"
    assert "Redis (cache) : injoignable — ConnectionError: " in output
    assert "Base de données : OK (" in output
    assert failure == "Service(s) injoignable(s) : Redis (cache)."


@pytest.mark.django_db
def test_a_broker_refusing_connections_is_named(client, broker):
    broker(closed_port_url())

    start = time.monotonic()
    response = client.get("/sante/")
    seconds = time.monotonic() - start
    output, failure = _check_stack()

    assert response.status_code == 503 and seconds < 2.5
    assert response.json()["en_panne"] == ["broker"]
    assert "Broker Celery (Redis) : injoignable — OperationalError: " in output
    assert failure == "Service(s) injoignable(s) : Broker Celery (Redis)."


@pytest.mark.django_db
def test_an_smtp_server_absent_is_named(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_SSL = "127.0.0.1", _free_port(), False

    response = client.get("/sante/")
    output, failure = _check_stack()

    assert response.status_code == 503
    assert response.json()["en_panne"] == ["smtp"]
    assert response.json()["smtp"] == "erreur : ConnectionRefusedError"
    assert "Serveur SMTP : injoignable — ConnectionRefusedError: " in output
    assert failure == "Service(s) injoignable(s) : Serveur SMTP."


@pytest.mark.django_db
def test_the_database_refusing_connections_is_named(client, monkeypatch):
    # The checks' thread opens a connection of its own, with these settings (the test's stays open).
    monkeypatch.setitem(connections.settings["default"], "HOST", "127.0.0.1")
    monkeypatch.setitem(connections.settings["default"], "PORT", _free_port())

    response = client.get("/sante/")
    output, failure = _check_stack()

    assert response.status_code == 503
    assert response.json()["en_panne"] == ["database"]
    assert "Base de données : injoignable — OperationalError: " in output
    assert failure == "Service(s) injoignable(s) : Base de données."


@pytest.mark.django_db
def test_services_that_hang_are_reported_after_two_seconds_at_most(client, settings, broker, hung_server):
    """A Redis and an SMTP server that accept the connection and never answer: all checks run at once, and the
    answer comes after the 2 s bound, not after each one's timeout in turn."""
    use_redis_cache(settings, f"redis://127.0.0.1:{hung_server}/0")
    broker(f"redis://127.0.0.1:{hung_server}/0")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_SSL = "127.0.0.1", hung_server, False

    start = time.monotonic()
    response = client.get("/sante/")
    seconds = time.monotonic() - start

    assert response.status_code == 503 and seconds < 3
    assert sorted(response.json()["en_panne"]) == ["broker", "cache", "smtp"]
    assert response.json()["database"] == "ok"
