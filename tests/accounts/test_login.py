"""MON ESPACE PERSONNEL: the login form of the home page, its refusals, sessions and logout."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from habilitations.models import Extranet
from tests.factories import HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PASSWORD = "Mot-de-passe-2026;"


@pytest.fixture
def employer():
    user = UserFactory(identifiant="gerard.menuca")
    HabilitationFactory(user=user)
    return user


def login(client, username="gerard.menuca", password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def errors(response):
    form = response.context["login_form"]
    return form.non_field_errors(), form.errors.get("username", [])


def test_a_habilitated_user_logs_in_and_reaches_the_space(client, employer):
    client.get("/")
    before = client.session.session_key

    response = login(client)

    assert response.status_code == 302 and response.url == reverse("habilitations:space")
    assert client.session.session_key != before  # a new session key at login
    html = client.get(reverse("habilitations:space")).content.decode()
    assert "<strong>BONJOUR,</strong> gerard.menuca" in html


def test_an_email_address_is_refused_without_checking_any_password(client, employer, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # session and announcements only: no user is looked up
        response = login(client, username="gerard.menuca@example.fr", password="whatever")

    assert errors(response)[1] == ["Ne pas saisir d'adresse de messagerie"]
    html = response.content.decode()
    assert 'aria-describedby="id_username_hint id_username-error"' in html
    assert 'value="gerard.menuca@example.fr"' in html


@pytest.mark.parametrize(("username", "password"), [("gerard.menuca", "mauvais"), ("inconnu.total", PASSWORD)])
def test_a_wrong_identifiant_or_password_gets_one_message_that_does_not_tell_which(
    client, employer, username, password
):
    response = login(client, username, password)

    assert response.status_code == 200
    assert errors(response)[0] == ["Identifiant ou mot de passe incorrect."]
    assert "_auth_user_id" not in client.session


def test_before_valid_from_the_message_gives_the_date(client):
    user = UserFactory(identifiant="gerard.menuca")
    start = timezone.localdate() + datetime.timedelta(days=3)
    HabilitationFactory(user=user, valid_from=start)

    (message,), _ = errors(login(client))

    assert f"à compter du {start:%d/%m/%Y}" in message
    assert (
        "Les usagers ne peuvent se connecter qu'après qu'ils aient reçu le courriel de création d'habilitation "
        "et à compter de la date précisée." in message
    )
    assert "_auth_user_id" not in client.session


def test_after_valid_until_the_message_says_expired_and_how_to_renew(client):
    user = UserFactory(identifiant="gerard.menuca")
    end = timezone.localdate() - datetime.timedelta(days=1)
    HabilitationFactory(user=user, valid_from=end - datetime.timedelta(days=365), valid_until=end)

    (message,), _ = errors(login(client))

    assert f"a expiré le {end:%d/%m/%Y}" in message
    assert "demande d&#x27;assistance" in str(message) or "demande d'assistance" in message
    assert "Habilitation à l'extranet" in message


def test_the_last_day_of_the_habilitation_still_opens(client):
    user = UserFactory(identifiant="gerard.menuca")
    today = timezone.localdate()
    HabilitationFactory(user=user, valid_from=today - datetime.timedelta(days=365), valid_until=today)

    assert login(client).status_code == 302


def test_a_sylae_only_account_must_first_create_its_space(client):
    user = UserFactory(identifiant="gerard.menuca")
    HabilitationFactory(user=user, extranet=Extranet.objects.for_code("SYLAE"))

    (message,), _ = errors(login(client))

    assert "CRÉER MON ESPACE" in message
    assert "SYLAé" in message


def test_an_expired_temporary_password_leads_to_the_recovery(client, employer):
    employer.must_change_password = True
    employer.password_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    employer.save()

    (message,), _ = errors(login(client))

    assert "Votre mot de passe provisoire a expiré" in message
    assert reverse("accounts:forgotten_password") in message


def test_logout_is_a_post_and_ends_the_session(client, employer):
    login(client)

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"), follow=True)

    assert "Vous êtes déconnecté." in response.content.decode()
    assert client.get(reverse("habilitations:space")).url.startswith("/?next=")


def test_the_session_expires_after_30_minutes_idle(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_login_needs_the_csrf_token(employer):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(LOGIN, {"username": "gerard.menuca", "password": PASSWORD})

    assert response.status_code == 403


def test_get_on_connexion_goes_home(client):
    assert client.get(LOGIN).url == "/"
