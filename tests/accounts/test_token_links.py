"""Token links and the current password of "Mon compte": one-time courriel-change tokens (no replay after A→B→A),
tokens moved out of the URL into the session, and the current password throttled as the login is."""

import datetime
import hashlib
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from accounts.models import CourrielChangeToken, User
from apart.outbox.models import OutboxEmail
from tests.factories import HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-de-passe-2026;"
CHANGE = reverse("accounts:courriel_change")
CONFIRM_FORM = reverse("accounts:courriel_confirm_form")
INVALID_COURRIEL_LINK = "Ce lien n'est pas valide : il a expiré (24 heures), a déjà servi"
IP = "203.0.113.7"


@pytest.fixture
def employer_client(client):
    user = UserFactory(identifiant="gerard.menuca", courriel="gerard@ancien.fr")
    HabilitationFactory(user=user)
    client.force_login(user)
    client.user = user
    return client


def request_change(client, courriel: str) -> str:
    """Ask for a new courriel from "Mon compte"; returns the path of the link e-mailed to it."""
    response = client.post(
        CHANGE, {"courriel": courriel, "courriel_confirm": courriel, "current_password": PASSWORD}, REMOTE_ADDR=IP
    )
    assert response.status_code == 302, response.content.decode()
    body = delivered_body(OutboxEmail.objects.filter(kind="courriel_confirmation", to=courriel).latest("id"))
    return urlsplit(re.search(r"http://\S+/mon-compte/courriel/confirmer/\S+/", body).group(0)).path


def delivered_body(email) -> str:
    """The text the recipient gets (links filled in, should the outbox row hold placeholders): sent now."""
    from django.core import mail

    from apart.outbox.services import outbox_email_send

    def find():
        return next((m for m in mail.outbox if m.extra_headers.get("X-APART-Outbox-Id") == str(email.pk)), None)

    if find() is None:
        outbox_email_send(email_id=email.pk)
    return find().body


def confirm(path: str):
    """Open the link in a fresh browser and press « Confirmer mon nouveau courriel »."""
    browser = Client()
    opened = browser.get(path)
    if opened.status_code != 302:
        return opened
    return browser.post(CONFIRM_FORM)


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def courriel_of(user) -> str:
    return User.objects.get(pk=user.pk).courriel


# --- One-time courriel-change links -------------------------------------------------------------


def test_a_courriel_link_works_once_only(employer_client):
    path = request_change(employer_client, "gerard@nouveau.fr")

    assert confirm(path).status_code == 302
    assert courriel_of(employer_client.user) == "gerard@nouveau.fr"
    again = confirm(path)

    assert again.status_code == 400
    assert INVALID_COURRIEL_LINK in text(again)
    row = CourrielChangeToken.objects.get()
    assert row.used_at is not None


def test_after_a_to_b_to_a_the_first_link_no_longer_works(employer_client):
    first = request_change(employer_client, "gerard@nouveau.fr")
    assert confirm(first).status_code == 302  # A → B
    second = request_change(employer_client, "gerard@ancien.fr")
    assert confirm(second).status_code == 302  # B → A
    assert courriel_of(employer_client.user) == "gerard@ancien.fr"

    replay = confirm(first)

    assert replay.status_code == 400
    assert INVALID_COURRIEL_LINK in text(replay)
    assert courriel_of(employer_client.user) == "gerard@ancien.fr"


def test_a_new_request_voids_the_older_links(employer_client):
    first = request_change(employer_client, "gerard@nouveau.fr")
    second = request_change(employer_client, "gerard@autre.fr")

    assert confirm(first).status_code == 400
    assert courriel_of(employer_client.user) == "gerard@ancien.fr"
    assert confirm(second).status_code == 302
    assert courriel_of(employer_client.user) == "gerard@autre.fr"
    assert list(CourrielChangeToken.objects.order_by("created_at").values_list("voided_reason", flat=True)) == [
        "superseded",
        "",
    ]


def test_the_courriel_token_is_random_and_stored_only_as_a_hash(employer_client):
    path = request_change(employer_client, "gerard@nouveau.fr")
    token = path.rstrip("/").rsplit("/", 1)[1]

    row = CourrielChangeToken.objects.get()

    assert len(token) >= 43
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.new_courriel == "gerard@nouveau.fr" and row.old_courriel == "gerard@ancien.fr"
    assert abs(row.expires_at - row.created_at - datetime.timedelta(hours=24)) < datetime.timedelta(seconds=1)


def test_a_courriel_link_expires_after_24_hours(employer_client):
    path = request_change(employer_client, "gerard@nouveau.fr")

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=25)):
        response = confirm(path)

    assert response.status_code == 400
    assert courriel_of(employer_client.user) == "gerard@ancien.fr"


# --- Tokens leave the URL: the link redirects to a clean URL, the page works from the session ------------


def test_the_courriel_link_moves_its_token_to_the_session_and_redirects(employer_client):
    path = request_change(employer_client, "gerard@nouveau.fr")
    token = path.rstrip("/").rsplit("/", 1)[1]
    browser = Client()

    response = browser.get(path)

    assert response.status_code == 302
    assert response.url == CONFIRM_FORM == "/mon-compte/courriel/confirmer/"
    assert token not in response.url
    assert "Confirmer mon nouveau courriel" in browser.get(CONFIRM_FORM).content.decode()
    assert courriel_of(employer_client.user) == "gerard@ancien.fr"  # a GET changes nothing
    assert browser.post(CONFIRM_FORM).status_code == 302
    assert courriel_of(employer_client.user) == "gerard@nouveau.fr"


def test_the_clean_courriel_url_without_a_token_in_the_session_says_the_link_is_invalid(client):
    for response in (client.get(CONFIRM_FORM), client.post(CONFIRM_FORM)):
        assert response.status_code == 400
        assert INVALID_COURRIEL_LINK in text(response)


def test_the_password_reset_link_moves_its_token_to_the_session_and_redirects(client):
    from accounts.recovery import _password_reset_link_send

    user = UserFactory(identifiant="gerard.menuca", courriel="gerard@example.fr")
    _password_reset_link_send(user=user)
    body = delivered_body(OutboxEmail.objects.get(kind="reinitialisation_mot_de_passe"))
    path = urlsplit(re.search(r"http://\S+", body).group(0)).path
    token = path.rstrip("/").rsplit("/", 1)[1]
    reset_form = reverse("accounts:password_reset_form")

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == reset_form == "/mot-de-passe/reinitialiser/"
    assert token not in response.url
    page = client.get(reset_form)
    assert "Vous devez indiquer votre nouveau mot de passe" in page.content.decode()
    done = client.post(reset_form, {"new_password1": "Nouveau;Passe2026", "new_password2": "Nouveau;Passe2026"})
    assert "Votre mot de passe a été changé" in done.content.decode()
    assert User.objects.get(pk=user.pk).check_password("Nouveau;Passe2026")
    assert client.get(reset_form).status_code == 400  # the token left the session once used


def test_the_clean_reset_url_without_a_token_in_the_session_says_the_token_is_invalid(client):
    response = client.get(reverse("accounts:password_reset_form"))

    assert response.status_code == 400
    assert "Le jeton n'est pas valide" in text(response)


# --- The current password of "Mon compte", throttled as the login is ------------------------------

PAGES = {
    "courriel": (
        "accounts:courriel_change",
        {"courriel": "a@b.fr", "courriel_confirm": "a@b.fr"},
        "current_password",
    ),
    "question secrète": (
        "accounts:secret_question_change",
        {"secret_question": "Ma ville ?", "secret_answer": "Lyon"},
        "current_password",
    ),
    "mot de passe": (
        "accounts:password_change",
        {"new_password1": "Nouveau;Passe2026", "new_password2": "Nouveau;Passe2026"},
        "old_password",
    ),
}


def post_page(client, page, password, ip=IP):
    url_name, data, field = PAGES[page]
    return client.post(reverse(url_name), {**data, field: password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("page", PAGES)
def test_five_wrong_current_passwords_lock_the_account_from_that_ip_for_15_minutes(employer_client, page):
    for _ in range(4):
        response = post_page(employer_client, page, "mauvais")
        assert response.status_code == 200

    locked = post_page(employer_client, page, "mauvais")

    assert locked.status_code == 429
    html = text(locked)
    assert "Connexion temporairement bloquée" in html
    assert "Trop de tentatives de connexion ont échoué" in html and "pendant encore 15 minutes" in html
    refused = post_page(employer_client, page, PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert employer_client.get(reverse(PAGES[page][0]), REMOTE_ADDR=IP).status_code == 429
    user = User.objects.get(pk=employer_client.user.pk)
    assert user.courriel == "gerard@ancien.fr" and user.secret_question != "Ma ville ?"
    assert user.check_password(PASSWORD)
    # The /connexion/ page says the same for that account from that IP: one count, one policy.
    login = Client().post(reverse("espace:login"), {"username": "gerard.menuca", "password": PASSWORD}, REMOTE_ADDR=IP)
    assert login.status_code == 429
    # The attempts recorded never hold the passwords typed.
    assert "mauvais" not in "".join(AccessAttempt.objects.values_list("post_data", flat=True))


def test_the_current_password_lockout_ends_after_15_minutes_and_is_per_ip(employer_client):
    for _ in range(5):
        post_page(employer_client, "courriel", "mauvais")

    assert post_page(employer_client, "courriel", PASSWORD, ip="198.51.100.9").status_code == 302  # elsewhere
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=16)):
        assert post_page(employer_client, "courriel", PASSWORD).status_code == 302


def test_wrong_passwords_spread_over_the_pages_add_up(employer_client):
    post_page(employer_client, "courriel", "mauvais")
    post_page(employer_client, "question secrète", "mauvais")
    post_page(employer_client, "mot de passe", "mauvais")
    post_page(employer_client, "courriel", "mauvais")

    assert post_page(employer_client, "mot de passe", "mauvais").status_code == 429


def test_other_refusals_do_not_count(employer_client):
    for _ in range(6):
        response = employer_client.post(
            CHANGE,
            {"courriel": "a@b.fr", "courriel_confirm": "c@b.fr", "current_password": PASSWORD},
            REMOTE_ADDR=IP,
        )
        assert response.status_code == 200

    assert not AccessAttempt.objects.exists()


def test_a_link_signed_before_the_one_time_tokens_works_once_then_never(employer_client):
    """E-mails already sent carry signed links: they still work (redirecting), once, for their 24 hours."""
    from django.core import signing

    user = employer_client.user
    token = signing.dumps(
        {"user": user.pk, "from": "gerard@ancien.fr", "to": "gerard@nouveau.fr"}, salt="apart.accounts.courriel-change"
    )
    path = reverse("accounts:courriel_confirm", args=[token])

    assert Client().get(path).url == CONFIRM_FORM
    assert confirm(path).status_code == 302
    assert courriel_of(user) == "gerard@nouveau.fr"
    back = request_change(employer_client, "gerard@ancien.fr")
    assert confirm(back).status_code == 302  # B → A

    assert confirm(path).status_code == 400  # A → B → A: no replay
    assert courriel_of(user) == "gerard@ancien.fr"


def test_the_pages_behind_a_token_link_are_never_stored(employer_client):
    """The page a link leads to is as private as the space (a form that acts for the account): no copy
    in the browser's history cache nor in a proxy, like the password reset page."""
    browser = Client()
    link = browser.get(request_change(employer_client, "gerard@nouveau.fr"))
    page = browser.get(CONFIRM_FORM)

    for response in (link, page):
        assert "no-store" in response.get("Cache-Control", ""), response.request["PATH_INFO"]
    assert "Confirmer mon nouveau courriel" in text(page)
