"""At least once, deduplicated by Message-ID: the row is claimed and its attempt committed before the SMTP
conversation; a sender killed after the server accepted leaves the row to be sent again under the same
Message-ID. FAILED rows can be sent again (send_pending_emails --failed, the admin's « Renvoyer »)."""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_create
from apart.outbox.models import OutboxEmail, OutboxStatus
from apart.outbox.services import outbox_email_send, outbox_send_pending
from tests.factories import OutboxEmailFactory, two_factor_login


class WorkerKilled(BaseException):
    """What the sender's process sees of a SIGKILL: nothing after this point runs (no except Exception)."""


class SpyBackend(EmailBackend):
    """Delivers like locmem, then runs `after_delivery` (a check, or the worker's death)."""

    after_delivery = None

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        if SpyBackend.after_delivery is not None:
            SpyBackend.after_delivery()
        return sent


@pytest.fixture
def spy_backend(settings):
    settings.EMAIL_BACKEND = f"{__name__}.SpyBackend"
    yield SpyBackend
    SpyBackend.after_delivery = None


def message_ids():
    return [message.message()["Message-ID"] for message in mail.outbox]


@pytest.mark.django_db(transaction=True)
def test_the_row_is_claimed_and_the_attempt_committed_before_the_smtp_conversation(spy_backend):
    email = OutboxEmailFactory()
    seen = {}

    def check():
        # Outside any transaction: what this connection reads is what is committed.
        seen["in_transaction"] = connection.in_atomic_block
        seen["row"] = OutboxEmail.objects.values("status", "attempts", "claimed_until").get(pk=email.pk)

    spy_backend.after_delivery = check

    assert outbox_email_send(email_id=email.pk) is True

    assert seen["in_transaction"] is False
    assert seen["row"]["status"] == OutboxStatus.PENDING and seen["row"]["attempts"] == 1
    assert seen["row"]["claimed_until"] > timezone.now()
    email.refresh_from_db()
    assert (email.status, email.attempts, email.claimed_until) == (OutboxStatus.SENT, 1, None)


@pytest.mark.django_db
def test_a_message_id_is_derived_from_the_row():
    email = OutboxEmailFactory()

    outbox_email_send(email_id=email.pk)

    assert message_ids() == [f"<outbox-{email.pk}-{int(email.created_at.timestamp())}@asp-public.fr>"]


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_after_the_server_accepted_is_retried_after_its_lease_under_the_same_message_id(
    spy_backend, settings
):
    settings.OUTBOX_SEND_LEASE_SECONDS = 300
    email = OutboxEmailFactory()

    def killed():
        raise WorkerKilled

    spy_backend.after_delivery = killed
    with pytest.raises(WorkerKilled):
        outbox_email_send(email_id=email.pk)
    spy_backend.after_delivery = None

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)  # the attempt survived the death
    assert outbox_send_pending(due_only=False) == (0, 0)  # still claimed: nobody sends it meanwhile
    assert len(mail.outbox) == 1

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=301)):
        assert outbox_send_pending(due_only=True) == (1, 0)

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.SENT, 2)
    assert len(mail.outbox) == 2
    assert message_ids()[0] == message_ids()[1]


@pytest.mark.django_db(transaction=True)
def test_a_send_that_raises_after_delivery_is_retried_under_the_same_message_id(spy_backend):
    email = OutboxEmailFactory()

    def lost_reply():
        raise ConnectionResetError("connexion perdue après le 250 OK")

    spy_backend.after_delivery = lost_reply
    assert outbox_email_send(email_id=email.pk) is False
    spy_backend.after_delivery = None
    call_command("send_pending_emails")

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.SENT, 2)
    assert len(set(message_ids())) == 1 and len(mail.outbox) == 2


# --- FAILED rows sent again ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_send_pending_emails_failed_sends_the_failed_rows_again():
    failed = OutboxEmailFactory(failed=True, to="echec@example.fr")

    call_command("send_pending_emails")
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.FAILED and mail.outbox == []  # not without --failed

    call_command("send_pending_emails", "--failed")

    failed.refresh_from_db()
    assert failed.status == OutboxStatus.SENT
    assert [message.to for message in mail.outbox] == [["echec@example.fr"]]


@pytest.mark.django_db(transaction=True)
def test_send_pending_emails_failed_counts_the_failed_rows_it_sent():
    """Out of a test transaction, the requeue's on_commit ran at once and a worker (eager here) sent the rows
    before the command's own pass, which then printed « 0 courriel(s) envoyé(s) »."""
    OutboxEmailFactory(failed=True, to="echec@example.fr")
    OutboxEmailFactory(failed=True, to="echec2@example.fr")
    out = io.StringIO()

    call_command("send_pending_emails", "--failed", stdout=out)

    assert out.getvalue().splitlines() == [
        "2 courriel(s) en échec remis en file d'envoi.",
        "2 courriel(s) envoyé(s), 0 en échec.",
    ]
    assert sorted(message.to[0] for message in mail.outbox) == ["echec2@example.fr", "echec@example.fr"]
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


def resend(client, *emails):
    return client.post(
        reverse("admin:outbox_outboxemail_changelist"),
        {"action": "resend", "_selected_action": [email.pk for email in emails]},
        follow=True,
    )


@pytest.mark.django_db(transaction=True)
def test_the_admin_action_renvoyer_sends_the_failed_rows_again_for_staff_who_may_change_them(client):
    failed = OutboxEmailFactory(failed=True, to="echec@example.fr")
    sent = OutboxEmailFactory(sent=True, to="deja.envoye@example.fr")
    viewer = user_create(identifiant="lecteur.asp", courriel="lecteur@asp.example", nom="ASP", prenom="Lecteur")
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxemail"))
    two_factor_login(client, viewer)

    assert 'value="resend"' not in client.get(reverse("admin:outbox_outboxemail_changelist")).content.decode()
    resend(client, failed)
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.FAILED  # view permission only: nothing happens

    viewer.user_permissions.add(Permission.objects.get(codename="change_outboxemail"))
    assert 'value="resend"' in client.get(reverse("admin:outbox_outboxemail_changelist")).content.decode()
    page = resend(client, failed, sent).content.decode()

    assert "1 courriel(s) en échec remis en file d&#x27;envoi." in page
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxStatus.SENT, 1)
    assert [message.to for message in mail.outbox] == [["echec@example.fr"]]  # the sent one is not sent again


@pytest.mark.django_db(transaction=True)
def test_renvoyer_from_the_list_filtered_on_failed_counts_no_negative_other_rows(client):
    """The filter « Échec définitif » applies to the action's selection too: counted after the requeue, the rows
    no longer failed made the message say « -2 autre(s) sélectionné(s) »."""
    emails = [OutboxEmailFactory(failed=True, to=f"echec{n}@example.fr") for n in range(2)]
    agent = user_create(identifiant="agent.asp", courriel="agent@asp.example", nom="ASP", prenom="Agent")
    agent.is_staff = agent.is_superuser = True
    agent.save()
    two_factor_login(client, agent)

    page = client.post(
        reverse("admin:outbox_outboxemail_changelist") + "?status__exact=failed",
        {"action": "resend", "_selected_action": [email.pk for email in emails]},
        follow=True,
    ).content.decode()

    assert "2 courriel(s) en échec remis en file d&#x27;envoi." in page
    assert "autre(s)" not in page
