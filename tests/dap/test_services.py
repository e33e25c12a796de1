"""The DAP's transitions, the refused ones included, their history rows and e-mails."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from apart.outbox.models import OutboxEmail
from dap import perms
from dap.codes import code_di_est_valide
from dap.enums import ModeDecision, Statut
from dap.models import Decision, DemandeAutorisation, DemandeHistorique
from dap.services import (
    ActionRefusee,
    DemandeInvalide,
    demande_accept,
    demande_answer_complement,
    demande_delete,
    demande_refuse,
    demande_request_complement,
    demande_save,
    demande_send,
    demande_withdraw,
    demandes_apply_deadlines,
)
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory, delivered_text

from .conftest import days, today, valid_data

pytestmark = pytest.mark.django_db


def statuts(demande):
    return list(DemandeHistorique.objects.filter(demande=demande).values_list("from_statut", "to_statut"))


@pytest.fixture
def provisoire(employer, establishment):
    return demande_save(by=employer, establishment=establishment, data=valid_data())


@pytest.fixture
def envoyee(provisoire, employer):
    return demande_send(demande=provisoire, by=employer)


def test_save_creates_a_provisoire_dap_with_a_readable_number(provisoire, employer):
    assert re.fullmatch(rf"DAP-{today().year}-\d{{6}}", provisoire.numero)
    assert provisoire.statut == Statut.PROVISOIRE
    assert provisoire.iban == "FR7630006000011234567890189"
    assert statuts(provisoire) == [("", Statut.PROVISOIRE)]


def test_numbers_follow_each_other(employer, establishment):
    first = demande_save(by=employer, establishment=establishment, data=valid_data())
    second = demande_save(
        by=employer, establishment=establishment, data=valid_data(date_debut=days(20), date_fin=days(25))
    )
    assert int(second.numero[-6:]) == int(first.numero[-6:]) + 1


def test_save_is_refused_while_the_fiche_is_incomplete(employer):
    incomplete = EstablishmentFactory()
    HabilitationFactory(user=employer, establishment=incomplete)
    with pytest.raises(ActionRefusee) as refused:
        demande_save(by=employer, establishment=incomplete, data=valid_data())
    assert refused.value.reason == perms.FICHE_INCOMPLETE
    assert refused.value.reason == (
        "La création d'une demande d'autorisation préalable est impossible tant que votre fiche établissement "
        "n'est pas complète."
    )
    assert not DemandeAutorisation.objects.exists()


def test_save_is_refused_to_a_user_not_habilitated(establishment):
    with pytest.raises(ActionRefusee) as refused:
        demande_save(by=UserFactory(), establishment=establishment, data=valid_data())
    assert refused.value.reason == perms.NON_HABILITE


def test_save_with_an_error_raises_the_messages_and_writes_nothing(employer, establishment):
    with pytest.raises(DemandeInvalide) as invalid:
        demande_save(by=employer, establishment=establishment, data=valid_data(nb_salaries=13))
    assert invalid.value.erreurs == {
        "nb_salaries": "Le nombre de salariés concernés ne peut pas dépasser l'effectif de l'établissement (12) "
        "indiqué sur la fiche établissement."
    }
    assert not DemandeAutorisation.objects.exists()


def test_a_provisoire_dap_is_changed_and_its_own_period_does_not_overlap_it(provisoire, employer):
    changed = demande_save(by=employer, demande=provisoire, data=valid_data(nb_salaries=7))
    assert DemandeAutorisation.objects.get(pk=provisoire.pk).nb_salaries == changed.nb_salaries == 7


def test_a_sent_dap_is_not_changed_by_save(envoyee, employer):
    demande_save(by=employer, demande=envoyee, data=valid_data(nb_salaries=7))
    assert DemandeAutorisation.objects.get(pk=envoyee.pk).nb_salaries == 5


def test_delete_only_a_provisoire_dap(provisoire, employer):
    assert demande_delete(demande=provisoire, by=employer) is True
    assert not DemandeAutorisation.objects.exists()


def test_delete_of_a_sent_dap_does_nothing(envoyee, employer):
    assert demande_delete(demande=envoyee, by=employer) is False
    assert DemandeAutorisation.objects.get(pk=envoyee.pk).statut == Statut.ENVOYEE


# --- Sending ---------------------------------------------------------------------------------------------------


def test_send_gives_an_accuse_de_reception_and_the_implicit_acceptance_date(
    provisoire, employer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = demande_send(demande=provisoire, by=employer)
    sent.refresh_from_db()
    assert sent.statut == Statut.ENVOYEE
    assert re.fullmatch(rf"AR-{today().year}-\d{{6}}", sent.accuse_numero)
    assert sent.sent_by == employer and sent.sent_at is not None
    assert sent.implicit_acceptance_on == today() + datetime.timedelta(days=15)
    assert statuts(sent) == [("", Statut.PROVISOIRE), (Statut.PROVISOIRE, Statut.ENVOYEE)]
    email = OutboxEmail.objects.get(kind="dap_accuse_reception")
    assert email.to == "employeur@example.fr"
    body = delivered_text(email)
    assert f"Accusé de réception n° {sent.accuse_numero}" in body
    assert sent.numero in email.subject
    assert f"au plus tard le {sent.implicit_acceptance_on:%d/%m/%Y}" in body
    assert f"Reçue le : {timezone.localtime(sent.sent_at):%d/%m/%Y à %H:%M}" in body
    assert "Cet e-mail a été généré automatiquement. Merci de ne pas y répondre." in body


def test_send_is_refused_while_the_establishment_is_non_verifie(employer):
    unverified = EstablishmentFactory(complete=True, unverified=True)
    HabilitationFactory(user=employer, establishment=unverified)
    demande = demande_save(by=employer, establishment=unverified, data=valid_data())
    with pytest.raises(ActionRefusee) as refused:
        demande_send(demande=demande, by=employer)
    assert refused.value.reason == perms.NON_VERIFIE
    demande.refresh_from_db()
    assert demande.statut == Statut.PROVISOIRE and demande.accuse_numero == ""
    assert not OutboxEmail.objects.exists()


def test_send_twice_sends_once(envoyee, employer):
    again = demande_send(demande=envoyee, by=employer)
    assert again.accuse_numero == envoyee.accuse_numero
    assert statuts(envoyee).count((Statut.PROVISOIRE, Statut.ENVOYEE)) == 1
    assert OutboxEmail.objects.filter(kind="dap_accuse_reception").count() == 1


def test_send_checks_again(provisoire, employer, establishment):
    establishment.effectif = 3  # the fiche changed since the DAP was saved
    establishment.save()
    with pytest.raises(DemandeInvalide) as invalid:
        demande_send(demande=provisoire, by=employer)
    assert "nb_salaries" in invalid.value.erreurs
    provisoire.refresh_from_db()
    assert provisoire.statut == Statut.PROVISOIRE


def test_two_overlapping_provisoire_daps_cannot_both_be_sent(provisoire, employer, establishment):
    other = demande_save(by=employer, establishment=establishment, data=valid_data(date_debut=days(5)))
    demande_send(demande=provisoire, by=employer)
    with pytest.raises(DemandeInvalide) as invalid:
        demande_send(demande=other, by=employer)
    assert provisoire.numero in invalid.value.erreurs["date_debut"]


# --- Withdrawing ------------------------------------------------------------------------------------------------


def test_withdraw_before_the_decision(envoyee, employer):
    demande_withdraw(demande=envoyee, by=employer)
    envoyee.refresh_from_db()
    assert envoyee.statut == Statut.RETIREE
    assert statuts(envoyee)[-1] == (Statut.ENVOYEE, Statut.RETIREE)


def test_withdraw_after_the_decision_does_nothing(envoyee, employer, ud_agent):
    demande_accept(demande=envoyee, by=ud_agent, heures_autorisees="100", date_debut=days(1), date_fin=days(14))
    demande_withdraw(demande=envoyee, by=employer)
    assert DemandeAutorisation.objects.get(pk=envoyee.pk).statut == Statut.ACCEPTEE


def test_withdraw_by_a_stranger_is_refused(envoyee):
    with pytest.raises(ActionRefusee):
        demande_withdraw(demande=envoyee, by=UserFactory())
    assert DemandeAutorisation.objects.get(pk=envoyee.pk).statut == Statut.ENVOYEE


# --- Decisions --------------------------------------------------------------------------------------------------


def test_accept_issues_the_decision_with_its_code_di_and_emails_it(
    envoyee, ud_agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = demande_accept(
            demande=envoyee, by=ud_agent, heures_autorisees=Decimal("80"), date_debut=days(1), date_fin=days(10)
        )
    envoyee.refresh_from_db()
    assert envoyee.statut == Statut.ACCEPTEE and envoyee.decided_by == ud_agent
    assert decision.demande == envoyee and decision.mode == ModeDecision.EXPRESSE
    assert (decision.heures_autorisees, decision.date_debut, decision.date_fin) == (Decimal("80"), days(1), days(10))
    assert decision.nb_salaries == 5
    assert re.fullmatch(rf"DA-{today().year}-\d{{6}}", decision.numero)
    assert code_di_est_valide(decision.code_di)
    assert statuts(envoyee)[-1] == (Statut.ENVOYEE, Statut.ACCEPTEE)
    emails = OutboxEmail.objects.filter(kind="dap_decision")
    assert sorted(emails.values_list("to", flat=True)) == ["contact@boulangerie.example.fr", "employeur@example.fr"]
    body = delivered_text(emails.first())
    assert f"Code DI : {decision.code_di}" in body
    assert f"N° de Siret : {envoyee.establishment.siret}" in body
    assert f"du {days(1):%d/%m/%Y} au {days(10):%d/%m/%Y}" in body
    assert "Heures autorisées : 80\n" in body and "Salariés autorisés : 5\n" in body
    assert "Cet e-mail a été généré automatiquement" in body


def test_the_contact_who_is_the_requester_gets_one_email(envoyee, ud_agent, establishment):
    establishment.contact_courriel = "EMPLOYEUR@example.fr"
    establishment.save()
    demande_accept(demande=envoyee, by=ud_agent, heures_autorisees="100", date_debut=days(1), date_fin=days(14))
    assert OutboxEmail.objects.filter(kind="dap_decision").count() == 1


def test_decide_twice_issues_one_decision(envoyee, ud_agent):
    demande_accept(demande=envoyee, by=ud_agent, heures_autorisees="100", date_debut=days(1), date_fin=days(14))
    again = demande_accept(demande=envoyee, by=ud_agent, heures_autorisees="50", date_debut=days(1), date_fin=days(14))
    assert again is None
    demande_refuse(demande=envoyee, by=ud_agent, motif="Trop tard")
    envoyee.refresh_from_db()
    assert envoyee.statut == Statut.ACCEPTEE and envoyee.motif_refus == ""
    assert Decision.objects.get().heures_autorisees == Decimal("100")
    assert OutboxEmail.objects.filter(kind="dap_decision").count() == 2  # contact + requester, once


def test_a_withdrawn_dap_cannot_be_decided(envoyee, employer, ud_agent):
    demande_withdraw(demande=envoyee, by=employer)
    assert (
        demande_accept(demande=envoyee, by=ud_agent, heures_autorisees="100", date_debut=days(1), date_fin=days(14))
        is None
    )
    demande_refuse(demande=envoyee, by=ud_agent, motif="Sans objet")
    envoyee.refresh_from_db()
    assert envoyee.statut == Statut.RETIREE
    assert not Decision.objects.exists()


def test_a_provisoire_dap_cannot_be_decided(provisoire, ud_agent):
    assert (
        demande_accept(demande=provisoire, by=ud_agent, heures_autorisees="1", date_debut=days(1), date_fin=days(2))
        is None
    )
    assert DemandeAutorisation.objects.get(pk=provisoire.pk).statut == Statut.PROVISOIRE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"heures_autorisees": "100.01"}, "heures_autorisees"),  # more than asked
        ({"heures_autorisees": "0"}, "heures_autorisees"),
        ({"date_fin": days(15)}, "date_fin"),  # beyond the period asked
        ({"date_debut": days(0)}, "date_fin"),
        ({"nb_salaries": 6}, "nb_salaries"),
    ],
)
def test_accept_at_most_what_was_asked(envoyee, ud_agent, kwargs, field):
    values = {"heures_autorisees": "100", "date_debut": days(1), "date_fin": days(14), **kwargs}
    with pytest.raises(DemandeInvalide) as invalid:
        demande_accept(demande=envoyee, by=ud_agent, **values)
    assert field in invalid.value.erreurs
    assert DemandeAutorisation.objects.get(pk=envoyee.pk).statut == Statut.ENVOYEE


def test_refuse_needs_its_motif(envoyee, ud_agent):
    with pytest.raises(DemandeInvalide) as invalid:
        demande_refuse(demande=envoyee, by=ud_agent, motif="  ")
    assert invalid.value.erreurs == {"motif_refus": "Le motif du refus est obligatoire."}


def test_refuse_records_the_motif_and_emails_it(envoyee, ud_agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demande_refuse(demande=envoyee, by=ud_agent, motif="L'activité n'a pas baissé.")
    envoyee.refresh_from_db()
    assert envoyee.statut == Statut.REFUSEE and envoyee.motif_refus == "L'activité n'a pas baissé."
    assert statuts(envoyee)[-1] == (Statut.ENVOYEE, Statut.REFUSEE)
    assert not Decision.objects.exists()
    email = OutboxEmail.objects.filter(kind="dap_decision").first()
    assert "refusée" in email.subject
    assert "L'activité n'a pas baissé." in delivered_text(email)


# --- Complément -------------------------------------------------------------------------------------------------


def test_a_complement_stops_the_15_days_which_restart_from_the_answer(envoyee, employer, ud_agent):
    import time_machine

    demande_request_complement(demande=envoyee, by=ud_agent, message="Joignez l'avis du CSE.")
    envoyee.refresh_from_db()
    assert envoyee.statut == Statut.COMPLEMENT and envoyee.implicit_acceptance_on is None
    complement_emails = OutboxEmail.objects.filter(kind="dap_complement_demande")
    assert sorted(complement_emails.values_list("to", flat=True)) == [
        "contact@boulangerie.example.fr",
        "employeur@example.fr",
    ]
    assert "Joignez l'avis du CSE." in delivered_text(complement_emails.first())
    # No implicit acceptance while the employer has not answered.
    assert demandes_apply_deadlines(today=days(40)) == []
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10)):
        demande_answer_complement(demande=envoyee, by=employer, reponse="Avis du CSE joint.")
    envoyee.refresh_from_db()
    assert envoyee.statut == Statut.ENVOYEE
    assert envoyee.implicit_acceptance_on == days(10 + 15)
    assert [h.comment for h in envoyee.historique.all()][-2:] == ["Joignez l'avis du CSE.", "Avis du CSE joint."]


def test_an_answer_without_a_complement_asked_does_nothing(envoyee, employer):
    demande_answer_complement(demande=envoyee, by=employer, reponse="Rien")
    assert DemandeAutorisation.objects.get(pk=envoyee.pk).implicit_acceptance_on == days(15)


# --- The CSE's opinion, later for motifs 3 and 5 -------------------------------------------------------------------


def test_the_cse_date_may_follow_a_sinistre_dap(employer, establishment):
    from dap.enums import Motif
    from dap.services import demande_cse_transmit

    establishment.effectif = 12
    establishment.save()
    demande = demande_save(by=employer, establishment=establishment, data=valid_data(motif=Motif.SINISTRE))
    demande_send(demande=demande, by=employer)
    demande_cse_transmit(demande=demande, by=employer, date_consultation_cse=days(0))
    demande.refresh_from_db()
    assert demande.date_consultation_cse == days(0) and demande.statut == Statut.ENVOYEE
    assert demande.historique.last().comment == f"Date de consultation du CSE transmise : {days(0):%d/%m/%Y}"
    with pytest.raises(DemandeInvalide) as invalid:
        demande_cse_transmit(demande=demande, by=employer, date_consultation_cse=days(-1))
    assert invalid.value.erreurs == {
        "date_consultation_cse": "La date de consultation du CSE de cette demande est déjà renseignée."
    }
