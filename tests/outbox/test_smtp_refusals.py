"""A real SMTP server (aiosmtpd on loopback) that refuses: 451 then 250 is retried with back-off and delivered
once; 550 at every attempt ends FAILED after the last one, the error shown to staff, and « Renvoyer » delivers it,
once; a server that answers after the sender's timeout leaves the row to be sent again under the same Message-ID."""

import datetime
import threading

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apart.outbox.models import OutboxEmail, OutboxStatus
from apart.outbox.services import message_id, outbox_email_create, outbox_send_pending
from tests.conftest import _free_port


class ScriptedHandler:
    """Answers RCPT and DATA from scripts (one reply per attempt, then 250); keeps what it accepts."""

    def __init__(self):
        self.rcpt_replies = []
        self.data_replies = []
        self.data_delay = 0.0
        self.stored_before_reply = False  # a relay that has queued the message before its (late) reply
        self.messages = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.pop(0) if self.rcpt_replies else "250 OK"
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server, session, envelope):
        reply = self.data_replies.pop(0) if self.data_replies else "250 OK"
        if reply.startswith("250") and self.stored_before_reply:
            self._keep(envelope)
        if self.data_delay:
            import asyncio

            await asyncio.sleep(self.data_delay)  # cancelled by aiosmtpd when the client hangs up
        if reply.startswith("250") and not self.stored_before_reply:
            self._keep(envelope)
        return reply

    def _keep(self, envelope):
        from email import message_from_bytes, policy

        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))


@pytest.fixture
def smtp(settings):
    handler = ScriptedHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "apart.outbox.backends.EmailBackend"  # what EMAIL_URL=smtp://… gives
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.OUTBOX_MAX_ATTEMPTS = 3
    yield handler
    controller.stop()


def _enqueue(to="gerard.menuca@example.fr"):
    """A row written in a transaction: its first attempt runs at the commit (tasks in-process in the tests)."""
    with transaction.atomic():
        email = outbox_email_create(kind="test", to=to, subject="Identifiant de connexion", body_text="gerard.menuca1")
    email.refresh_from_db()
    return email


def _time_passes(email):
    """The back-off is over (what the beat's minute sweep sees later)."""
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def _backoff(email) -> datetime.timedelta:
    return email.next_attempt_at - email.last_attempt_at


@pytest.mark.django_db(transaction=True)
def test_451_then_250_is_retried_with_back_off_and_delivered_once(smtp):
    smtp.data_replies = ["451 4.3.0 Service temporairement indisponible", "451 4.7.1 Réessayez plus tard"]

    email = _enqueue()
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)
    assert "451" in email.last_error
    assert datetime.timedelta(seconds=59) < _backoff(email) <= datetime.timedelta(minutes=1, seconds=1)
    assert outbox_send_pending(due_only=True) == (0, 0)  # the beat's sweep waits for the back-off

    _time_passes(email)
    assert outbox_send_pending(due_only=True) == (0, 1)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 2)
    assert datetime.timedelta(minutes=1, seconds=59) < _backoff(email) <= datetime.timedelta(minutes=2, seconds=1)

    _time_passes(email)
    assert outbox_send_pending(due_only=True) == (1, 0)
    _time_passes(email)
    assert outbox_send_pending(due_only=True) == (0, 0)
    assert outbox_send_pending(due_only=False) == (0, 0)

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (OutboxStatus.SENT, 3, "")
    assert [message["Message-ID"] for message in smtp.messages] == [message_id(email)]


@pytest.mark.django_db(transaction=True)
def test_550_at_every_attempt_fails_for_good_shows_the_error_to_staff_and_renvoyer_delivers_once(smtp, staff_client):
    smtp.rcpt_replies = ["550 5.1.1 Destinataire inconnu"] * 3

    email = _enqueue(to="inconnu@example.fr")
    for _ in range(2):
        assert email.status == OutboxStatus.PENDING
        _time_passes(email)
        outbox_send_pending(due_only=True)
        email.refresh_from_db()

    assert (email.status, email.attempts) == (OutboxStatus.FAILED, 3)
    assert "SMTPRecipientsRefused" in email.last_error and "550" in email.last_error
    _time_passes(email)
    assert outbox_send_pending(due_only=True) == (0, 0)  # FAILED: the sweep leaves it to staff
    assert smtp.messages == []

    change = staff_client.get(reverse("admin:outbox_outboxemail_change", args=[email.pk])).content.decode()
    assert "Échec définitif" in change
    assert "550" in change and "Destinataire inconnu" in change

    # The address is fixed on the receiving side; staff select the row and « Renvoyer ».
    page = staff_client.post(
        reverse("admin:outbox_outboxemail_changelist"),
        {"action": "resend", "_selected_action": [email.pk]},
        follow=True,
    ).content.decode()

    assert "1 courriel(s) en échec remis en file d&#x27;envoi." in page
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.SENT, 1)
    assert outbox_send_pending(due_only=False) == (0, 0)
    assert [message["Message-ID"] for message in smtp.messages] == [message_id(email)]


@pytest.mark.parametrize("stored_before_reply", [False, True], ids=["gives-up-with-the-client", "already-queued"])
@pytest.mark.django_db(transaction=True)
def test_a_server_slower_than_the_end_of_data_timeout_gets_the_retry_under_the_same_message_id(
    smtp, settings, stored_before_reply
):
    """The sender gives up waiting for the reply to the end of the data: the row stays pending and
    the next sweep sends it again, once. A server that drops the message when the client hangs up (aiosmtpd) ends
    with one copy; one that had queued it before its late reply ends with two copies of one Message-ID (SMTP
    cannot tell the sender what the server did after it hung up), by which the receiving side recognises them."""
    settings.EMAIL_TIMEOUT = settings.OUTBOX_SMTP_DATA_TIMEOUT = 1
    smtp.data_delay = 2.0
    smtp.stored_before_reply = stored_before_reply

    email = _enqueue()
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)
    assert "timed out" in email.last_error

    smtp.data_delay = 0
    _time_passes(email)
    assert outbox_send_pending(due_only=True) == (1, 0)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.SENT, 2)
    _time_passes(email)
    assert outbox_send_pending(due_only=False) == (0, 0)

    assert {message["Message-ID"] for message in smtp.messages} == {message_id(email)}
    assert len(smtp.messages) == (2 if stored_before_reply else 1)


@pytest.mark.django_db(transaction=True)
def test_a_server_slower_than_email_timeout_at_the_end_of_the_data_is_waited_for_and_gets_one_copy(smtp, settings):
    """The server has queued the message and answers after EMAIL_TIMEOUT: the sender still waits for that reply
    (OUTBOX_SMTP_DATA_TIMEOUT, as RFC 5321 asks), so the e-mail is sent once, not twice. With Django's backend
    (EMAIL_TIMEOUT for every step) the same server received two copies (the test above)."""
    settings.EMAIL_TIMEOUT, settings.OUTBOX_SMTP_DATA_TIMEOUT = 1, 5
    smtp.data_delay = 2.0
    smtp.stored_before_reply = True

    email = _enqueue()

    assert (email.status, email.attempts, email.last_error) == (OutboxStatus.SENT, 1, "")
    assert [message["Message-ID"] for message in smtp.messages] == [message_id(email)]
    assert outbox_send_pending(due_only=False) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_server_that_does_not_answer_is_still_given_up_after_email_timeout(smtp, settings):
    """Only the reply to the end of the data is waited for longer: a server silent at RCPT is left after
    EMAIL_TIMEOUT."""
    import asyncio
    import time

    settings.EMAIL_TIMEOUT, settings.OUTBOX_SMTP_DATA_TIMEOUT = 1, 60

    async def silent_rcpt(server, session, envelope, address, rcpt_options):
        await asyncio.sleep(5)
        return "250 OK"

    smtp.handle_RCPT = silent_rcpt
    start = time.monotonic()
    email = _enqueue()

    assert time.monotonic() - start < 3
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)
    assert "timed out" in email.last_error
