"""MON ESPACE PERSONNEL: the login form of the home page, its refusals, sessions and logout."""

import datetime
import re

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse
from django.utils import timezone

from accounts.forms import LoginForm
from espace.forms import ApartLoginForm
from habilitations.enums import ApartAccessRefusal
from habilitations.models import Extranet
from habilitations.perms import can_enter_apart
from tests.factories import HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("espace:login")
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

    assert response.status_code == 302 and response.url == reverse("espace:home")
    assert client.session.session_key != before  # a new session key at login
    html = client.get(reverse("espace:home")).content.decode()
    assert "<strong>BONJOUR,</strong>&nbsp;gerard.menuca" in html


def test_an_email_address_is_refused_without_checking_any_password(client, employer, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # session and announcements only: no user is looked up
        response = login(client, username="gerard.menuca@example.fr", password="whatever")

    assert errors(response)[1] == ["Ne pas saisir d'adresse de messagerie"]
    html = response.content.decode()
    # Said once: the error, under the input that it describes; the hint that says the same is left out.
    assert html.count("Ne pas saisir d&#x27;adresse de messagerie") == 1
    assert 'id="id_username-hint"' not in html
    assert 'aria-describedby="id_username-error"' in html
    assert re.search(
        r'<div id="id_username-error"><p class="fr-error-text">Ne pas saisir d&#x27;adresse de messagerie</p></div>',
        html,
    )
    assert 'value="gerard.menuca@example.fr"' in html


def test_the_identifiant_keeps_its_hint_on_the_page_and_after_another_error(client, employer):
    hint = '<p class="fr-hint-text fr-mb-1w" id="id_username-hint">Ne pas saisir d&#x27;adresse de messagerie</p>'

    assert hint in client.get("/").content.decode()
    html = login(client, password="mauvais").content.decode()
    assert hint in html and 'aria-describedby="id_username-hint"' in html


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
    assert client.get(reverse("espace:home")).url.startswith("/?next=")


def test_the_session_expires_after_30_minutes_idle(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_login_needs_the_csrf_token(employer):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(LOGIN, {"username": "gerard.menuca", "password": PASSWORD})

    assert response.status_code == 403


def input_tag(html, name):
    return re.search(rf'<input [^>]*name="{name}"[^>]*>', html).group(0)


def test_the_home_page_form_ties_each_label_to_its_input_and_says_what_is_required_first(client):
    html = client.get("/").content.decode()

    form = re.search(r'<form method="post" action="/connexion/".*?</form>', html, re.S).group(0)
    assert '<label class="fr-label" for="id_username">Identifiant* :</label>' in form
    assert '<label class="fr-label" for="id_password">Mot de passe* :</label>' in form
    assert 'id="id_username"' in input_tag(form, "username")
    assert 'id="id_password"' in input_tag(form, "password") and 'type="password"' in input_tag(form, "password")
    # No error yet: the identifiant is described by its hint only.
    assert 'aria-describedby="id_username-hint"' in input_tag(form, "username")
    assert "aria-describedby" not in input_tag(form, "password")
    notice = form.index("Les champs marqués d'un * sont obligatoires.")
    assert notice < form.index('name="username"') < form.index('name="password"')


def test_a_refused_login_comes_back_with_the_same_form_its_notice_first(client, employer):
    response = login(client, password="mauvais")

    form = re.search(r'<form method="post" action="/connexion/".*?</form>', response.content.decode(), re.S).group(0)
    notice = form.index("Les champs marqués d'un * sont obligatoires.")
    assert notice < form.index('name="username"')
    assert '<label class="fr-label" for="id_username">Identifiant* :</label>' in form
    assert 'value="gerard.menuca"' in input_tag(form, "username")
    assert "value=" not in input_tag(form, "password")  # a password is never sent back


def test_a_refused_login_titles_the_page_erreur_as_every_other_form(client, employer):
    assert "<title>Accueil — Activité Partielle</title>" in client.get("/").content.decode()

    html = login(client, password="mauvais").content.decode()

    assert "<title>Erreur — Accueil — Activité Partielle</title>" in html


def test_the_account_form_checks_credentials_only_the_apart_form_adds_the_habilitation(rf):
    """accounts.forms.LoginForm knows nothing of APART; espace.forms.ApartLoginForm asks can_enter_apart."""
    UserFactory(identifiant="gerard.menuca")  # an ASP account, no habilitation
    data = {"username": "gerard.menuca", "password": PASSWORD}

    account_form = LoginForm(rf.post(LOGIN), data=data)
    apart_form = ApartLoginForm(rf.post(LOGIN), data=data)

    assert account_form.is_valid() and account_form.get_user().identifiant == "gerard.menuca"
    assert not apart_form.is_valid()
    assert apart_form.has_error(NON_FIELD_ERRORS, code="habilitation_none")


@pytest.mark.parametrize(
    ("trait", "refusal"),
    [
        ("expired", ApartAccessRefusal.EXPIRED),
        ("future", ApartAccessRefusal.NOT_YET),
        ("sylae", ApartAccessRefusal.NONE),  # a SYLAé habilitation does not open APART
    ],
)
def test_the_apart_form_refuses_with_the_reason_given_by_can_enter_apart(rf, trait, refusal):
    user = UserFactory(identifiant="gerard.menuca")
    HabilitationFactory(user=user, **{trait: True})

    form = ApartLoginForm(rf.post(LOGIN), data={"username": "gerard.menuca", "password": PASSWORD})

    assert can_enter_apart(user).refusal == refusal
    assert not form.is_valid()
    assert form.has_error(NON_FIELD_ERRORS, code=f"habilitation_{refusal.value}")


def test_get_on_connexion_goes_home(client):
    assert client.get(LOGIN).url == "/"
