"""A DI's page for the agent: its content, its flagged control lines, its employees and history; Valider and
Invalider (motif) through the indemnisation services (guarded, journaled, e-mailed); 404 outside the agent's
départements."""

from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from apart.outbox.models import OutboxEmail
from indemnisation import services
from indemnisation.enums import Statut
from indemnisation.models import DemandeIndemnisationHistorique
from tests.factories import two_factor_login
from tests.indemnisation.helpers import make_decision, make_di, make_employer, make_nir, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def employer(db):
    return make_employer(denomination="BOULANGERIE DU CANAL")


def sent_di(employer, *, departement="75", rows=None, **decision_fields):
    establishment, user = employer
    decision = make_decision(establishment, user, departement=departement, **decision_fields)
    return make_di(decision, user, rows=rows or [row(0, nom="DUPONT", prenom="Jeanne")], send=True)


@pytest.fixture
def demande(employer):
    return sent_di(employer)


def url(name, demande):
    return reverse(f"instruction:{name}", args=[demande.numero])


def history(demande) -> list[str]:
    return list(DemandeIndemnisationHistorique.objects.filter(demande=demande).values_list("to_statut", flat=True))


def test_the_page_shows_the_di_its_decision_its_employees_and_its_history(client, agent_user, demande):
    response = client.get(url("di", demande))

    assert response.status_code == 200
    html = unescape(response.content.decode())
    decision = demande.decision
    assert demande.numero in html and "BOULANGERIE DU CANAL" in html and demande.establishment.siret in html
    assert f"n° {decision.numero}" in html and "h autorisées" in html
    assert decision.demande.numero in html and "h chômées prévisionnelles" in html
    assert "DUPONT" in html and "Jeanne" in html and make_nir(0) in html
    assert "Allocation demandée" in html and "Taux horaire" in html and "Indemnité versée au salarié" in html
    assert demande.bareme_mention and demande.bareme_mention in html
    assert "Historique" in html and "Provisoire" in html and "Envoyée" in html
    assert "Aucun contrôle signalé à l'envoi." in html
    assert "Motif de l'invalidation" in html and 'type="submit">Valider</button>' in html


def test_the_flagged_control_lines_are_shown_with_their_labels_and_details(client, agent_user, employer):
    flagged = sent_di(employer, rows=[row(0), row(1)], heures=Decimal("60"), nb_salaries=1)

    html = unescape(client.get(url("di", flagged)).content.decode())

    assert "2 à vérifier" in html
    assert "Heures au-delà de la prévision du mois" in html and "Plus de salariés que le nombre autorisé" in html
    assert "2 salariés pour 1 autorisés." in html


def test_a_di_of_another_departement_answers_404_and_is_not_changed(client, agent_user, employer):
    ailleurs = sent_di(employer, departement="69")

    assert client.get(url("di", ailleurs)).status_code == 404
    assert client.post(url("di_valider", ailleurs)).status_code == 404
    assert client.post(url("di_invalider", ailleurs), {"motif": "Non"}).status_code == 404
    ailleurs.refresh_from_db()
    assert ailleurs.statut == Statut.ENVOYEE


def test_a_provisoire_di_answers_404(client, agent_user, employer):
    establishment, user = employer
    provisoire = make_di(make_decision(establishment, user), user)

    assert client.get(url("di", provisoire)).status_code == 404


def test_valider_validates_journals_and_emails_the_contact(client, agent_user, demande):
    OutboxEmail.objects.all().delete()

    response = client.post(url("di_valider", demande), follow=True)

    demande.refresh_from_db()
    assert demande.statut == Statut.VALIDEE
    assert demande.decided_by == agent_user and demande.decided_at is not None
    assert history(demande)[-1] == Statut.VALIDEE
    assert OutboxEmail.objects.filter(kind="di_statut", to="contact@entreprise.example.fr").count() == 1
    html = unescape(response.content.decode())
    assert "Demande d'indemnisation validée" in html
    assert 'type="submit">Valider</button>' not in html  # nothing left to decide


def test_invalider_without_a_motif_shows_the_error_next_to_the_field_and_changes_nothing(client, agent_user, demande):
    response = client.post(url("di_invalider", demande), {"motif": "   "})

    assert response.status_code == 200
    assert response.context["invalidation_form"].errors["motif"] == ["Le motif de l'invalidation est obligatoire."]
    assert 'aria-invalid="true"' in response.content.decode()
    demande.refresh_from_db()
    assert demande.statut == Statut.ENVOYEE and demande.motif_invalidation == ""
    assert history(demande)[-1] == Statut.ENVOYEE


def test_invalider_keeps_the_typing_when_the_motif_is_too_long(client, agent_user, demande):
    motif = "Heures incohérentes " * 120

    response = client.post(url("di_invalider", demande), {"motif": motif})

    assert response.status_code == 200
    assert response.context["invalidation_form"].errors["motif"]
    assert "Heures incohérentes Heures incohérentes" in unescape(response.content.decode())
    demande.refresh_from_db()
    assert demande.statut == Statut.ENVOYEE


def test_invalider_with_a_motif_invalidates_journals_and_emails(client, agent_user, demande):
    OutboxEmail.objects.all().delete()

    response = client.post(url("di_invalider", demande), {"motif": "Les heures de mars sont déjà payées."}, follow=True)

    demande.refresh_from_db()
    assert demande.statut == Statut.INVALIDEE
    assert demande.motif_invalidation == "Les heures de mars sont déjà payées."
    last = DemandeIndemnisationHistorique.objects.filter(demande=demande).last()
    assert last.to_statut == Statut.INVALIDEE and last.by == agent_user
    assert last.comment == "Les heures de mars sont déjà payées."
    assert OutboxEmail.objects.filter(kind="di_statut", to="contact@entreprise.example.fr").count() == 1
    assert "Demande d'indemnisation invalidée" in unescape(response.content.decode())


@pytest.mark.parametrize("action", ["di_valider", "di_invalider"])
def test_acting_on_a_di_no_longer_envoyee_does_nothing(client, agent_user, demande, action):
    services.demande_invalidate(demande=demande, by=agent_user, motif="Première invalidation")
    OutboxEmail.objects.all().delete()
    count = DemandeIndemnisationHistorique.objects.filter(demande=demande).count()

    response = client.post(url(action, demande), {"motif": "Une autre raison"}, follow=True)

    demande.refresh_from_db()
    assert demande.statut == Statut.INVALIDEE and demande.motif_invalidation == "Première invalidation"
    assert DemandeIndemnisationHistorique.objects.filter(demande=demande).count() == count
    assert not OutboxEmail.objects.exists()
    assert "n'est plus à instruire (Invalidée) : rien n'a été modifié." in unescape(response.content.decode())


def test_the_actions_answer_only_post(client, agent_user, demande):
    assert client.get(url("di_valider", demande)).status_code == 405
    demande.refresh_from_db()
    assert demande.statut == Statut.ENVOYEE


def test_an_employer_even_the_dis_own_gets_a_404(client, employer, demande):
    two_factor_login(client, employer[1])

    assert client.get(url("di", demande)).status_code == 404
    assert client.post(url("di_valider", demande)).status_code == 404
    demande.refresh_from_db()
    assert demande.statut == Statut.ENVOYEE


def test_asp_staff_get_a_404(staff_client, demande):
    assert staff_client.get(url("di", demande)).status_code == 404
    assert staff_client.post(url("di_valider", demande)).status_code == 404
