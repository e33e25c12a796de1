# ruff: noqa: F811 (the fixtures of tests/habilitations/contrats_helpers.py, imported, are named as arguments)
"""The contrats de prestation in the admin: « Valider le contrat », « Refuser le contrat » (a motif on an intermediate
page), « Mettre fin au contrat », each through its service and its right; the signed PDF for staff who may read."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import AGENT_ASP, SUPERVISEUR_ASP
from accounts.services import staff_roles_sync
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.contrat_services import contrat_validate
from habilitations.contrats import ContratPrestation
from habilitations.enums import ContratStatut
from habilitations.models import Establishment
from tests.factories import UserFactory, two_factor_login
from tests.habilitations.contrats_helpers import (  # noqa: F401 (fixtures)
    ANCIEN_CONTACT,
    _media,
    declared,
    establishment,
    expert,
    siret_cabinet,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:habilitations_contratprestation_changelist")


def run(client, action, contrat, **data):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [contrat.pk], **data}, follow=True)


def statut(contrat) -> str:
    return ContratPrestation.objects.get(pk=contrat.pk).statut


def member_of(role):
    staff_roles_sync()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_validate_asks_for_a_confirmation_then_makes_the_firm_the_contact(staff_client, declared, establishment):
    page = run(staff_client, "validate_selected", declared)
    assert (
        "Valider des contrats de prestation" in page.content.decode() and statut(declared) == ContratStatut.EN_ATTENTE
    )

    page = run(staff_client, "validate_selected", declared, apply="1")

    assert statut(declared) == ContratStatut.VALIDE
    assert Establishment.objects.get(pk=establishment.pk).contact_courriel == "claire@cabinet.example.fr"
    assert "1 contrat(s) validé(s)" in page.content.decode()
    assert StaffAction.objects.about(declared).filter(action=StaffActionKind.CONTRAT_VALIDATE).count() == 1


def test_refuse_asks_for_a_motif_and_refuses_nothing_without_one(staff_client, declared):
    page = run(staff_client, "refuse_selected", declared, apply="1", motif="")

    assert "Indiquez le motif du refus : il est envoyé au cabinet." in page.content.decode()
    assert statut(declared) == ContratStatut.EN_ATTENTE

    run(staff_client, "refuse_selected", declared, apply="1", motif="Contrat non signé.")

    contrat = ContratPrestation.objects.get(pk=declared.pk)
    assert contrat.statut == ContratStatut.REFUSE and contrat.motif_refus == "Contrat non signé."


def test_end_restores_the_previous_contact(staff_client, agent, declared, establishment):
    contrat_validate(contrat=declared, by=agent)

    page = run(staff_client, "end_selected", declared)
    assert "Mettre fin à des contrats de prestation" in page.content.decode()
    run(staff_client, "end_selected", declared, apply="1")

    assert statut(declared) == ContratStatut.TERMINE
    assert Establishment.objects.get(pk=establishment.pk).contact_courriel == ANCIEN_CONTACT["contact_courriel"]


def test_the_change_page_links_the_signed_pdf_which_staff_who_may_read_download(client, declared):
    two_factor_login(client, member_of(AGENT_ASP))
    url = reverse("admin:habilitations_contratprestation_fichier", args=[declared.pk])

    assert (
        url in client.get(reverse("admin:habilitations_contratprestation_change", args=[declared.pk])).content.decode()
    )
    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_staff_without_the_right_to_read_cannot_download_it(client, declared):
    two_factor_login(client, UserFactory(is_staff=True))

    response = client.get(reverse("admin:habilitations_contratprestation_fichier", args=[declared.pk]))

    assert response.status_code == 403


def test_an_agent_reads_but_is_offered_no_action_and_a_supervisor_all_three(client, declared):
    two_factor_login(client, member_of(AGENT_ASP))
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and declared.nom_cabinet in page.content.decode()
    run(client, "validate_selected", declared, apply="1")
    run(client, "end_selected", declared, apply="1")
    assert statut(declared) == ContratStatut.EN_ATTENTE

    two_factor_login(client, member_of(SUPERVISEUR_ASP))
    html = client.get(CHANGELIST).content.decode()
    for label in ("Valider le contrat", "Refuser le contrat", "Mettre fin au contrat"):
        assert label in html
    run(client, "validate_selected", declared, apply="1")
    assert statut(declared) == ContratStatut.VALIDE
