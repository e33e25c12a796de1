"""Redis (the cache) refusing connections: the pages still answer, at once; the abuse limits kept in the cache
fail open (apart.ratelimit: the request goes through, uncounted, and the failure is logged)."""

import time

import pytest
from django.urls import reverse

from support.models import Ticket
from tests.conftest import _free_port
from tests.factories import HabilitationFactory, UserFactory
from tests.processes import use_redis_cache

PASSWORD = "Mot-de-passe-2026;"


@pytest.fixture
def cache_refusing(settings):
    url = f"redis://127.0.0.1:{_free_port()}/0"
    use_redis_cache(settings, url)
    return url


def _timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


@pytest.mark.django_db
def test_with_the_cache_refusing_the_home_page_and_the_login_answer(client, cache_refusing):
    HabilitationFactory(user=UserFactory(identifiant="gerard.menuca"))
    login = reverse("espace:login")

    home, home_seconds = _timed(lambda: client.get(reverse("portal:home")))
    wrong, wrong_seconds = _timed(lambda: client.post(login, {"username": "gerard.menuca", "password": "mauvais"}))
    right, right_seconds = _timed(lambda: client.post(login, {"username": "gerard.menuca", "password": PASSWORD}))

    assert home.status_code == 200 and "Identifiant" in home.content.decode()
    assert wrong.status_code == 200 and "Identifiant ou mot de passe incorrect." in wrong.content.decode()
    assert right.status_code == 302
    assert client.get(right.url).status_code in (200, 302)
    assert max(home_seconds, wrong_seconds, right_seconds) < 1.5


@pytest.mark.django_db
def test_with_the_cache_refusing_the_rate_limited_assistance_form_lets_the_request_through(
    client, cache_refusing, captcha_test_mode, caplog
):
    with caplog.at_level("WARNING"):
        response, seconds = _timed(
            lambda: client.post(
                reverse("support:assistance"),
                {
                    "siret": "732 829 320 00074",
                    "denomination": "BOULANGERIE DU CANAL",
                    "nom_prenom": "Menuça Gérard",
                    "telephone": "01 02 03 04 05",
                    "courriel": "gerard.menuca@example.fr",
                    "motif": "autres",
                    "description": "Je ne reçois pas mes courriels.",
                    "captcha_0": "x",
                    "captcha_1": "PASSED",
                },
            )
        )

    assert response.status_code == 302 and response.url == reverse("support:assistance_done"), (
        response.context and response.context["form"].errors
    )
    assert seconds < 1.5
    assert Ticket.objects.count() == 1
    assert any("Cache indisponible" in record.getMessage() for record in caplog.records)
