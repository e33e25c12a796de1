"""A DAP's page for the agent: its content, Accorder, Refuser, Demander un complément through the dap services
(guarded, journaled), the pièces jointes through the application, 404 outside the agent's départements."""

from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from dap.enums import Statut
from dap.models import Decision, DemandeHistorique, PieceJointe
from dap.services import demande_withdraw
from tests.factories import two_factor_login

from .conftest import days, envoyee, login_agent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def demande(paris, employer):
    return envoyee(paris, employer, numero="DAP-2026-000042", deadline_in=5)


def url(name, demande):
    return reverse(f"instruction:{name}", args=[demande.numero])


def accord(demande, **overrides):
    return {
        "heures_autorisees": "80",
        "nb_salaries": "5",
        "date_debut": demande.date_debut.isoformat(),
        "date_fin": demande.date_fin.strftime("%d/%m/%Y"),
        **overrides,
    }


def test_the_page_shows_the_whole_dap_with_the_iban_masked(client, agent_user, demande):
    html = client.get(url("demande", demande)).content.decode()

    assert "DAP-2026-000042" in html and "BOULANGERIE DU CANAL" in html and demande.establishment.siret in html
    assert "La conjoncture économique" in html and "Baisse brutale des commandes" in html
    assert "5 jours restants" in html and "ACCORDER" in html and "REFUSER" in html
    assert "Demander un complément" in html and "Historique" in html
    assert "0189" in html and "FR7630006000011234567890189" not in html and "3000600001" not in html


def test_a_dap_of_another_departement_answers_404(client, agent_user, lyon, employer):
    ailleurs = envoyee(lyon, employer, numero="DAP-69")

    assert client.get(url("demande", ailleurs)).status_code == 404
    assert client.post(url("accorder", ailleurs), accord(ailleurs)).status_code == 404
    assert client.post(url("refuser", ailleurs), {"motif_refus": "Non"}).status_code == 404
    ailleurs.refresh_from_db()
    assert ailleurs.statut == Statut.ENVOYEE


def test_a_provisoire_dap_answers_404(client, agent_user, paris, employer):
    provisoire = envoyee(paris, employer, statut=Statut.PROVISOIRE, numero="DAP-P")

    assert client.get(url("demande", provisoire)).status_code == 404


def test_accorder_fewer_hours_issues_the_decision_and_journals_it(client, agent_user, demande):
    response = client.post(url("accorder", demande), accord(demande))

    assert response.status_code == 302
    demande.refresh_from_db()
    assert demande.statut == Statut.ACCEPTEE and demande.decided_by == agent_user
    decision = Decision.objects.get(demande=demande)
    assert decision.heures_autorisees == Decimal("80.00") and decision.issued_by == agent_user
    action = StaffAction.objects.about(demande).get()
    assert action.action == StaffActionKind.DAP_ACCEPT and action.actor == agent_user
    assert action.siret == demande.establishment.siret
    assert "Demande accordée" in client.get(response.url).content.decode()


def test_accorder_more_hours_than_asked_is_refused_next_to_the_field_with_the_typing_kept(client, agent_user, demande):
    response = client.post(url("accorder", demande), accord(demande, heures_autorisees="150"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Les heures autorisées doivent être supérieures à 0 et au plus les heures demandées (100,00 h)." in html
    assert 'value="150"' in html
    demande.refresh_from_db()
    assert demande.statut == Statut.ENVOYEE and not Decision.objects.exists()
    assert not StaffAction.objects.filter(action__startswith="dap_").exists()


def test_accorder_a_period_outside_the_asked_one_is_refused(client, agent_user, demande):
    response = client.post(url("accorder", demande), accord(demande, date_fin=days(60).isoformat()))

    assert response.status_code == 200
    assert "La période autorisée doit être comprise dans la période demandée" in response.content.decode()
    assert not Decision.objects.exists()


def test_refuser_requires_its_motif(client, agent_user, demande):
    response = client.post(url("refuser", demande), {"motif_refus": "  "})

    assert response.status_code == 200
    assert "Le motif du refus est obligatoire." in response.content.decode()
    demande.refresh_from_db()
    assert demande.statut == Statut.ENVOYEE


def test_refuser_with_a_motif(client, agent_user, demande):
    response = client.post(url("refuser", demande), {"motif_refus": "Activité non affectée par la conjoncture."})

    assert response.status_code == 302
    demande.refresh_from_db()
    assert demande.statut == Statut.REFUSEE and demande.motif_refus == "Activité non affectée par la conjoncture."
    assert StaffAction.objects.about(demande).get().action == StaffActionKind.DAP_REFUSE
    assert OutboxEmail.objects.filter(kind="dap_decision").exists()


def test_demander_un_complement_stops_the_deadline_and_writes_to_the_employer(client, agent_user, demande):
    response = client.post(url("complement", demande), {"message": "Joignez l'avis du CSE."})

    assert response.status_code == 302
    demande.refresh_from_db()
    assert demande.statut == Statut.COMPLEMENT and demande.implicit_acceptance_on is None
    assert OutboxEmail.objects.filter(kind="dap_complement_demande").exists()
    assert StaffAction.objects.about(demande).get().action == StaffActionKind.DAP_COMPLEMENT
    assert DemandeHistorique.objects.filter(demande=demande, comment="Joignez l'avis du CSE.").exists()


def test_demander_un_complement_requires_the_message(client, agent_user, demande):
    response = client.post(url("complement", demande), {"message": ""})

    assert response.status_code == 200
    assert "Le message à l'employeur est obligatoire." in unescape(response.content.decode())


def test_deciding_twice_changes_nothing_and_says_so(client, agent_user, demande):
    client.post(url("refuser", demande), {"motif_refus": "Premier refus."})

    response = client.post(url("accorder", demande), accord(demande), follow=True)

    assert "Cette demande a déjà été décidée (Refusée) : rien n&#x27;a été modifié." in response.content.decode()
    demande.refresh_from_db()
    assert demande.statut == Statut.REFUSEE and demande.motif_refus == "Premier refus."
    assert not Decision.objects.exists()
    second = client.post(url("refuser", demande), {"motif_refus": "Second refus."}, follow=True)
    assert "déjà été décidée" in second.content.decode()
    demande.refresh_from_db()
    assert demande.motif_refus == "Premier refus."
    assert StaffAction.objects.filter(action__startswith="dap_").count() == 1


def test_deciding_a_withdrawn_dap_changes_nothing_and_says_so(client, agent_user, demande, employer):
    demande_withdraw(demande=demande, by=employer)

    response = client.post(url("accorder", demande), accord(demande), follow=True)

    assert "Cette demande a été retirée par l&#x27;employeur" in response.content.decode()
    demande.refresh_from_db()
    assert demande.statut == Statut.RETIREE and not Decision.objects.exists()
    client.post(url("refuser", demande), {"motif_refus": "Trop tard."})
    demande.refresh_from_db()
    assert demande.statut == Statut.RETIREE and demande.motif_refus == ""


def test_the_decisions_need_the_csrf_token(agent_user, demande):
    client = Client(enforce_csrf_checks=True)
    two_factor_login(client, agent_user)

    assert client.post(url("refuser", demande), {"motif_refus": "Non."}).status_code == 403
    demande.refresh_from_db()
    assert demande.statut == Statut.ENVOYEE


def test_the_page_is_not_kept_by_the_browser(client, agent_user, demande):
    assert "no-store" in client.get(url("demande", demande))["Cache-Control"]


def _piece(demande, employer):
    piece = PieceJointe(demande=demande, nom="avis-cse.pdf", content_type="application/pdf", taille=len(PDF))
    piece.uploaded_by = employer
    piece.fichier.save("document", SimpleUploadedFile("avis-cse.pdf", PDF), save=False)
    piece.save()
    return piece


def test_the_agent_downloads_a_piece_jointe_through_the_application(client, agent_user, demande, employer):
    piece = _piece(demande, employer)
    page = client.get(url("demande", demande)).content.decode()
    link = reverse("instruction:piece_jointe", args=[demande.numero, piece.pk])
    assert link in page and "/media/" not in page

    response = client.get(link)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="avis-cse.pdf"'
    assert "no-store" in response["Cache-Control"]


def test_an_employer_or_an_agent_of_another_departement_cannot_download_it(demande, employer):
    piece = _piece(demande, employer)
    link = reverse("instruction:piece_jointe", args=[demande.numero, piece.pk])
    employer_client = Client()
    two_factor_login(employer_client, employer)
    lyon_client = Client()
    login_agent(lyon_client, identifiant="agent.ud69", departements=("69",))

    assert employer_client.get(link).status_code == 404
    assert lyon_client.get(link).status_code == 404
    assert Client().get(link).status_code == 302  # to the login page
