"""The exact inputs the hostile-input test found answering 500 or in English, each kept as a plain test."""

import pytest

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
