"""Implicit acceptance at the end of the 15th day: the service and the command (which lives in indemnisation with
the reminders: tests/indemnisation/test_rappels.py has the daily task)."""

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from apart.outbox.models import OutboxEmail
from dap.enums import ModeDecision, Statut
from dap.models import Decision, DemandeAutorisation
from dap.services import demande_save, demande_send, demandes_apply_deadlines

from .conftest import valid_data

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SENT_AT = datetime.datetime(2026, 12, 1, 17, 30, tzinfo=PARIS)


@pytest.fixture
def sent(employer, establishment):
    """A DAP received on 1 December 2026 at 17:30: the UD may decide until the end of 16 December."""
    with time_machine.travel(SENT_AT, tick=False):
        demande = demande_save(
            by=employer,
            establishment=establishment,
            data=valid_data(date_debut=datetime.date(2026, 12, 2), date_fin=datetime.date(2026, 12, 15)),
        )
        return demande_send(demande=demande, by=employer)


def test_the_implicit_acceptance_date_is_the_15th_day_after_receipt(sent):
    assert sent.implicit_acceptance_on == datetime.date(2026, 12, 16)


def test_on_the_15th_day_the_dap_still_waits(sent):
    with time_machine.travel(datetime.datetime(2026, 12, 16, 23, 59, tzinfo=PARIS), tick=False):
        assert demandes_apply_deadlines() == []
    assert DemandeAutorisation.objects.get(pk=sent.pk).statut == Statut.ENVOYEE


def test_the_day_after_the_15th_day_the_dap_is_accepted_implicitly_with_its_decision(
    sent, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(datetime.datetime(2026, 12, 17, 0, 5, tzinfo=PARIS), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert demandes_apply_deadlines() == [sent.numero]
    sent.refresh_from_db()
    assert sent.statut == Statut.ACCEPTEE_IMPLICITEMENT
    assert sent.decided_by is None
    assert timezone.localtime(sent.decided_at) == datetime.datetime(2026, 12, 17, 0, 0, tzinfo=PARIS)
    decision = Decision.objects.get(demande=sent)
    assert decision.mode == ModeDecision.IMPLICITE
    assert (decision.date_debut, decision.date_fin) == (datetime.date(2026, 12, 2), datetime.date(2026, 12, 15))
    assert (decision.heures_autorisees, decision.nb_salaries) == (Decimal("100"), 5)
    assert sent.historique.last().to_statut == Statut.ACCEPTEE_IMPLICITEMENT
    emails = OutboxEmail.objects.filter(kind="dap_decision")
    assert emails.count() == 2
    assert "acceptée implicitement" in emails.first().subject


def test_the_command_replays_a_date_and_changes_nothing_the_second_time(sent):
    out = io.StringIO()
    call_command("apply_deadlines", today="2026-12-16", stdout=out)
    assert "0 demande(s) acceptée(s) implicitement au 16/12/2026." in out.getvalue()
    assert DemandeAutorisation.objects.get(pk=sent.pk).statut == Statut.ENVOYEE

    out = io.StringIO()
    call_command("apply_deadlines", today="2026-12-20", stdout=out)
    assert f"{sent.numero} : acceptée implicitement" in out.getvalue()
    assert "1 demande(s) acceptée(s) implicitement au 20/12/2026." in out.getvalue()
    decision = Decision.objects.get()
    # Replayed late, the decision still dates from the end of the 15th day.
    assert timezone.localtime(decision.issued_at).date() == datetime.date(2026, 12, 17)
    emails = OutboxEmail.objects.count()

    out = io.StringIO()
    call_command("apply_deadlines", today="2026-12-20", stdout=out)
    assert "0 demande(s) acceptée(s) implicitement" in out.getvalue()
    assert Decision.objects.get() == decision
    assert OutboxEmail.objects.count() == emails
    assert DemandeAutorisation.objects.get(pk=sent.pk).historique.count() == 3


def test_the_command_refuses_a_date_it_cannot_read():
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("apply_deadlines", today="17/12/2026")
