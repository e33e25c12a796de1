import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction

from apart.outbox.models import OutboxEmail, OutboxStatus
from apart.outbox.services import outbox_email_create, outbox_email_send, outbox_send_pending
from tests.factories import OutboxEmailFactory


def _create(**overrides):
    fields = {
        "kind": "test",
        "to": "gerard.menuca@example.fr",
        "subject": "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)",
        "body_text": "Bonjour Gérard Menuça\n\nVoici votre identifiant de connexion:\n\ngerard.menuca1\n",
    }
    return outbox_email_create(**{**fields, **overrides})


@pytest.mark.django_db(transaction=True)
def test_an_email_is_sent_after_the_transaction_commits(smtp_settings):
    with transaction.atomic():
        email = _create()
        assert smtp_settings.messages == []  # nothing leaves before commit

    messages = smtp_settings.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["To"] == "gerard.menuca@example.fr"
    assert messages[0]["Subject"].strip() == "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)"
    assert "gerard.menuca1" in messages[0].get_body(("plain",)).get_content()
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
    assert email.sent_at is not None
    assert email.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_row_written_in_a_transaction_that_rolls_back_is_never_sent(smtp_settings):
    with pytest.raises(RuntimeError), transaction.atomic():
        _create()
        raise RuntimeError("la création du compte échoue")

    outbox_send_pending(due_only=False)
    assert OutboxEmail.objects.count() == 0
    assert smtp_settings.wait_for(1, timeout=0.5) == []


@pytest.mark.django_db(transaction=True)
def test_an_smtp_failure_leaves_the_row_pending_and_a_later_run_sends_it(smtp_settings):
    smtp_settings.refuse = True
    email = _create()

    email.refresh_from_db()
    assert email.status == OutboxStatus.PENDING
    assert email.attempts == 1
    assert "451" in email.last_error
    assert email.next_attempt_at is not None
    assert outbox_send_pending(due_only=True) == (0, 0)  # backing off: not due yet

    smtp_settings.refuse = False
    call_command("send_pending_emails")

    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
    assert email.attempts == 2
    assert email.last_error == ""
    assert len(smtp_settings.wait_for(1)) == 1


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_smtp_server_is_recorded(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2

    email = _create()

    email.refresh_from_db()
    assert email.status == OutboxStatus.PENDING
    assert "ConnectionRefusedError" in email.last_error


@pytest.mark.django_db(transaction=True)
def test_running_the_sender_twice_on_one_row_sends_one_mail(smtp_settings):
    smtp_settings.refuse = True
    email = _create()
    smtp_settings.refuse = False

    assert outbox_email_send(email_id=email.pk) is True
    assert outbox_email_send(email_id=email.pk) is False
    call_command("send_pending_emails")

    assert len(smtp_settings.wait_for(2, timeout=0.5)) == 1
    email.refresh_from_db()
    assert email.attempts == 2


@pytest.mark.django_db
def test_a_row_fails_for_good_after_the_maximum_attempts(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    email = OutboxEmail.objects.create(
        kind="test", to="a@example.fr", from_email="x@example.fr", subject="s", body_text="b"
    )

    outbox_email_send(email_id=email.pk)
    outbox_email_send(email_id=email.pk)
    outbox_email_send(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutboxStatus.FAILED
    assert email.attempts == 2


@pytest.mark.django_db
def test_html_alternative_is_attached(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email = OutboxEmail.objects.create(
        kind="test", to="a@example.fr", from_email="x@example.fr", subject="s", body_text="b", body_html="<p>b</p>"
    )

    outbox_email_send(email_id=email.pk)

    assert mail.outbox[0].alternatives[0].content == "<p>b</p>"
    assert mail.outbox[0].extra_headers["X-APART-Outbox-Id"] == str(email.pk)


@pytest.mark.django_db
def test_dev_mailbox_shows_sent_mail_in_debug_only(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email = OutboxEmail.objects.create(
        kind="test",
        to="gerard.menuca@example.fr",
        from_email="noreply@asp-public.fr",
        subject="Mot de passe de connexion à l'Agence de Services et de Paiement (ASP)",
        body_text="Voici votre nouveau mot de passe de connexion: [Abc;12345xyz]",
        body_html="<p>Voici votre nouveau mot de passe</p>",
    )
    settings.DEBUG = True

    listing = client.get("/dev/courriels/").content.decode()
    detail = client.get(f"/dev/courriels/{email.pk}/").content.decode()
    html = client.get(f"/dev/courriels/{email.pk}/html/")

    assert "gerard.menuca@example.fr" in listing
    assert "Mot de passe de connexion à l&#x27;Agence de Services et de Paiement (ASP)" in listing
    assert "[Abc;12345xyz]" in detail
    assert (
        "script-src" not in html["Content-Security-Policy"] and "default-src 'none'" in html["Content-Security-Policy"]
    )

    settings.DEBUG = False
    assert client.get("/dev/courriels/").status_code == 404
    assert client.get(f"/dev/courriels/{email.pk}/").status_code == 404


@pytest.mark.postgres
def test_two_senders_at_once_send_one_row_once(transactional_db, smtp_settings):
    """Two workers pick the same row at the same moment (a task and the periodic sender): the row lock lets one
    send it; the other skips it. The SMTP server is slow, so the first is still sending when the second looks."""
    smtp_settings.delay = 1.0
    email = OutboxEmailFactory(to="une.seule.fois@example.fr")  # pending, no task queued
    start = threading.Barrier(2)
    results = []

    def sender():
        try:
            start.wait(5)
            results.append(outbox_email_send(email_id=email.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results) == [False, True]
    assert [message["To"] for message in smtp_settings.wait_for(1, timeout=5)] == ["une.seule.fois@example.fr"]
    time.sleep(0.5)
    assert len(smtp_settings.messages) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.SENT, 1)


def _status_once_committed(email, timeout=10):
    """The row's status once the worker has committed it: it commits just after the SMTP server has the message."""
    deadline = time.monotonic() + timeout
    while (status := OutboxEmail.objects.get(pk=email.pk).status) == OutboxStatus.PENDING:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return status


@pytest.mark.postgres
def test_a_real_celery_worker_delivers_an_outbox_email_over_smtp(celery_worker_process):
    smtp_server = celery_worker_process.smtp
    with transaction.atomic():
        email = _create(to="expert.comptable@example.fr")

    messages = smtp_server.wait_for(1, timeout=30)
    assert len(messages) == 1, "".join(celery_worker_process.output[-30:])
    assert messages[0]["To"] == "expert.comptable@example.fr"
    assert _status_once_committed(email) == OutboxStatus.SENT
    assert any("send_outbox_email" in line for line in celery_worker_process.output)


@pytest.mark.postgres
def test_the_periodic_task_sends_what_the_broker_missed(celery_worker_process):
    smtp_server = celery_worker_process.smtp
    email = OutboxEmail.objects.create(
        kind="test", to="oublie@example.fr", from_email="noreply@asp-public.fr", subject="Rattrapage", body_text="b"
    )  # written while the broker was down: no task queued

    from apart.outbox.tasks import send_pending_emails

    send_pending_emails.delay()

    messages = smtp_server.wait_for(1, timeout=30)
    assert [message["To"] for message in messages] == ["oublie@example.fr"]
    assert _status_once_committed(email) == OutboxStatus.SENT


@pytest.mark.django_db
def test_without_a_broker_the_in_process_sending_logs_no_broker_warning(
    settings, caplog, django_capture_on_commit_callbacks
):
    """With no CELERY_BROKER_URL the task runs in the web process; Celery's producer must not look for an AMQP
    server on localhost (kombu's « No hostname was supplied » on every e-mail)."""
    from apart.celery import app

    assert settings.CELERY_BROKER_URL == "" and app.conf.task_always_eager
    with caplog.at_level("WARNING"), django_capture_on_commit_callbacks(execute=True):
        email = _create(to="sans.broker@example.fr")

    assert app.conf.broker_url == "memory://localhost/"
    assert not [record for record in caplog.records if record.name.startswith("kombu")]
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT
