"""Sessions: an absolute lifetime besides the idle timeout, and no copy of a private page kept by a cache."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from tests.factories import HabilitationFactory, UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

PARIS = datetime.timezone(datetime.timedelta(hours=1))
HOME = reverse("espace:home")
PASSWORD = "Mot-de-passe-2026;"


@pytest.fixture
def employer():
    user = UserFactory(identifiant="gerard.menuca")
    HabilitationFactory(user=user)
    return user


def login(client):
    return client.post(reverse("espace:login"), {"username": "gerard.menuca", "password": PASSWORD})


def test_an_active_session_still_ends_12_hours_after_the_login(client, employer, settings):
    assert settings.SESSION_ABSOLUTE_LIFETIME_HOURS == 12
    start = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)
    with time_machine.travel(start, tick=False) as traveller:
        login(client)
        # Active every 10 minutes: the idle timeout (30 minutes) never ends it.
        for _ in range(12 * 6):
            assert client.get(HOME).status_code == 200
            traveller.shift(datetime.timedelta(minutes=10))
        traveller.shift(datetime.timedelta(minutes=1))  # 12 h 01 after the login

        response = client.get(HOME, follow=True)

    assert response.redirect_chain[0][0].startswith("/?next=")
    assert "Votre session a expiré" in response.content.decode()
    assert "_auth_user_id" not in client.session
    with time_machine.travel(start + datetime.timedelta(hours=12, minutes=2), tick=False):
        assert client.get(HOME).status_code == 302  # still logged out


def active_for(client, traveller, minutes):
    for _ in range(minutes // 10):
        traveller.shift(datetime.timedelta(minutes=10))
        assert client.get(HOME).status_code == 200


def test_a_new_login_restarts_the_clock(client, employer):
    start = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)
    with time_machine.travel(start, tick=False) as traveller:
        login(client)
        active_for(client, traveller, 11 * 60 + 50)
        login(client)

        active_for(client, traveller, 60)


def test_the_lifetime_is_a_setting(client, employer, settings):
    settings.SESSION_ABSOLUTE_LIFETIME_HOURS = 1
    start = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)
    with time_machine.travel(start, tick=False) as traveller:
        login(client)
        active_for(client, traveller, 50)
        traveller.shift(datetime.timedelta(minutes=20))

        assert client.get(HOME).status_code == 302


def test_the_admin_session_ends_too(client):
    staff = UserFactory(staff=True)
    start = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)
    with time_machine.travel(start, tick=False) as traveller:
        two_factor_login(client, staff)  # the login (signal user_logged_in) starts the clock
        assert client.get(reverse("admin:index")).status_code == 200
        for _ in range(13 * 4):
            traveller.shift(datetime.timedelta(minutes=15))
            client.get(reverse("admin:index"))

        response = client.get(reverse("admin:index"))

    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


# --- Cache-Control: no-store -----------------------------------------------------------------------------


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_space_and_the_admin_are_never_stored(client, employer):
    login(client)
    for url in (HOME, reverse("accounts:my_account"), reverse("espace:establishments")):
        response = client.get(url)
        assert response.status_code == 200 and no_store(response), url
    two_factor_login(client, UserFactory(staff=True))
    for url in (reverse("admin:index"), reverse("admin:habilitations_accountrequest_changelist")):
        response = client.get(url)
        assert response.status_code == 200 and no_store(response), url
    assert no_store(client.get(reverse("admin:login")))


def test_even_the_redirect_of_a_logged_out_visitor_from_the_space_is_not_stored(client):
    response = client.get(HOME)

    assert response.status_code == 302 and no_store(response)


def test_the_instruction_pages_are_never_stored(client, rf):
    """The back office has no page yet: any URL of its namespace gets the header."""
    from django.http import HttpResponse
    from django.urls import ResolverMatch

    from apart.middleware import NoStoreMiddleware

    request = rf.get("/instruction/dossiers/")
    request.resolver_match = ResolverMatch(lambda r: None, (), {}, namespaces=["instruction"])

    assert no_store(NoStoreMiddleware(lambda r: HttpResponse("dossier"))(request))


def test_public_pages_may_be_cached(client):
    for url in ("/", reverse("support:help")):
        response = client.get(url)
        assert response.status_code == 200 and not no_store(response), url
