"""The payments in the admin: the list, the read-only detail with its DIs, the SEPA file's download, the
« Lancer un paiement » button and the « Marquer comme exécuté » action, each behind its right."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import AGENT_ASP, STAFF_ROLES, SUPERVISEUR_ASP
from accounts.services import staff_roles_sync
from audit.enums import StaffActionKind
from audit.models import StaffAction
from bareme.engine import format_euros
from indemnisation.enums import Statut, StatutPaiement
from indemnisation.models import DemandeIndemnisation, Paiement
from indemnisation.paiements import paiement_run
from tests.factories import UserFactory, two_factor_login
from tests.indemnisation.paiement_helpers import make_validees, read_file

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:indemnisation_paiement_changelist"
RUN = "admin:indemnisation_paiement_run"


def download_url(paiement):
    return reverse("admin:indemnisation_paiement_fichier", args=[paiement.pk])


def role_client(client, role: str | None, identifiant: str):
    staff_roles_sync()
    user = UserFactory(is_staff=True, identifiant=identifiant)
    if role:
        user.groups.add(Group.objects.get(name=role))
    two_factor_login(client, user)
    return client


def test_the_list_shows_the_payments(staff_client):
    make_validees(2)
    paiement = paiement_run()

    page = staff_client.get(reverse(CHANGELIST)).content.decode()

    assert paiement.numero in page
    assert format_euros(paiement.montant_total) in page
    assert "Fichier préparé" in page
    assert "Lancer un paiement" in page


def test_the_detail_lists_its_dis_and_links_the_file(staff_client):
    demandes = make_validees(2)
    paiement = paiement_run()

    page = staff_client.get(reverse("admin:indemnisation_paiement_change", args=[paiement.pk])).content.decode()

    assert "Télécharger le fichier SEPA" in page
    assert download_url(paiement) in page
    for demande in demandes:
        assert demande.numero in page
    assert 'name="_save"' not in page  # read-only


def test_the_file_is_downloaded_as_an_attachment(staff_client):
    make_validees(2)
    paiement = paiement_run()

    response = staff_client.get(download_url(paiement))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{paiement.numero}.xml"'
    assert read_file(response.content.decode())["nb_of_txs"] == 2


def test_the_run_button_prepares_a_payment(staff_client, agent):
    demandes = make_validees(3)

    response = staff_client.post(reverse(RUN), follow=True)

    paiement = Paiement.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:indemnisation_paiement_change", args=[paiement.pk])
    page = response.content.decode()
    total = sum(demande.total_allocation for demande in demandes)
    assert f"3 demandes mises en paiement, total {format_euros(total)}" in page
    assert paiement.created_by == agent
    audit = StaffAction.objects.get(action=StaffActionKind.PAIEMENT_RUN)
    assert audit.actor == agent


def test_the_run_button_with_nothing_to_pay(staff_client):
    response = staff_client.post(reverse(RUN), follow=True)

    assert "Aucune demande validée à payer." in response.content.decode()
    assert not Paiement.objects.exists()


def test_the_run_is_a_post(staff_client):
    make_validees(1)

    assert staff_client.get(reverse(RUN)).status_code == 405
    assert not Paiement.objects.exists()


def test_mark_executed_pays_the_dis(staff_client, agent):
    make_validees(2)
    paiement = paiement_run()

    response = staff_client.post(
        reverse(CHANGELIST), {"action": "mark_executed", "_selected_action": [paiement.pk]}, follow=True
    )

    assert "1 paiement(s) marqué(s) comme exécuté(s)" in response.content.decode()
    paiement.refresh_from_db()
    assert (paiement.statut, paiement.executed_by) == (StatutPaiement.EXECUTE, agent)
    assert DemandeIndemnisation.objects.filter(statut=Statut.PAYEE, paid_at__isnull=False).count() == 2


def test_the_supervisor_runs_executes_and_downloads(client):
    assert {"indemnisation.view_paiement", "indemnisation.add_paiement", "indemnisation.change_paiement"} <= set(
        STAFF_ROLES[SUPERVISEUR_ASP]
    )
    make_validees(1)
    client = role_client(client, SUPERVISEUR_ASP, "superviseur.asp")

    assert "Lancer un paiement" in client.get(reverse(CHANGELIST)).content.decode()
    client.post(reverse(RUN))
    paiement = Paiement.objects.get()
    assert client.get(download_url(paiement)).status_code == 200
    client.post(reverse(CHANGELIST), {"action": "mark_executed", "_selected_action": [paiement.pk]})
    paiement.refresh_from_db()
    assert paiement.statut == StatutPaiement.EXECUTE


def test_an_agent_asp_sees_no_payment_nor_its_file(client):
    """The file holds every employer's IBAN: an agent (no bank details right) neither reads nor runs it."""
    make_validees(1)
    paiement = paiement_run()
    client = role_client(client, AGENT_ASP, "agent.simple")

    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(download_url(paiement)).status_code == 403
    assert client.post(reverse(RUN)).status_code == 403
    assert Paiement.objects.count() == 1


def test_a_reader_downloads_but_cannot_run_nor_execute(client):
    from django.contrib.auth.models import Permission

    make_validees(1, start=0)
    paiement = paiement_run()
    make_validees(1, start=1)
    reader = UserFactory(is_staff=True, identifiant="lecteur.paiements")
    reader.user_permissions.add(Permission.objects.get(codename="view_paiement"))
    two_factor_login(client, reader)

    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "Lancer un paiement" not in page
    assert client.get(download_url(paiement)).status_code == 200
    assert client.post(reverse(RUN)).status_code == 403
    client.post(reverse(CHANGELIST), {"action": "mark_executed", "_selected_action": [paiement.pk]})
    paiement.refresh_from_db()
    assert paiement.statut == StatutPaiement.PREPARE
    assert Paiement.objects.count() == 1
