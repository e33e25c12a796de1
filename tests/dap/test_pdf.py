"""The PDFs of the employer's space, read back from the file: the accusé de réception of a sent DAP and the
décision (number, SIRET, dates, code DI); only for a user holding the establishment."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dap.enums import ModeDecision, Statut
from dap.services import demande_accept, demande_save, demande_send
from tests.dap.conftest import days, make_demande, valid_data
from tests.factories import EstablishmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def sent(employer, establishment):
    return demande_send(demande=demande_save(by=employer, establishment=establishment, data=valid_data()), by=employer)


def test_the_accuse_de_reception_pdf_gives_its_number_date_time_and_implicit_acceptance_date(
    client, employer, establishment, sent
):
    client.force_login(employer)

    text = pdf_text(client.get(reverse("dap:accuse_reception_pdf", args=[sent.numero])))

    sent_at = timezone.localtime(sent.sent_at)
    assert sent.accuse_numero in text and sent.numero in text and establishment.siret in text
    assert f"{sent_at:%d/%m/%Y} à {sent_at:%H:%M}" in text
    assert sent.implicit_acceptance_on.strftime("%d/%m/%Y") in text
    assert "Paris" in text  # the UD of the département: 75 Paris


def test_the_decision_pdf_gives_its_number_siret_period_hours_headcount_code_di_and_mode(
    client, employer, establishment, sent, ud_agent
):
    decision = demande_accept(
        demande=sent, by=ud_agent, heures_autorisees="80", date_debut=days(2), date_fin=days(10), nb_salaries=4
    )
    client.force_login(employer)

    text = pdf_text(client.get(reverse("dap:decision_pdf", args=[decision.numero])))

    assert decision.numero in text and establishment.siret in text and decision.code_di in text
    assert f"du {days(2):%d/%m/%Y} au {days(10):%d/%m/%Y}" in text
    assert "80" in text and "Salariés autorisés 4" in text
    assert decision.mode == ModeDecision.EXPRESSE and "Acceptée expressément" in text
    assert "Unité départementale de la DDETS" in text


def test_an_implicit_decision_says_so_in_its_pdf(client, employer, establishment):
    decision = make_demande(
        establishment, employer, statut=Statut.ACCEPTEE_IMPLICITEMENT, debut=days(1), fin=days(5)
    ).decision
    client.force_login(employer)

    text = pdf_text(client.get(reverse("dap:decision_pdf", args=[decision.numero])))

    assert "Acceptée implicitement" in text and decision.code_di in text


def test_the_pdfs_of_an_establishment_the_user_does_not_hold_are_not_found(client, establishment, employer, sent):
    decision = make_demande(establishment, employer, statut=Statut.ACCEPTEE, debut=days(20), fin=days(25)).decision
    client.force_login(UserFactory())

    assert client.get(reverse("dap:decision_pdf", args=[decision.numero])).status_code == 404
    assert client.get(reverse("dap:accuse_reception_pdf", args=[sent.numero])).status_code == 404


def test_a_provisoire_dap_has_no_accuse_de_reception(client, employer, establishment):
    provisoire = demande_save(by=employer, establishment=establishment, data=valid_data())
    client.force_login(employer)

    assert client.get(reverse("dap:accuse_reception_pdf", args=[provisoire.numero])).status_code == 404


def test_the_pdfs_need_a_login(client, establishment, employer, sent):
    response = client.get(reverse("dap:accuse_reception_pdf", args=[sent.numero]))

    assert response.status_code == 302 and not response.content.startswith(b"%PDF")


def test_another_establishment_of_the_same_user_is_not_mixed_up(client, employer, establishment, sent):
    other = EstablishmentFactory(complete=True)
    client.force_login(employer)

    text = pdf_text(client.get(reverse("dap:accuse_reception_pdf", args=[sent.numero])))

    assert other.siret not in text
