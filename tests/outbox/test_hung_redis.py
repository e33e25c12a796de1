"""A Redis that accepts connections and never answers (a hung server, a saturated one): the request that counts a
rate limit in the cache and queues an e-mail through the broker takes seconds, not minutes, and does not fail;
the limit lets it through (logged), the row stays pending for the periodic sender."""

import runpy
import time

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.secret_questions import SECRET_QUESTIONS
from apart.outbox.models import OutboxEmail, OutboxStatus
from tests.factories import UserFactory
from tests.processes import silent_server


@pytest.fixture
def hung_redis():
    """A TCP server on loopback that accepts every connection and never sends a byte."""
    with silent_server() as port:
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def production_settings_on(hung_redis, monkeypatch):
    """apart/settings.py as it reads with REDIS_URL and CELERY_BROKER_URL set (a production configuration)."""
    monkeypatch.setenv("REDIS_URL", hung_redis)
    monkeypatch.setenv("CELERY_BROKER_URL", hung_redis)
    return runpy.run_path(str(django_settings.BASE_DIR / "apart" / "settings.py"))


@pytest.fixture
def celery_on(production_settings_on, hung_redis):
    from apart.celery import app

    keys = {
        "broker_url": hung_redis,
        "task_always_eager": False,
        "broker_transport_options": production_settings_on.get("CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "broker_connection_timeout": production_settings_on["CELERY_BROKER_CONNECTION_TIMEOUT"],
        "task_publish_retry": production_settings_on.get("CELERY_TASK_PUBLISH_RETRY", True),
        "task_publish_retry_policy": production_settings_on["CELERY_TASK_PUBLISH_RETRY_POLICY"],
    }
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(keys)
    app._after_fork()  # drop the connection pools built for the previous broker
    yield app
    app.conf.update(previous)
    app._after_fork()


@pytest.mark.django_db(transaction=True)
def test_a_hung_redis_costs_a_request_seconds_and_the_email_stays_pending(
    client, settings, production_settings_on, celery_on, captcha_test_mode, caplog
):
    settings.CACHES = production_settings_on["CACHES"]
    user = UserFactory(identifiant="gerard.menuca1", courriel="gerard@example.fr", secret_question=SECRET_QUESTIONS[0])
    user.set_secret_answer("Rex")
    user.save()

    with caplog.at_level("WARNING"):
        start = time.monotonic()
        step1 = client.post(
            reverse("accounts:forgotten_password"),
            {"identifiant": "gerard.menuca1", "captcha_0": "x", "captcha_1": "PASSED"},
        )
        step1_seconds = time.monotonic() - start
        start = time.monotonic()
        step2 = client.post(reverse("accounts:forgotten_password_question"), {"answer": "Rex"})
        step2_seconds = time.monotonic() - start

    # The cache (rate limits) gives up after 2 s and lets the request through.
    assert step1.status_code == 302 and step1.url == reverse("accounts:forgotten_password_question")
    assert step1_seconds < 5
    assert any("Cache indisponible" in record.getMessage() for record in caplog.records)
    # The broker gives up after 2 s: the e-mail is written, pending, for the periodic sender.
    assert step2.status_code == 302 and step2_seconds < 5
    email = OutboxEmail.objects.get(kind="reinitialisation_mot_de_passe")
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 0)
    assert any("non mis en file" in record.getMessage() for record in caplog.records)
