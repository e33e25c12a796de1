"""The exact inputs the hostile-input test found answering 500 or in English, each kept as a plain test."""

import pytest
from django.urls import reverse

from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory
from tests.robustness.hostile import check_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def employer_client(client):
    user = UserFactory()
    HabilitationFactory(user=user, establishment=EstablishmentFactory(complete=True))
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/espace/decisions/?etablissement=%00",
        "/espace/dap/nouvelle/?siret=%00",
        "/espace/di/nouvelle/?code_di=%00",
        "/espace/dap/%00/",
        "/espace/di/%00/",
        "/espace/etablissements/%00/",
        "/espace/decisions/%00/",
        "/espace/etablissements/?q=%00",
        "/espace/dap/?siret=%00",
        "/espace/demande-creation-compte/?siret=%00",
        "/besoin-d-aide/?q=%00",
        "/besoin-d-aide/assistance/?siret=%00&reference=%00&motif=%00",
        "/contrat-de-prestation/?siret=%00",
        "/creer-mon-espace/communes/?code_postal=%00",
    ],
)
def test_a_nul_byte_in_the_address_is_a_french_answer_not_a_500(employer_client, url):
    check_answer(employer_client.get(url), label=url)


def test_the_nul_byte_gets_the_french_400_page(employer_client):
    response = employer_client.get("/espace/dap/%00/")
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()
    assert employer_client.get("/espace/decisions/?etablissement=%00").status_code == 400


def test_a_nul_byte_in_an_employees_name_on_the_di_is_refused_next_to_the_field(client):
    """Found by the hypothesis test: `form-0-nom = "\\x00"` on CALCULER answered 500 (PostgreSQL refuses NUL)."""
    from html import unescape

    from indemnisation.checks import CARACTERE_DE_CONTROLE
    from indemnisation.models import SalarieIndemnise
    from tests.indemnisation.helpers import make_decision, make_di, make_employer, row

    establishment, user = make_employer()
    demande = make_di(make_decision(establishment, user), user)
    client.force_login(user)
    before = list(SalarieIndemnise.objects.values_list("nom", flat=True))
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-MAX_NUM_FORMS": "100", "action": "calculer"}
    data |= {f"form-0-{key}": value for key, value in row(0, nom="\x00", prenom="Jean\x1bne").items()}
    response = client.post(reverse("indemnisation:saisie", args=[demande.numero]), data)
    check_answer(response, label="saisie")
    assert response.status_code == 200
    assert unescape(response.content.decode()).count(CARACTERE_DE_CONTROLE) >= 2
    assert list(SalarieIndemnise.objects.values_list("nom", flat=True)) == before
