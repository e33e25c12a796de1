# ruff: noqa: F811 (the fixtures of tests/habilitations/contrats_helpers.py, imported, are named as arguments)
"""The contrat de prestation: declared by the firm's user, validated or refused by the ASP, ended by either side; who
is the establishment's personne à contacter at each step, and who is told."""

import pytest
from django.db import IntegrityError, transaction

from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.contrat_services import (
    DEJA_ACTIF,
    ContratInvalide,
    ContratRefuse,
    contrat_declare,
    contrat_end,
    contrat_refuse,
    contrat_validate,
)
from habilitations.contrats import ContratPrestation
from habilitations.enums import ContratStatut
from habilitations.models import Establishment, Habilitation
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory, make_siret
from tests.habilitations.contrats_helpers import (  # noqa: F401 (fixtures)
    ANCIEN_CONTACT,
    _media,
    declared,
    employer,
    establishment,
    expert,
    pdf_upload,
    siret_cabinet,
)

pytestmark = pytest.mark.django_db


def contact(establishment) -> dict:
    establishment = Establishment.objects.get(pk=establishment.pk)
    return {name: getattr(establishment, name) for name in ANCIEN_CONTACT}


def emails(kind: str) -> list[str]:
    return sorted(OutboxEmail.objects.filter(kind=kind).values_list("to", flat=True))


def journal(contrat) -> list[str]:
    return list(StaffAction.objects.about(contrat).order_by("id").values_list("action", flat=True))


CLAIRE = {
    "contact_nom": "Expert",
    "contact_prenom": "Claire",
    "contact_telephone": "06 11 22 33 44",
    "contact_courriel": "claire@cabinet.example.fr",
}


# --- Declaration -----------------------------------------------------------------------------------------------------


def test_a_declared_contract_waits_for_validation_and_changes_no_contact(declared, establishment, siret_cabinet):
    assert declared.statut == ContratStatut.EN_ATTENTE
    assert declared.siret_cabinet == siret_cabinet and declared.nom_cabinet == "CABINET COMPTA"
    assert declared.fichier_nom == "contrat signé.pdf" and declared.fichier.read().startswith(b"%PDF-")
    assert declared.fichier.name.startswith(f"contrats/{establishment.siret}/")
    assert contact(establishment) == ANCIEN_CONTACT
    assert journal(declared) == [StaffActionKind.CONTRAT_DECLARE]


def test_only_a_user_habilitated_on_the_establishment_declares(establishment, siret_cabinet):
    stranger = UserFactory()
    HabilitationFactory(user=stranger)  # habilitated elsewhere
    with pytest.raises(ContratRefuse):
        contrat_declare(
            by=stranger, establishment=establishment, siret_cabinet=siret_cabinet, nom_cabinet="X", fichier=pdf_upload()
        )
    assert not ContratPrestation.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"siret_cabinet": "12345678901234"}, "siret_cabinet", "Le numéro de Siret n'est pas valide (clé de contrôle"),
        ({"siret_cabinet": "1234"}, "siret_cabinet", "Le numéro de Siret doit comporter 14 chiffres."),
        ({"nom_cabinet": "  "}, "nom_cabinet", "Ce champ est obligatoire."),
        ({"fichier": pdf_upload("contrat.pdf", b"\x89PNG\r\n\x1a\n....")}, "fichier", "n'est pas un PDF"),
        ({"fichier": pdf_upload("gros.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))}, "fichier", "dépasse 5 Mo"),
        ({"fichier": pdf_upload("vide.pdf", b"")}, "fichier", "est vide"),
    ],
)
def test_a_bad_declaration_is_refused_with_the_field_and_why(expert, establishment, changes, field, message):
    values = {"siret_cabinet": make_siret(), "nom_cabinet": "CABINET COMPTA", "fichier": pdf_upload(), **changes}
    with pytest.raises(ContratInvalide) as refused:
        contrat_declare(by=expert, establishment=establishment, **values)
    assert message in refused.value.erreurs[field]
    assert not ContratPrestation.objects.exists()


def test_one_active_contract_per_establishment_then_a_new_one_after_a_refusal(declared, expert, establishment, agent):
    with pytest.raises(ContratInvalide) as refused:
        contrat_declare(
            by=expert, establishment=establishment, siret_cabinet=make_siret(), nom_cabinet="B", fichier=pdf_upload()
        )
    assert refused.value.erreurs == {"establishment": DEJA_ACTIF}

    contrat_refuse(contrat=declared, by=agent, motif="Contrat non signé par l'employeur.")
    again = contrat_declare(
        by=expert, establishment=establishment, siret_cabinet=make_siret(), nom_cabinet="B", fichier=pdf_upload()
    )
    assert again.statut == ContratStatut.EN_ATTENTE


def test_the_database_holds_one_active_contract_and_a_motif_for_each_refusal(declared):
    fields = {
        "establishment": declared.establishment,
        "siret_cabinet": declared.siret_cabinet,
        "nom_cabinet": "B",
        "declared_by": declared.declared_by,
        "fichier": declared.fichier.name,
        "fichier_nom": "b.pdf",
        "fichier_taille": 10,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ContratPrestation.objects.create(**fields, statut=ContratStatut.VALIDE, contact_precedent={})
    with pytest.raises(IntegrityError), transaction.atomic():
        ContratPrestation.objects.filter(pk=declared.pk).update(statut=ContratStatut.REFUSE, motif_refus="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContratPrestation.objects.create(**{**fields, "fichier_taille": 6 * 1024 * 1024}, statut=ContratStatut.TERMINE)


# --- Validation and refusal ------------------------------------------------------------------------------------------


def test_validation_makes_the_firms_user_the_contact_and_tells_the_previous_one(declared, establishment, agent):
    contrat = contrat_validate(contrat=declared, by=agent)

    assert contrat.statut == ContratStatut.VALIDE and contrat.processed_by == agent
    assert contact(establishment) == CLAIRE
    assert contrat.contact_precedent == ANCIEN_CONTACT and contrat.contact_designe == CLAIRE
    assert Establishment.objects.get(pk=establishment.pk).fiche_complete
    assert emails("contrat_prestation_valide") == ["claire@cabinet.example.fr"]
    assert emails("contrat_prestation_contact_remplace") == ["sophie.martin@boulangerie.example.fr"]
    told = OutboxEmail.objects.get(kind="contrat_prestation_contact_remplace").body_text
    assert "Claire Expert (CABINET COMPTA) la remplace" in told and establishment.siret in told
    row = StaffAction.objects.about(contrat).get(action=StaffActionKind.CONTRAT_VALIDATE)
    assert (
        row.actor == agent and row.siret == establishment.siret and row.details["contact_precedent"] == ANCIEN_CONTACT
    )


def test_validating_twice_or_refusing_a_validated_contract_changes_nothing(declared, agent):
    contrat_validate(contrat=declared, by=agent)
    sent = OutboxEmail.objects.count()

    assert contrat_validate(contrat=declared, by=agent).statut == ContratStatut.VALIDE
    assert contrat_refuse(contrat=declared, by=agent, motif="Trop tard").statut == ContratStatut.VALIDE
    assert OutboxEmail.objects.count() == sent
    assert journal(declared).count(StaffActionKind.CONTRAT_VALIDATE) == 1


def test_a_declarant_no_longer_habilitated_cannot_become_the_contact(declared, expert, establishment, agent):
    Habilitation.objects.filter(user=expert).delete()
    with pytest.raises(ContratRefuse):
        contrat_validate(contrat=declared, by=agent)
    assert ContratPrestation.objects.get(pk=declared.pk).statut == ContratStatut.EN_ATTENTE
    assert contact(establishment) == ANCIEN_CONTACT


def test_a_refusal_needs_a_motif_and_sends_it_to_the_firm(declared, establishment, agent):
    with pytest.raises(ContratInvalide) as refused:
        contrat_refuse(contrat=declared, by=agent, motif="   ")
    assert refused.value.erreurs == {"motif": "Indiquez le motif du refus : il est envoyé au cabinet."}

    contrat = contrat_refuse(contrat=declared, by=agent, motif="Contrat non signé par l'employeur.")

    assert contrat.statut == ContratStatut.REFUSE and contrat.motif_refus == "Contrat non signé par l'employeur."
    assert contact(establishment) == ANCIEN_CONTACT
    email = OutboxEmail.objects.get(kind="contrat_prestation_refuse")
    assert email.to == "claire@cabinet.example.fr" and "Motif du refus : Contrat non signé" in email.body_text
    assert journal(contrat) == [StaffActionKind.CONTRAT_DECLARE, StaffActionKind.CONTRAT_REFUSE]
    assert contrat_validate(contrat=contrat, by=agent).statut == ContratStatut.REFUSE


# --- The notifications then go to the firm's user ----------------------------------------------------------------


def test_once_validated_the_dap_decision_goes_to_the_firms_user(declared, employer, establishment, agent):
    from dap.services import demande_accept, demande_save, demande_send
    from tests.dap.conftest import days, valid_data

    contrat_validate(contrat=declared, by=agent)
    demande = demande_send(
        demande=demande_save(by=employer, establishment=establishment, data=valid_data()), by=employer
    )
    demande_accept(demande=demande, by=UserFactory(), heures_autorisees="80", date_debut=days(1), date_fin=days(10))

    assert emails("dap_decision") == ["claire@cabinet.example.fr", "employeur@boulangerie.example.fr"]


def test_once_validated_the_di_status_goes_to_the_firms_user(agent):
    from indemnisation import services as di
    from tests.indemnisation.helpers import make_decision, make_di, make_employer

    establishment, user = make_employer()
    expert = UserFactory(courriel="claire@cabinet.example.fr")
    HabilitationFactory(user=expert, establishment=establishment)
    contrat = contrat_declare(
        by=expert, establishment=establishment, siret_cabinet=make_siret(), nom_cabinet="C", fichier=pdf_upload()
    )
    contrat_validate(contrat=contrat, by=agent)
    decision = make_decision(establishment, user)

    di.demande_validate(demande=make_di(decision, user, send=True), by=UserFactory())

    recipients = set(OutboxEmail.objects.filter(kind="di_statut").values_list("to", flat=True))
    assert "claire@cabinet.example.fr" in recipients and "contact@entreprise.example.fr" not in recipients


# --- The end -----------------------------------------------------------------------------------------------------


def test_the_firm_ends_the_contract_and_the_previous_contact_is_restored(declared, expert, establishment, agent):
    contrat_validate(contrat=declared, by=agent)

    result = contrat_end(contrat=declared, by=expert)

    assert result.ended and result.contact_restored is True
    contrat = ContratPrestation.objects.get(pk=declared.pk)
    assert contrat.statut == ContratStatut.TERMINE and contrat.ended_by == expert and contrat.contact_restaure
    assert contact(establishment) == ANCIEN_CONTACT
    assert emails("contrat_prestation_termine") == ["claire@cabinet.example.fr", "sophie.martin@boulangerie.example.fr"]
    body = OutboxEmail.objects.filter(kind="contrat_prestation_termine").first().body_text
    assert (
        "à la demande du cabinet" in body
        and "Sophie Martin (sophie.martin@boulangerie.example.fr) le redevient" in body
    )
    assert journal(contrat)[-1] == StaffActionKind.CONTRAT_END
    assert contrat_end(contrat=contrat, by=expert).ended is False  # guarded


def test_the_employer_ends_it_and_is_told_too(declared, employer, establishment, agent):
    contrat_validate(contrat=declared, by=agent)

    contrat_end(contrat=declared, by=employer)

    assert contact(establishment) == ANCIEN_CONTACT
    assert emails("contrat_prestation_termine") == [
        "claire@cabinet.example.fr",
        "employeur@boulangerie.example.fr",
        "sophie.martin@boulangerie.example.fr",
    ]


def test_staff_with_the_right_end_it_and_a_stranger_cannot(declared, agent):
    stranger = UserFactory()
    HabilitationFactory(user=stranger, establishment=EstablishmentFactory())
    with pytest.raises(ContratRefuse):
        contrat_end(contrat=declared, by=stranger)
    with pytest.raises(ContratRefuse):
        contrat_end(contrat=declared, by=UserFactory(is_staff=True))  # staff without the right

    assert contrat_end(contrat=declared, by=agent).ended


def test_a_contact_changed_since_the_validation_is_left_as_it_is(declared, expert, establishment, agent):
    from habilitations.services import establishment_fiche_update

    contrat_validate(contrat=declared, by=agent)
    establishment_fiche_update(
        establishment=establishment, fields={"contact_courriel": "nouveau@boulangerie.example.fr"}, author=expert
    )

    result = contrat_end(contrat=declared, by=expert)

    assert result.ended and result.contact_restored is False
    assert contact(establishment)["contact_courriel"] == "nouveau@boulangerie.example.fr"
    assert ContratPrestation.objects.get(pk=declared.pk).contact_restaure is False
    body = OutboxEmail.objects.filter(kind="contrat_prestation_termine").first().body_text
    assert "a été modifiée depuis la validation du contrat : elle est laissée telle quelle" in body


def test_a_pending_contract_ended_changes_no_contact(declared, expert, establishment):
    result = contrat_end(contrat=declared, by=expert)

    assert result.ended and result.contact_restored is None
    assert contact(establishment) == ANCIEN_CONTACT
    assert emails("contrat_prestation_termine") == ["claire@cabinet.example.fr"]
