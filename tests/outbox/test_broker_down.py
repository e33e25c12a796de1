"""The broker refusing connections (Redis stopped, wrong port): every page answers at once (one try at the publish,
no retry loop in the request), the e-mails wait in the outbox, and `manage.py send_pending_emails` delivers them,
once each; with the SMTP server down as well, the command exits 0 and leaves them pending, their attempt recorded."""

import io
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from apart.celery import app
from apart.outbox import services
from apart.outbox.models import OutboxEmail, OutboxStatus
from apart.outbox.services import message_id
from tests.conftest import _free_port
from tests.processes import silent_server

ASSISTANCE = reverse("support:assistance")
DONE = reverse("support:assistance_done")


@pytest.fixture(autouse=True)
def _no_broker_pause():
    services._broker_failed_at.clear()
    yield
    services._broker_failed_at.clear()


def _use_broker(settings, url):
    settings.CELERY_BROKER_URL = url
    app.conf.update(broker_url=url, task_always_eager=False)
    app._after_fork()  # drop the connection pools built for the previous broker


@pytest.fixture
def broker_hung(settings):
    """Celery publishes to a server that accepts the connection and never answers (a hung Redis)."""
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    with silent_server() as port:
        _use_broker(settings, f"redis://127.0.0.1:{port}/0")
        yield
        app.conf.update(previous)
        app._after_fork()


@pytest.fixture
def broker_refusing(settings):
    """Celery publishes to a port where nothing listens, with the project's publish settings."""
    url = f"redis://127.0.0.1:{_free_port()}/0"
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _use_broker(settings, url)
    yield url
    app.conf.update(previous)
    app._after_fork()


def _assistance_request(client):
    return client.post(
        ASSISTANCE,
        {
            "siret": "732 829 320 00074",
            "denomination": "BOULANGERIE DU CANAL",
            "nom_prenom": "Menuça Gérard",
            "telephone": "01 02 03 04 05",
            "courriel": "gerard.menuca@example.fr",
            "motif": "habilitation",
            "description": "Mon prédécesseur a quitté l'entreprise et la boîte déclarée n'existe plus.",
            "captcha_0": "x",
            "captcha_1": "PASSED",
        },
    )


def _timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def _send_pending():
    out = io.StringIO()
    call_command("send_pending_emails", stdout=out)  # raises (a non-zero exit) on any error
    return out.getvalue().strip()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_refusing_pages_answer_at_once_and_send_pending_emails_delivers_once(
    client, broker_refusing, smtp_settings, captcha_test_mode, caplog
):
    home, home_seconds = _timed(lambda: client.get("/"))
    help_page, help_seconds = _timed(lambda: client.get(reverse("support:help")))
    with caplog.at_level("WARNING"):
        # Two e-mails after the commit (the acknowledgement and the support's notification): two publishes.
        response, post_seconds = _timed(lambda: _assistance_request(client))

    assert home.status_code == 200 and help_page.status_code == 200
    assert response.status_code == 302 and response.url == DONE
    assert "Votre demande d'assistance a bien été transmise" in client.get(DONE).content.decode()
    # Before max_retries 0 in CELERY_BROKER_TRANSPORT_OPTIONS each publish retried for 2 s: 4 s for this request.
    assert post_seconds < 1.5, post_seconds
    assert home_seconds < 1.5 and help_seconds < 1.5
    emails = list(OutboxEmail.objects.order_by("pk"))
    assert [(email.status, email.attempts) for email in emails] == [(OutboxStatus.PENDING, 0)] * 2
    assert sum("non mis en file" in record.getMessage() for record in caplog.records) == 2
    assert sum("Broker indisponible" in record.getMessage() for record in caplog.records) == 1  # then paused
    assert smtp_settings.messages == []

    assert _send_pending() == "2 courriel(s) envoyé(s), 0 en échec."
    assert _send_pending() == "0 courriel(s) envoyé(s), 0 en échec."

    messages = smtp_settings.wait_for(3, timeout=1)
    assert sorted(message["Message-ID"] for message in messages) == sorted(message_id(email) for email in emails)
    assert sorted(message["To"] for message in messages) == sorted(email.to for email in emails)
    for email in emails:
        email.refresh_from_db()
        assert (email.status, email.attempts) == (OutboxStatus.SENT, 1)


@pytest.mark.django_db(transaction=True)
def test_with_the_smtp_server_down_too_send_pending_emails_exits_0_and_leaves_the_rows_pending(
    client, settings, broker_refusing, captcha_test_mode
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    assert _assistance_request(client).status_code == 302

    assert _send_pending() == "0 courriel(s) envoyé(s), 2 en échec."

    for email in OutboxEmail.objects.all():
        assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)
        assert email.last_error.startswith("ConnectionRefusedError")
        assert email.next_attempt_at is not None and email.sent_at is None


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_hung_one_request_waits_2_s_and_the_next_ones_answer_at_once(
    client, broker_hung, captcha_test_mode
):
    """Each publish to a hung broker waits for its 2 s socket timeout: without the pause after a failed publish,
    every request that sends e-mails waited 2 s per e-mail (this form: 4 s, each time)."""
    first, first_seconds = _timed(lambda: _assistance_request(client))
    second, second_seconds = _timed(lambda: _assistance_request(client))

    assert first.status_code == second.status_code == 302
    assert 1.5 < first_seconds < 3.5, first_seconds  # one publish tried: 2 s
    assert second_seconds < 1, second_seconds  # paused: the rows wait for the periodic sender
    assert set(OutboxEmail.objects.values_list("status", "attempts")) == {(OutboxStatus.PENDING, 0)}
    assert OutboxEmail.objects.count() == 4

    for url in services._broker_failed_at:  # 30 s later: the pause is over, the broker is tried again, once
        services._broker_failed_at[url] -= services.BROKER_PAUSE_SECONDS
    third, third_seconds = _timed(lambda: _assistance_request(client))
    assert third.status_code == 302 and 1.5 < third_seconds < 3.5
