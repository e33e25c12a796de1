"""Mon compte: état civil, e-mail change confirmed by link, secret question, password."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import user_secret_question_clear, user_secret_question_reset
from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from tests.factories import HabilitationFactory, UserFactory, delivered_text

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-de-passe-2026;"
CONFIRM_FORM = reverse("accounts:courriel_confirm_form")


@pytest.fixture
def employer_client(client):
    user = UserFactory(identifiant="gerard.menuca", courriel="gerard@ancien.fr")
    HabilitationFactory(user=user)
    client.force_login(user)
    client.user = user
    return client


def test_the_page_shows_the_account(employer_client):
    html = employer_client.get(reverse("accounts:my_account")).content.decode()

    assert "gerard.menuca" in html and "gerard@ancien.fr" in html
    assert "commun aux extranets" in html


def test_names_and_phone_are_updated(employer_client):
    response = employer_client.post(
        reverse("accounts:my_account"), {"nom": "Menuça", "prenom": "Gérard", "telephone": "0690 12 34 56"}
    )

    assert response.status_code == 302
    employer_client.user.refresh_from_db()
    assert employer_client.user.telephone == "0690 12 34 56"


def test_a_courriel_change_is_confirmed_by_a_link_sent_to_the_new_address(employer_client):
    response = employer_client.post(
        reverse("accounts:courriel_change"),
        {"courriel": "Gérard@Nouveau.fr", "courriel_confirm": "gerard@nouveau.fr", "current_password": PASSWORD},
        follow=True,
    )

    assert "Un courriel de confirmation a été envoyé à gerard@nouveau.fr" in response.content.decode()
    employer_client.user.refresh_from_db()
    assert employer_client.user.courriel == "gerard@ancien.fr"  # nothing changes before the confirmation
    notice = OutboxEmail.objects.get(to="gerard@ancien.fr")
    assert "gerard@nouveau.fr" in notice.body_text and "Si vous n'êtes pas à l'origine" in notice.body_text
    confirmation = OutboxEmail.objects.get(to="gerard@nouveau.fr")
    link = re.search(r"http://[^ ]+/mon-compte/courriel/confirmer/[^ \n]+/", delivered_text(confirmation)).group(0)
    path = urlsplit(link).path

    anonymous = Client()
    opened = anonymous.get(path)  # the token moves to the session, the page is at a URL without it
    assert opened.status_code == 302 and opened.url == CONFIRM_FORM
    assert "Confirmer mon nouveau courriel" in anonymous.get(CONFIRM_FORM).content.decode()  # a GET changes nothing
    employer_client.user.refresh_from_db()
    assert employer_client.user.courriel == "gerard@ancien.fr"
    anonymous.post(CONFIRM_FORM)

    employer_client.user.refresh_from_db()
    assert employer_client.user.courriel == "gerard@nouveau.fr"
    assert anonymous.get(path).status_code == 400  # a link is good once
    assert anonymous.post(CONFIRM_FORM).status_code == 400


def test_the_confirmation_page_names_the_address_it_confirms(employer_client):
    """« Confirmez-vous le changement du courriel ? » did not say which: the page now names the new address."""
    employer_client.post(
        reverse("accounts:courriel_change"),
        {"courriel": "gerard@nouveau.fr", "courriel_confirm": "gerard@nouveau.fr", "current_password": PASSWORD},
    )
    body = delivered_text(OutboxEmail.objects.get(to="gerard@nouveau.fr"))
    path = urlsplit(re.search(r"http://[^ ]+/mon-compte/courriel/confirmer/[^ \n]+/", body).group(0)).path
    employer_client.get(path)

    html = employer_client.get(CONFIRM_FORM).content.decode()

    assert "<strong>gerard@nouveau.fr</strong>" in html
    assert "gerard@ancien.fr" not in html.split("<main", 1)[1]


def test_a_courriel_change_link_expires_after_24_hours(employer_client):
    employer_client.post(
        reverse("accounts:courriel_change"),
        {"courriel": "gerard@nouveau.fr", "courriel_confirm": "gerard@nouveau.fr", "current_password": PASSWORD},
    )
    body = delivered_text(OutboxEmail.objects.get(to="gerard@nouveau.fr"))
    path = "/" + re.search(r"(mon-compte/courriel/confirmer/[^ \n]+/)", body).group(1)

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=25)):
        response = Client().post(path)

    assert response.status_code == 400
    assert (
        "Ce lien n&#x27;est pas valide" in response.content.decode()
        or "Ce lien n'est pas valide" in response.content.decode()
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"courriel": "a@b.fr", "courriel_confirm": "a@b.fr", "current_password": "faux"},
            "current_password",
            "Le mot de passe saisi est incorrect.",
        ),
        (
            {"courriel": "a@b.fr", "courriel_confirm": "c@b.fr", "current_password": PASSWORD},
            "courriel_confirm",
            "Les champs Courriel et Confirmer courriel ne sont pas identiques.",
        ),
        (
            {"courriel": "pas-un-courriel", "courriel_confirm": "pas-un-courriel", "current_password": PASSWORD},
            "courriel",
            "L'adresse électronique est invalide.",
        ),
    ],
)
def test_courriel_change_refusals(employer_client, data, field, message):
    response = employer_client.post(reverse("accounts:courriel_change"), data)

    assert response.context["form"].errors[field] == [message]
    assert OutboxEmail.objects.count() == 0


def test_the_courriel_of_another_account_is_refused(employer_client):
    UserFactory(courriel="pris@example.fr")

    response = employer_client.post(
        reverse("accounts:courriel_change"),
        {"courriel": "pris@example.fr", "courriel_confirm": "pris@example.fr", "current_password": PASSWORD},
    )

    assert response.context["form"].errors["courriel"] == ["Ce courriel est déjà celui d'un autre compte ASP."]


def test_changing_the_secret_question_asks_for_the_password(employer_client):
    url = reverse("accounts:secret_question_change")

    refused = employer_client.post(
        url, {"secret_question": "Q ?", "secret_answer": "Réponse", "current_password": "faux"}
    )
    employer_client.post(
        url,
        {
            "secret_question": "Quelle était la marque de votre première voiture ?",
            "secret_answer": "Clio",
            "current_password": PASSWORD,
        },
    )

    assert refused.context["form"].errors["current_password"] == ["Le mot de passe saisi est incorrect."]
    employer_client.user.refresh_from_db()
    assert employer_client.user.secret_question == "Quelle était la marque de votre première voiture ?"
    assert employer_client.user.check_secret_answer("CLIO")


def test_changing_the_password_keeps_this_session_and_ends_the_others(employer_client):
    other = Client()
    other.force_login(employer_client.user)

    response = employer_client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Nouveau;Passe2026", "new_password2": "Nouveau;Passe2026"},
        follow=True,
    )

    assert "Votre mot de passe a été changé" in response.content.decode()
    assert employer_client.get("/espace/").status_code == 200
    assert other.get("/espace/").status_code == 302
    assert OutboxEmail.objects.filter(kind="mot_de_passe_modifie").count() == 1


def test_a_staff_reset_clears_the_question_tells_the_user_and_is_journaled(employer_client):
    staff = UserFactory(staff=True)

    user_secret_question_reset(user=employer_client.user, by=staff)

    user = User.objects.get(pk=employer_client.user.pk)
    assert user.secret_question == "" and user.secret_answer_hash == "" and user.must_set_secret_question
    assert not user.check_secret_answer("Rex")  # the old answer no longer works
    email = OutboxEmail.objects.get(kind="question_secrete_reinitialisee")
    assert email.to == "gerard@ancien.fr"
    assert "a réinitialisé la question secrète du compte gerard.menuca" in email.body_text
    action = StaffAction.objects.get()
    assert action.action == StaffActionKind.SECRET_QUESTION_RESET
    assert action.actor == staff and action.target_user == user
    assert "gerard.menuca" in action.summary


def test_a_clear_without_staff_sends_nothing_and_journals_nothing(employer_client):
    user_secret_question_clear(user=employer_client.user)

    user = User.objects.get(pk=employer_client.user.pk)
    assert user.secret_question == "" and user.must_set_secret_question
    assert not OutboxEmail.objects.exists()
    assert not StaffAction.objects.exists()


def test_after_a_staff_reset_the_user_chooses_a_new_secret_question_first(employer_client):
    user_secret_question_reset(user=employer_client.user, by=UserFactory(staff=True))
    url = reverse("accounts:secret_question_change")

    assert employer_client.get("/espace/").url == url
    assert "réinitialisée par l&#x27;assistance" in employer_client.get(url).content.decode().replace("'", "&#x27;")
    employer_client.post(
        url,
        {
            "secret_question": "Dans quelle rue avez-vous grandi ?",
            "secret_answer": "Croix-Rousse",
            "current_password": PASSWORD,
        },
    )

    employer_client.user.refresh_from_db()
    assert employer_client.user.must_set_secret_question is False
    assert employer_client.user.check_secret_answer("croix-rousse")
    assert employer_client.get("/espace/").status_code == 200


# --- The listed secret questions -----------------------------------------------------------------------------

LISTED = "Quel est le prénom de votre grand-mère maternelle ?"


def select_options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, f"pas de liste déroulante {name}"
    return [html_unescape(value) for value in re.findall(r'<option value="([^"]+)"', select.group(1))]


def html_unescape(value: str) -> str:
    import html

    return html.unescape(value)


def test_the_secret_question_is_chosen_in_a_list_of_about_ten(employer_client):
    url = reverse("accounts:secret_question_change")
    html = employer_client.get(url).content.decode()

    options = select_options(html, "secret_question")
    assert 8 <= len(options) <= 12 and len(set(options)) == len(options)
    assert "Quelle est votre ville de naissance ?" in options  # the demo's expert-comptable keeps hers
    assert '<label class="fr-label" for="id_secret_question">Question secrète* :</label>' in html

    refused = employer_client.post(
        url, {"secret_question": "Ma question à moi ?", "secret_answer": "Réponse", "current_password": PASSWORD}
    )
    employer_client.post(url, {"secret_question": LISTED, "secret_answer": "Germaine", "current_password": PASSWORD})

    assert refused.context["form"].errors["secret_question"] == ["Choisissez une des questions de la liste."]
    employer_client.user.refresh_from_db()
    assert employer_client.user.secret_question == LISTED and employer_client.user.check_secret_answer("germaine")


def _flag_unlisted():
    """The data migration's function, run on the test database."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0008_flag_unlisted_secret_questions")
    migration.flag_unlisted(apps, None)


def test_an_old_free_text_question_is_replaced_by_a_listed_one_at_the_next_login(employer_client):
    User.objects.filter(pk=employer_client.user.pk).update(secret_question="Cylindrée de ma moto ?")
    listed = UserFactory(secret_question=LISTED)
    without = UserFactory(secret_question="")

    _flag_unlisted()

    assert User.objects.get(pk=employer_client.user.pk).must_set_secret_question
    assert not User.objects.get(pk=listed.pk).must_set_secret_question
    assert not User.objects.get(pk=without.pk).must_set_secret_question
    url = reverse("accounts:secret_question_change")
    assert employer_client.get("/espace/").url == url
    html = employer_client.get(url).content.decode()
    assert "Les questions secrètes se choisissent désormais dans une liste" in html.replace("&#x27;", "'")
    assert "Cylindrée de ma moto ?" not in html and LISTED in select_options(html, "secret_question")

    employer_client.post(url, {"secret_question": LISTED, "secret_answer": "Germaine", "current_password": PASSWORD})

    user = User.objects.get(pk=employer_client.user.pk)
    assert user.secret_question == LISTED and not user.must_set_secret_question
    assert employer_client.get("/espace/").status_code == 200
