"""The ASP's payment run: one pain.001.001.03 file (valid against its XSD) for every Validée DI, the DIs Mise en
paiement then Payée, with their history, their e-mails and the audit rows; never a DI paid twice."""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from bareme.engine import format_mois
from indemnisation.enums import Statut, StatutPaiement
from indemnisation.models import DemandeIndemnisation, DemandeIndemnisationHistorique, Paiement
from indemnisation.paiements import paiement_execute, paiement_run
from tests.factories import UserFactory
from tests.indemnisation.helpers import make_decision, make_di, make_employer
from tests.indemnisation.paiement_helpers import COMPTES, make_validees, read_file

pytestmark = pytest.mark.django_db


def test_the_validated_dis_are_one_file_valid_against_the_xsd():
    demandes = make_validees(3)
    staff = UserFactory(staff=True)

    paiement = paiement_run(by=staff)

    assert paiement.numero == f"PAI-{timezone.localdate().year}-000001"
    assert paiement.statut == StatutPaiement.PREPARE
    assert paiement.nb_demandes == 3
    total = sum(demande.total_allocation for demande in demandes)
    assert total > 0
    assert paiement.montant_total == total
    assert paiement.created_by == staff
    fichier = read_file(paiement.fichier)
    assert fichier["msg_id"] == paiement.numero == paiement.message_id
    assert fichier["nb_of_txs"] == 3
    assert fichier["ctrl_sum"] == total  # to the cent
    assert fichier["debtor_name"] == "AGENCE DE SERVICES ET DE PAIEMENT"
    assert fichier["debtor_iban"] == "FR7630001007941234567890185"
    assert set(fichier["transactions"]) == {demande.numero for demande in demandes}
    for index, demande in enumerate(demandes):
        transaction = fichier["transactions"][demande.numero]
        iban, bic, titulaire = COMPTES[index]
        assert transaction["amount"] == demande.total_allocation
        assert transaction["currency"] == "EUR"
        assert transaction["iban"] == iban
        assert transaction["bic"] == bic
        # The SEPA character set: accents transliterated.
        assert transaction["name"] == titulaire.replace("é", "e")
        mois = format_mois(demande.mois).replace("é", "e").replace("û", "u")
        assert transaction["remittance"] == f"Allocation activite partielle {mois} {demande.numero}"


def test_the_dis_are_mise_en_paiement_with_history_emails_and_audit():
    demandes = make_validees(2)
    staff = UserFactory(staff=True)
    emails_before = OutboxEmail.objects.filter(kind="di_statut").count()

    paiement = paiement_run(by=staff)

    for demande in demandes:
        demande.refresh_from_db()
        assert demande.statut == Statut.MISE_EN_PAIEMENT
        assert demande.paiement == paiement
        assert demande.paid_at is None
        last = DemandeIndemnisationHistorique.objects.filter(demande=demande).last()
        assert (last.from_statut, last.to_statut, last.by) == (Statut.VALIDEE, Statut.MISE_EN_PAIEMENT, staff)
        assert paiement.numero in last.comment
    emails = OutboxEmail.objects.filter(kind="di_statut").order_by("id")[emails_before:]
    # Two recipients per DI: the contact person and the sender.
    assert len(emails) == 4
    assert {email.to for email in emails} == {"contact@entreprise.example.fr", demandes[0].sent_by.courriel}
    assert all("mise en paiement" in email.subject for email in emails)
    assert all("virement de l'allocation est transmis" in email.body_text for email in emails)
    audit = StaffAction.objects.get(action=StaffActionKind.PAIEMENT_RUN)
    assert audit.actor == staff
    assert paiement.numero in audit.summary


def test_a_second_run_pays_nothing_and_writes_nothing():
    make_validees(2)
    assert paiement_run() is not None
    counts = (Paiement.objects.count(), DemandeIndemnisationHistorique.objects.count(), OutboxEmail.objects.count())

    assert paiement_run() is None

    assert (
        Paiement.objects.count(),
        DemandeIndemnisationHistorique.objects.count(),
        OutboxEmail.objects.count(),
    ) == counts


def test_nothing_to_pay_returns_none():
    establishment, user = make_employer()
    make_di(make_decision(establishment, user), user, send=True)  # Envoyée, not validated

    assert paiement_run() is None
    assert not Paiement.objects.exists()


def test_a_di_validated_after_a_run_goes_into_the_next_one():
    make_validees(1)
    first = paiement_run()
    (demande,) = make_validees(1, start=1)

    second = paiement_run()

    assert second.numero.endswith("-000002")
    assert list(second.demandes.all()) == [demande]
    assert first.demandes.count() == 1


def _zero_allocation(demandes):
    """A DI whose allocation rounds to 0,00 € (a sending refuses a DI without hours, not one of a few cents)."""
    from django.db.models import F

    DemandeIndemnisation.objects.filter(pk__in=[demande.pk for demande in demandes]).update(
        total_allocation=0, total_reste_a_charge=F("total_indemnite")
    )
    for demande in demandes:
        demande.refresh_from_db()
    return demandes


def test_a_zero_allocation_di_is_left_validated_out_of_the_file():
    (payable,) = make_validees(1)
    (zero,) = _zero_allocation(make_validees(1, start=1))
    assert zero.total_allocation == Decimal("0.00")

    paiement = paiement_run()

    assert list(paiement.demandes.all()) == [payable]
    zero.refresh_from_db()
    assert zero.statut == Statut.VALIDEE
    assert set(read_file(paiement.fichier)["transactions"]) == {payable.numero}


def test_only_zero_allocation_dis_pay_nothing():
    _zero_allocation(make_validees(1))

    assert paiement_run() is None


@override_settings(
    SEPA_DEBTOR_NAME="ASP Direction financière",
    SEPA_DEBTOR_IBAN="FR1420041010050500013M02606",
    SEPA_DEBTOR_BIC="PSSTFRPPPAR",
)
def test_the_debtor_comes_from_the_settings():
    make_validees(1)

    fichier = read_file(paiement_run().fichier)

    assert fichier["debtor_name"] == "ASP Direction financiere"
    assert fichier["debtor_iban"] == "FR1420041010050500013M02606"


def test_execute_pays_the_dis_once():
    demandes = make_validees(2)
    paiement = paiement_run()
    staff = UserFactory(staff=True)
    now = timezone.now()

    paiement = paiement_execute(paiement=paiement, by=staff, now=now)

    assert paiement.statut == StatutPaiement.EXECUTE
    assert (paiement.executed_at, paiement.executed_by) == (now, staff)
    for demande in demandes:
        demande.refresh_from_db()
        assert demande.statut == Statut.PAYEE
        assert demande.paid_at == now
        last = DemandeIndemnisationHistorique.objects.filter(demande=demande).last()
        assert (last.from_statut, last.to_statut, last.by) == (Statut.MISE_EN_PAIEMENT, Statut.PAYEE, staff)
    assert OutboxEmail.objects.filter(kind="di_statut", subject__contains="payée").count() == 4
    assert StaffAction.objects.filter(action=StaffActionKind.PAIEMENT_EXECUTE, actor=staff).count() == 1
    counts = (DemandeIndemnisationHistorique.objects.count(), OutboxEmail.objects.count(), StaffAction.objects.count())

    again = paiement_execute(paiement=paiement, by=staff)

    assert again.executed_at == now
    assert (
        DemandeIndemnisationHistorique.objects.count(),
        OutboxEmail.objects.count(),
        StaffAction.objects.count(),
    ) == counts
    assert DemandeIndemnisation.objects.filter(statut=Statut.PAYEE).count() == 2
