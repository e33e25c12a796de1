"""Step 2 of CRÉER MON ESPACE is limited per client IP: CREATE_SPACE_RATE_LIMIT_PER_IP submissions an hour."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from habilitations.models import AccountRequest
from habilitations.views import CREATE_SPACE_RATE_LIMITED
from tests.factories import SireneEtablissementFactory
from tests.habilitations.test_create_space_views import step1, step2_data

pytestmark = pytest.mark.django_db

STEP2 = reverse("habilitations:create_space_account")


@pytest.fixture(autouse=True)
def _captcha(captcha_test_mode):
    return captcha_test_mode


def test_the_eleventh_submission_of_step2_from_one_ip_in_an_hour_gets_the_french_message(client):
    etablissement = SireneEtablissementFactory()
    assert step1(client, etablissement.siret).status_code == 302
    for _ in range(10):
        response = client.post(STEP2, step2_data(nom=""), REMOTE_ADDR="192.0.2.10")
        assert (
            response.status_code == 200 and CREATE_SPACE_RATE_LIMITED not in response.context["form"].non_field_errors()
        )

    response = client.post(STEP2, step2_data(), REMOTE_ADDR="192.0.2.10")

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [CREATE_SPACE_RATE_LIMITED]
    assert escape("Trop de demandes de création d'espace") in response.content.decode()
    assert not AccountRequest.objects.exists()
    # Another address is not held back.
    assert client.post(STEP2, step2_data(nom=""), REMOTE_ADDR="192.0.2.11").status_code == 200


def test_the_limit_is_a_setting(client, settings):
    settings.CREATE_SPACE_RATE_LIMIT_PER_IP = 1
    etablissement = SireneEtablissementFactory()
    step1(client, etablissement.siret)
    assert client.post(STEP2, step2_data(nom=""), REMOTE_ADDR="192.0.2.20").status_code == 200
    assert client.post(STEP2, step2_data(nom=""), REMOTE_ADDR="192.0.2.20").status_code == 429


def test_the_429_page_shows_only_the_rate_limit_message(client, settings):
    settings.CREATE_SPACE_RATE_LIMIT_PER_IP = 1
    etablissement = SireneEtablissementFactory()
    step1(client, etablissement.siret)
    assert client.post(STEP2, step2_data(nom=""), REMOTE_ADDR="192.0.2.30").status_code == 200

    response = client.post(STEP2, step2_data(nom=""), REMOTE_ADDR="192.0.2.30")

    html = response.content.decode()
    assert response.status_code == 429
    assert escape("Trop de demandes de création d'espace") in html
    assert "Tous les champs obligatoires" not in html
    assert "Ce champ est obligatoire." not in html
    assert response.context["form"].errors == {"__all__": [CREATE_SPACE_RATE_LIMITED]}
