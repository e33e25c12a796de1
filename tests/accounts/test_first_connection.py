"""First connection: a temporary password must be changed before anything else."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from apart.outbox.models import OutboxEmail
from tests.factories import HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

FIRST = reverse("accounts:first_login_password")
TEMPORARY = "Tmp;Pass2345"
NEW = "Nouveau;Passe2026"


@pytest.fixture
def newcomer():
    user = UserFactory(identifiant="ilmen.foplus", password=TEMPORARY, must_change_password=True)
    HabilitationFactory(user=user)
    return user


def logged_in(user):
    client = Client()
    response = client.post(reverse("espace:login"), {"username": user.identifiant, "password": TEMPORARY})
    assert response.status_code == 302
    return client, response


def test_the_login_leads_to_the_change_screen(newcomer):
    client, response = logged_in(newcomer)

    assert response.url == FIRST
    html = client.get(FIRST).content.decode()
    assert "Changement du mot de passe pour ilmen.foplus" in html
    for label in [
        "Entrez l&#x27;ancien mot de passe",
        "Entrez le nouveau mot de passe",
        "Confirmez le nouveau mot de passe",
    ]:
        assert label in html
    assert "Changement du mot de passe</button>" in html
    assert "Nombre minimum de majuscules : 1" in html
    # The account is shared by every ASP extranet.
    assert "Le nouveau mot de passe s'appliquera à tous les extranets gérés par l'ASP." in html


@pytest.mark.parametrize(
    "path",
    ["/espace/", "/espace/etablissements/", "/espace/mon-compte/", "/espace/demande-creation-compte/", "/espace/dap/"],
)
def test_every_page_of_the_space_redirects_to_the_change(newcomer, path):
    client, _ = logged_in(newcomer)

    response = client.get(path)

    assert response.status_code == 302 and response.url == FIRST


def test_after_the_change_the_user_goes_home_and_logs_in_with_the_new_password(newcomer):
    client, _ = logged_in(newcomer)
    other_session, _ = logged_in(newcomer)

    response = client.post(FIRST, {"old_password": TEMPORARY, "new_password1": NEW, "new_password2": NEW}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "Votre mot de passe a été changé." in response.content.decode()
    assert "_auth_user_id" not in client.session
    newcomer.refresh_from_db()
    assert newcomer.must_change_password is False and newcomer.password_expires_at is None
    assert newcomer.check_password(NEW)
    assert other_session.get("/espace/").status_code == 302  # the other session has ended
    email = OutboxEmail.objects.get(kind="mot_de_passe_modifie")
    assert email.to == newcomer.courriel
    assert "Si vous n'êtes pas à l'origine de cette modification" in email.body_text
    assert client.post(reverse("espace:login"), {"username": "ilmen.foplus", "password": NEW}).url == "/espace/"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"old_password": "faux", "new_password1": NEW, "new_password2": NEW},
            "old_password",
            "L'ancien mot de passe saisi est incorrect.",
        ),
        (
            {"old_password": TEMPORARY, "new_password1": NEW, "new_password2": NEW + "x"},
            "new_password2",
            "Les mots de passe ne correspondent pas",
        ),
        (
            {"old_password": TEMPORARY, "new_password1": "nouveau;passe2026", "new_password2": "nouveau;passe2026"},
            "new_password1",
            "Votre mot de passe n'a pas assez de majuscules",
        ),
        (
            {"old_password": TEMPORARY, "new_password1": TEMPORARY, "new_password2": TEMPORARY},
            "new_password1",
            "Votre nouveau mot de passe est identique à l'ancien",
        ),
        (
            {"old_password": TEMPORARY, "new_password1": "Ilmen.Foplus", "new_password2": "Ilmen.Foplus"},
            "new_password1",
            "Votre mot de passe est identique à votre identifiant",
        ),
    ],
)
def test_refusals_are_shown_on_their_field(newcomer, data, field, message):
    client, _ = logged_in(newcomer)

    response = client.post(FIRST, data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    newcomer.refresh_from_db()
    assert newcomer.must_change_password is True


def field_errors(response, auto_id) -> list[str]:
    """The messages shown next to a field: one <p class="fr-error-text"> each, in its `<auto_id>-error` block."""
    block = re.search(rf'<div id="{auto_id}-error">(.*?)</div>', response.content.decode(), re.S)
    if block is None:
        return []
    return [html.unescape(message) for message in re.findall(r'<p class="fr-error-text">(.*?)</p>', block.group(1))]


def test_each_rule_broken_is_its_own_message_under_the_new_password(newcomer):
    client, _ = logged_in(newcomer)

    response = client.post(
        FIRST, {"old_password": TEMPORARY, "new_password1": "canalboulange", "new_password2": "canalboulange"}
    )

    expected = [
        "Votre mot de passe n'a pas assez de majuscules",
        "Votre mot de passe n'a pas assez de chiffres",
        "Votre mot de passe n'a pas assez de caractères spéciaux",
    ]
    assert response.context["form"].errors["new_password1"] == expected
    # One paragraph per rule, each on its own line, not one run-on line.
    assert field_errors(response, "id_new_password1") == expected
    assert 'aria-describedby="id_new_password1-error"' in response.content.decode()
    assert field_errors(response, "id_old_password") == field_errors(response, "id_new_password2") == []
    newcomer.refresh_from_db()
    assert newcomer.must_change_password is True and newcomer.check_password(TEMPORARY)


def test_the_change_screen_needs_a_login(client):
    assert client.get(FIRST).url.startswith("/?next=")
