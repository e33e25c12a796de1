"""Faults of the broker and of the Celery worker, with real processes (tests/faults/conftest.py): Redis stopped when
an account request is approved, the worker killed (SIGKILL) in the middle of a send and of a payment run. Each
test checks what the database holds and what the SMTP server received: nothing lost, nothing doubled."""

import time

import psycopg
import pytest
from django.db import connection

from accounts.models import User
from apart.outbox.models import OutboxEmail, OutboxStatus
from apart.outbox.services import message_id, outbox_email_create
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.enums import AccountRequestStatus
from habilitations.services import account_request_approve
from indemnisation import tasks
from indemnisation.enums import Statut
from indemnisation.models import DemandeIndemnisation, DemandeIndemnisationHistorique, Paiement
from indemnisation.paiements import EMAIL_KIND
from indemnisation.services import status_emails
from tests.factories import AccountRequestFactory, UserFactory
from tests.faults.conftest import LEASE_SECONDS, database_url_of_tests, message_ids
from tests.indemnisation.paiement_helpers import make_validees
from tests.processes import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

COURRIEL = "gerard.menuca@example.fr"
ACCOUNT_SUBJECTS = {
    "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)",
    "Mot de passe de connexion à l'Agence de Services et de Paiement (ASP)",
    "Habilitation à l'activité partielle",
}


def _rows(**filters) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(**filters).order_by("pk"))


def _sweeps_after(stack, offset: int, count: int = 2) -> None:
    """Wait until the worker has run `count` whole sweeps of the outbox after `offset` in its log (a second copy of
    an e-mail would have gone by then)."""

    def done() -> int:
        lines = stack.worker.output()[offset:].splitlines()
        return sum("Task apart.outbox.tasks.send_pending_emails[" in line and " succeeded " in line for line in lines)

    wait_until(lambda: done() > count, timeout=30, what=f"{count} tournées de la file d'envoi")


def test_redis_stopped_at_approval_the_emails_wait_and_go_out_once_after_redis_is_back(stack):
    staff = UserFactory(staff=True)
    account_request = AccountRequestFactory(courriel=COURRIEL)
    stack.redis.stop()
    beat_log = len(stack.beat.output())

    approved = account_request_approve(account_request=account_request, by=staff)

    # The approval is saved, with the account and its three e-mails, which wait in the outbox.
    assert approved.status == AccountRequestStatus.APPROVED
    assert User.objects.filter(courriel=COURRIEL).exists()
    rows = _rows(to=COURRIEL)
    assert {row.subject for row in rows} == ACCOUNT_SUBJECTS
    assert {row.status for row in rows} == {OutboxStatus.PENDING}
    assert stack.smtp.messages == []
    # Redis stays down until the beat has failed to reach it at least once.
    wait_until(
        lambda: "beat: Connection error" in stack.beat.output()[beat_log:], timeout=30, what="le beat sans Redis"
    )

    stack.redis.start()
    back = time.monotonic()
    wait_until(lambda: len(stack.smtp.messages) >= 3, timeout=60, what="les trois courriels au serveur SMTP")
    seconds = time.monotonic() - back
    _sweeps_after(stack, len(stack.worker.output()))

    expected = {message_id(row) for row in rows}
    assert message_ids(stack.smtp) == dict.fromkeys(expected, 1)
    assert {" ".join(message["Subject"].split()) for message in stack.smtp.messages} == ACCOUNT_SUBJECTS
    assert {message["To"] for message in stack.smtp.messages} == {COURRIEL}
    assert {row.status for row in _rows(to=COURRIEL)} == {OutboxStatus.SENT}
    print(f"Courriels au serveur SMTP {seconds:.1f} s après le retour de Redis (tournée toutes les 2 s)")


def test_the_worker_killed_in_the_middle_of_a_send_leaves_every_email_sent_once(stack):
    # The SMTP server takes its time to answer RCPT TO: the worker is killed in the middle of that conversation.
    stack.smtp.rcpt_delay = 60
    rows = [
        outbox_email_create(
            kind="test", to=f"destinataire{index}@example.fr", subject=f"Courriel {index}", body_text="Bonjour.\n"
        )
        for index in range(4)
    ]  # outside a transaction: each queued to the worker at once
    wait_until(lambda: stack.smtp.rcpts > 0, timeout=30, what="une conversation SMTP en cours")
    stack.worker.kill()
    assert stack.smtp.messages == []  # the server accepted nothing before the kill
    claimed = [row for row in _rows(pk__in=[row.pk for row in rows]) if row.claimed_until is not None]
    assert len(claimed) == 1 and claimed[0].attempts == 1 and claimed[0].status == OutboxStatus.PENDING

    stack.smtp.rcpt_delay = 0
    stack.worker.start()
    wait_until(
        lambda: OutboxEmail.objects.filter(status=OutboxStatus.SENT).count() == 4,
        timeout=LEASE_SECONDS + 30,
        what="les quatre courriels envoyés",
    )
    _sweeps_after(stack, len(stack.worker.output()))

    # Each e-mail once at the server: the one being sent at the kill again after its lease, the others (taken from
    # Redis by the killed worker, then lost with it) by the beat's sweep.
    assert message_ids(stack.smtp) == {message_id(row): 1 for row in rows}
    sent = {row.pk: row for row in _rows(pk__in=[row.pk for row in rows])}
    assert {row.status for row in sent.values()} == {OutboxStatus.SENT}
    assert sent[claimed[0].pk].attempts == 2


def test_the_worker_killed_after_the_server_has_the_message_sends_it_again_under_the_same_message_id(stack):
    """The at-least-once edge: the server has the whole message and accepts it, the worker dies before reading the
    reply. The row is still pending (nothing could mark it sent): it goes again after its lease, under the same
    Message-ID, and the recipient's side sees one message in two copies. Every other e-mail goes once."""

    def kill_once():
        stack.smtp.on_data = None
        stack.worker.kill()

    stack.smtp.on_data = kill_once
    rows = [
        outbox_email_create(
            kind="test", to=f"destinataire{index}@example.fr", subject=f"Courriel {index}", body_text="Bonjour.\n"
        )
        for index in range(3)
    ]
    wait_until(lambda: not stack.worker.running and stack.smtp.messages, timeout=30, what="le worker tué")
    first = stack.smtp.messages[0]["Message-ID"]

    stack.worker.start()
    wait_until(
        lambda: OutboxEmail.objects.filter(status=OutboxStatus.SENT).count() == 3,
        timeout=LEASE_SECONDS + 30,
        what="les trois courriels envoyés",
    )
    _sweeps_after(stack, len(stack.worker.output()))

    copies = message_ids(stack.smtp)
    assert copies == {message_id(row): 2 if message_id(row) == first else 1 for row in rows}
    assert {row.status for row in _rows()} == {OutboxStatus.SENT}


def _holding_lock_on_audit():
    """A connection of the test's own that holds the audit journal's table: the payment run, which writes its line
    there last, waits there with its payment, DIs, history and e-mails written and not committed."""
    lock = psycopg.connect(database_url_of_tests())
    lock.execute(f'LOCK TABLE "{StaffAction._meta.db_table}" IN EXCLUSIVE MODE')
    return lock, StaffAction._meta.db_table


def _in_insert(table: str, *, waiting: bool = False) -> bool:
    """Whether another connection is inserting into `table` (and waiting for a lock to do it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND query LIKE %s" + (" AND wait_event_type = 'Lock'" if waiting else ""),
            [f'INSERT INTO "{table}"%'],
        )
        return cursor.fetchone()[0] > 0


def _runs_done(stack, offset: int) -> int:
    lines = stack.worker.output()[offset:].splitlines()
    return sum("Task indemnisation.tasks.run_payments[" in line and " succeeded " in line for line in lines)


def test_the_worker_killed_in_the_middle_of_a_payment_run_pays_every_di_once(stack):
    demandes = make_validees(12)
    ids = {demande.pk for demande in demandes}
    # The e-mails of the validations go first: the server then holds only the payment's.
    wait_until(lambda: not OutboxEmail.objects.filter(status=OutboxStatus.PENDING).exists(), timeout=30)
    _sweeps_after(stack, len(stack.worker.output()), count=1)
    stack.smtp.messages.clear()
    earlier = set(OutboxEmail.objects.values_list("pk", flat=True))
    lock, table = _holding_lock_on_audit()
    try:
        tasks.run_payments.delay()
        wait_until(lambda: _in_insert(table, waiting=True), timeout=60, interval=0.2, what="le paiement en cours")
        stack.worker.kill()
    finally:
        lock.close()  # the killed worker's transaction ends with its connection: rolled back
    wait_until(lambda: not _in_insert(table), timeout=30, what="la fin de la connexion du worker tué")
    assert not Paiement.objects.exists()
    assert set(DemandeIndemnisation.objects.values_list("statut", flat=True)) == {Statut.VALIDEE}

    stack.worker.start()
    offset = len(stack.worker.output())
    tasks.run_payments.delay()
    tasks.run_payments.delay()  # and again: nothing left to pay
    wait_until(lambda: _runs_done(stack, offset) == 2, timeout=60, what="les deux tournées de paiement")
    wait_until(lambda: not OutboxEmail.objects.filter(status=OutboxStatus.PENDING).exists(), timeout=30)
    _sweeps_after(stack, len(stack.worker.output()))

    paiement = Paiement.objects.get()
    assert paiement.nb_demandes == 12
    assert set(DemandeIndemnisation.objects.filter(paiement=paiement).values_list("pk", flat=True)) == ids
    assert set(DemandeIndemnisation.objects.values_list("statut", flat=True)) == {Statut.MISE_EN_PAIEMENT}
    history = list(
        DemandeIndemnisationHistorique.objects.filter(to_statut=Statut.MISE_EN_PAIEMENT).values_list(
            "demande_id", flat=True
        )
    )
    assert sorted(history) == sorted(ids)
    assert StaffAction.objects.filter(action=StaffActionKind.PAIEMENT_RUN).count() == 1
    rows = [row for row in _rows() if row.pk not in earlier]
    # Each DI's status e-mail once to each of its recipients, sent once.
    expected = sorted(to for demande in paiement.demandes.all() for to, _context in status_emails(demande))
    assert expected and sorted(row.to for row in rows) == expected
    assert {row.kind for row in rows} == {EMAIL_KIND}
    for demande in demandes:
        assert sum(demande.numero in row.body_text for row in rows) == len(status_emails(demande))
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    assert message_ids(stack.smtp) == {message_id(row): 1 for row in rows}
