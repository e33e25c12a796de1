"""The document récapitulatif of a DI (seed 002), read back from the PDF: the establishment, the décision, the
month, each employee's hours and amounts, the totals, the status and the dates; for any status; only for a user
holding the establishment."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bareme.engine import format_mois
from indemnisation import services
from tests.factories import UserFactory
from tests.indemnisation.helpers import make_decision, make_di, make_employer, row

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def euros(value) -> str:
    return f"{value:,.2f} €".replace(",", " ").replace(".", ",")


def recapitulatif(client, demande) -> str:
    return pdf_text(client.get(reverse("indemnisation:recapitulatif_pdf", args=[demande.numero])))


@pytest.fixture
def employer():
    return make_employer(
        denomination="ATELIERS MENUCA", numero_voie="12", type_voie="RUE", libelle_voie="DU CANAL", ville="PARIS"
    )


def test_the_recapitulatif_of_a_sent_di_gives_the_establishment_the_decision_each_employee_and_the_totals(
    client, employer
):
    establishment, user = employer
    decision = make_decision(establishment, user)
    demande = make_di(
        decision,
        user,
        rows=[
            row(0, nom="MENUCA", prenom="Gérard"),
            row(1, nom="DURAND", prenom="Léa", salaire_brut_mensuel="3150,75"),
        ],
        send=True,
    )
    client.force_login(user)

    response = client.get(reverse("indemnisation:recapitulatif_pdf", args=[demande.numero]))
    text = pdf_text(response)

    assert response["Content-Disposition"] == f'inline; filename="recapitulatif-{demande.numero}.pdf"'
    assert "Document récapitulatif de la demande d'indemnisation" in text
    assert demande.numero in text and establishment.siret in text and "ATELIERS MENUCA" in text
    assert "12 RUE DU CANAL" in text and "PARIS" in text
    assert decision.numero in text and f"mois : {format_mois(demande.mois)}" in text
    assert f"du {decision.date_debut:%d/%m/%Y} au {decision.date_fin:%d/%m/%Y}" in text
    assert f"{decision.heures_autorisees:,.2f} h".replace(",", " ").replace(".", ",") in text
    for salarie in demande.salaries.all():
        assert salarie.nom in text and salarie.prenom in text
        assert salarie.nir[:1] + " " + salarie.nir[1:3] in text  # the NIR, spaced as the carte Vitale prints it
        assert "20,00 h" in text
        for amount in (salarie.taux_horaire, salarie.indemnite, salarie.allocation, salarie.reste_a_charge):
            assert euros(amount) in text
    for total in (demande.total_indemnite, demande.total_allocation, demande.total_reste_a_charge):
        assert euros(total) in text
    assert "40,00 h" in text
    assert "Statut : Envoyée" in text
    assert f"envoyée le {timezone.localtime(demande.sent_at):%d/%m/%Y à %H:%M}" in text
    assert "validée le (non validée)" in text
    assert f"Document généré le {timezone.localtime():%d/%m/%Y}" in text


def test_the_recapitulatif_of_a_provisoire_di_says_it_is_not_sent(client, employer):
    establishment, user = employer
    demande = make_di(make_decision(establishment, user), user, rows=[row(0, nom="MENUCA")])
    client.force_login(user)

    text = recapitulatif(client, demande)

    assert "Demande provisoire — non envoyée" in text and "envoyée le (non envoyée)" in text
    assert "MENUCA" in text and euros(demande.total_allocation) in text


def test_the_recapitulatif_after_validation_gives_the_date_of_validation(client, employer):
    establishment, user = employer
    demande = make_di(make_decision(establishment, user), user, send=True)
    demande = services.demande_validate(demande=demande, by=UserFactory())
    client.force_login(user)

    text = recapitulatif(client, demande)

    assert "Statut : Validée" in text
    assert f"validée le {timezone.localtime(demande.decided_at):%d/%m/%Y à %H:%M}" in text


def test_the_recapitulatif_of_another_users_di_is_not_found(client, employer):
    establishment, user = employer
    demande = make_di(make_decision(establishment, user), user)
    client.force_login(UserFactory())

    assert client.get(reverse("indemnisation:recapitulatif_pdf", args=[demande.numero])).status_code == 404


def test_the_recapitulatif_of_a_di_without_employees_yet_is_available(client, employer):
    from indemnisation.services import demande_create
    from tests.indemnisation.helpers import last_month

    establishment, user = employer
    demande = demande_create(by=user, decision=make_decision(establishment, user), mois=last_month())
    client.force_login(user)

    text = recapitulatif(client, demande)
    html = client.get(reverse("indemnisation:detail", args=[demande.numero])).content.decode()

    assert "Demande provisoire — non envoyée" in text and "Aucun salarié saisi." in text
    assert "Aucun salarié saisi." in html
