"""Credential recovery: J'ai oublié mon mot de passe / mon identifiant, and the abuse cases."""

import contextlib
import datetime
import html
import itertools
import re
import threading
from unittest import mock
from urllib.parse import urlsplit

import pytest
import time_machine
from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordResetToken, RecoveryEvent, RecoveryEventKind, User
from accounts.recovery import Challenge, RecoveryLocked, recovery_answer, recovery_start
from apart.captcha import OPERATION_INVALID
from apart.forms import REQUIRED
from apart.outbox.models import OutboxEmail
from tests.factories import HabilitationFactory, UserFactory, delivered_text, two_factor_login

pytestmark = pytest.mark.django_db

PASSWORD_STEP1 = reverse("accounts:forgotten_password")
PASSWORD_QUESTION = reverse("accounts:forgotten_password_question")
IDENTIFIANT_STEP1 = reverse("accounts:forgotten_identifiant")
IDENTIFIANT_QUESTION = reverse("accounts:forgotten_identifiant_question")
NEW = "Nouveau;Passe2026"
RESET_FORM = reverse("accounts:password_reset_form")
OPERATION_LABEL = re.compile(r"Veuillez résoudre l'opération suivante : (\d) \+ (\d) =")  # the whole label


@pytest.fixture(autouse=True)
def _captcha(captcha_test_mode):
    cache.clear()  # rate-limit counters
    return captcha_test_mode


@pytest.fixture
def user():
    account = UserFactory(
        identifiant="gerard.menuca1",
        courriel="gerard@example.fr",
        secret_question="Quelle était la marque de votre première voiture ?",
    )
    account.set_secret_answer("Cylindrée")
    account.save()
    HabilitationFactory(user=account)
    return account


def ask_password(client, identifiant="gerard.menuca1", **extra):
    return client.post(PASSWORD_STEP1, {"identifiant": identifiant, "captcha_0": "x", "captcha_1": "PASSED"}, **extra)


def ask_identifiant(client, courriel="gerard@example.fr", **extra):
    return client.post(IDENTIFIANT_STEP1, {"courriel": courriel, "captcha_0": "x", "captcha_1": "PASSED"}, **extra)


def reset_link(to="gerard@example.fr"):
    email = OutboxEmail.objects.filter(kind="reinitialisation_mot_de_passe", to=to).latest("id")
    return urlsplit(re.search(r"http://\S+", delivered_text(email)).group(0)).path


def request_link(client):
    ask_password(client)
    client.post(PASSWORD_QUESTION, {"answer": "cylindree"})
    return reset_link()


def reset(client, path, password=NEW, confirmation=None):
    """The reset page: the new password and its confirmation, nothing else (no captcha).

    The link moves its token to the session and redirects to the form's URL, without it; a refused link is
    answered at once."""
    opened = client.get(path)
    if opened.status_code != 302:
        return opened
    assert opened.url == RESET_FORM
    return client.post(RESET_FORM, {"new_password1": password, "new_password2": confirmation or password})


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, auto_id) -> list[str]:
    """The messages shown next to a field: one <p class="fr-error-text"> each, in its `<auto_id>-error` block."""
    block = re.search(rf'<div id="{auto_id}-error">(.*?)</div>', response.content.decode(), re.S)
    if block is None:
        return []
    return [html.unescape(message) for message in re.findall(r'<p class="fr-error-text">(.*?)</p>', block.group(1))]


def error_summary(response) -> list[str]:
    """The lines of the alert at the top of the reset page, tags removed."""
    alert = re.search(
        r'<div class="fr-alert fr-alert--error[^"]*" role="alert">(.*?)</div>', response.content.decode(), re.S
    )
    if alert is None:
        return []
    return [html.unescape(re.sub(r"<[^>]+>", "", item)) for item in re.findall(r"<li>(.*?)</li>", alert.group(1), re.S)]


def operation(response) -> tuple[str, int, str]:
    """What a person reads in the label (« 8 + 4 = »), its sum, and the key of the form's hidden field."""
    label = re.search(r'<label class="fr-label" for="id_captcha_1">(.*?)</label>', response.content.decode()).group(1)
    first, second = OPERATION_LABEL.fullmatch(html.unescape(label)).groups()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', response.content.decode()).group(1)
    return f"{first} + {second} =", int(first) + int(second), key


# --- J'ai oublié mon mot de passe ---------------------------------------------------------------


def test_the_whole_password_flow(client, user):
    assert ask_password(client).url == PASSWORD_QUESTION
    question = client.get(PASSWORD_QUESTION)
    assert "Quelle était la marque de votre première voiture ?" in question.content.decode()

    sent = client.post(PASSWORD_QUESTION, {"answer": "  CYLINDREE "}, follow=True)

    html = sent.content.decode()
    assert "Un mail de confirmation a été envoyé" in html
    assert "La procédure est valable 60 min, il faut donc être disponible et vérifier dans les spams." in html
    email = OutboxEmail.objects.get(kind="reinitialisation_mot_de_passe")
    assert email.subject == "Réinitialisation de votre mot de passe"
    assert email.to == "gerard@example.fr"
    assert "Cliquez ici pour réinitialiser votre mot de passe : http://" in delivered_text(email)
    assert "Si vous n'êtes pas à l'origine de cette demande, merci de l'ignorer." in email.body_text
    assert "Agence de Services et de Paiement (ASP)" in email.body_text
    assert "INFORMATIONS CONFIDENTIELLES" in email.body_text

    path = reset_link()
    page = client.get(path, follow=True).content.decode()
    for text in [
        "Vous devez indiquer votre nouveau mot de passe",
        "Le jeton envoyé par mail vous permet de réinitialiser votre mot de passe. Pour recevoir un nouveau jeton,",
        "Nombre minimum de caractères : 8",
        "Nombre minimum de majuscules : 1",
        "Votre nouveau mot de passe ne doit pas être identique à votre identifiant",
        'value="gerard@example.fr" readonly',
        "Nouveau mot de passe",
        "Confirmation",
    ]:
        assert text in page, text

    done = reset(client, path)

    assert "Votre mot de passe a été changé" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert OutboxEmail.objects.filter(kind="mot_de_passe_modifie", to="gerard@example.fr").count() == 1
    kinds = set(RecoveryEvent.objects.values_list("kind", flat=True))
    assert {
        RecoveryEventKind.PASSWORD_ASKED,
        RecoveryEventKind.RESET_EMAIL_SENT,
        RecoveryEventKind.PASSWORD_CHANGED,
    } <= kinds


def test_the_token_is_random_long_and_stored_only_as_a_hash(client, user):
    path = request_link(client)
    token = path.rstrip("/").rsplit("/", 1)[-1]

    assert len(token) >= 43  # 32 random bytes, url-safe base64
    row = PasswordResetToken.objects.get()
    assert token not in row.token_hash and len(row.token_hash) == 64


def test_an_email_address_instead_of_an_identifiant(client, user):
    response = ask_password(client, identifiant="gerard@example.fr")

    assert field_errors(response, "id_identifiant") == ["Opération impossible pour ce type d'utilisateur"]
    assert (
        "Entrez votre identifiant pour réinitialiser votre mot de passe. Cliquez ensuite sur le lien transmis par mail."
        in page_text(response)
    )
    assert RecoveryEvent.objects.count() == 0


def test_a_wrong_answer(client, user):
    ask_password(client)

    response = client.post(PASSWORD_QUESTION, {"answer": "Scooter"})

    assert response.context["form"].errors["answer"] == ["Votre réponse est incorrecte"]
    assert OutboxEmail.objects.count() == 0


STEP1 = {
    "password": (PASSWORD_STEP1, {"identifiant": "gerard.menuca1"}, PASSWORD_QUESTION),
    "identifiant": (IDENTIFIANT_STEP1, {"courriel": "gerard@example.fr"}, IDENTIFIANT_QUESTION),
}


@pytest.mark.parametrize("flow", ["password", "identifiant"])
def test_the_operation_is_text_in_the_label_and_its_sum_is_checked_by_the_server(client, user, captcha_test_mode, flow):
    captcha_test_mode(False)
    url, data, question = STEP1[flow]
    page = client.get(url)
    challenge, total, key = operation(page)

    assert CaptchaStore.objects.get(hashkey=key).challenge == challenge  # the label shows the stored operation
    form = re.search(r"<form method=\"post\".*?</form>", page.content.decode(), re.S).group(0)
    assert "<img" not in form and "captcha/image" not in form  # text, no image
    response = client.post(url, {**data, "captcha_0": key, "captcha_1": str(total)})

    assert response.status_code == 302 and response.url == question
    assert not CaptchaStore.objects.filter(hashkey=key).exists()  # an operation serves once
    replayed = client.post(url, {**data, "captcha_0": key, "captcha_1": str(total)})
    assert field_errors(replayed, "id_captcha") == [OPERATION_INVALID]


@pytest.mark.parametrize("flow", ["password", "identifiant"])
def test_a_wrong_result_is_said_next_to_the_field_with_a_new_operation(
    client, user, captcha_test_mode, monkeypatch, flow
):
    captcha_test_mode(False)
    drawn = itertools.cycle([("2 + 3 =", "5"), ("4 + 4 =", "8")])
    monkeypatch.setattr("apart.captcha.addition_challenge", lambda: next(drawn))
    url, data, _question = STEP1[flow]
    challenge, total, key = operation(client.get(url))
    assert challenge == "2 + 3 ="

    response = client.post(url, {**data, "captcha_0": key, "captcha_1": str(total + 1)})

    assert response.status_code == 200
    assert field_errors(response, "id_captcha") == [
        "Le résultat de l'opération est incorrect. Une nouvelle opération vous est proposée : résolvez-la."
    ]
    assert 'aria-describedby="id_captcha-error"' in response.content.decode()
    new_challenge, new_total, new_key = operation(response)
    assert new_challenge == "4 + 4 =" and new_key != key
    assert CaptchaStore.objects.get(hashkey=new_key).challenge == new_challenge
    assert not CaptchaStore.objects.filter(hashkey=key).exists()  # the failed one cannot be tried again
    assert RecoveryEvent.objects.count() == 0
    assert client.post(url, {**data, "captcha_0": new_key, "captcha_1": str(new_total)}).status_code == 302


def test_the_reset_page_asks_no_captcha(client, user, captcha_test_mode):
    path = request_link(client)
    captcha_test_mode(False)  # no word PASSED can help: there is nothing to solve

    page = client.get(path, follow=True).content.decode()
    done = reset(client, path)

    assert "captcha" not in page
    assert "opération suivante" not in page and "Recopier le code" not in page
    assert "Votre mot de passe a été changé" in page_text(done)
    user.refresh_from_db()
    assert user.check_password(NEW)


@pytest.mark.parametrize(
    ("password", "confirmation", "auto_id", "label", "message"),
    [
        (
            "nouveau;passe2026",
            None,
            "id_new_password1",
            "Nouveau mot de passe",
            "Votre mot de passe n'a pas assez de majuscules",
        ),
        ("Court;1", None, "id_new_password1", "Nouveau mot de passe", "Votre mot de passe est trop court"),
        (
            "NOUVEAU;PASSE2026",
            None,
            "id_new_password1",
            "Nouveau mot de passe",
            "Votre mot de passe n'a pas assez de minuscules",
        ),
        (
            "Nouveau;Passe",
            None,
            "id_new_password1",
            "Nouveau mot de passe",
            "Votre mot de passe n'a pas assez de chiffres",
        ),
        (
            "NouveauPasse2026",
            None,
            "id_new_password1",
            "Nouveau mot de passe",
            "Votre mot de passe n'a pas assez de caractères spéciaux",
        ),
        (
            "Gerard.Menuca1",
            None,
            "id_new_password1",
            "Nouveau mot de passe",
            "Votre mot de passe est identique à votre identifiant",
        ),
        (NEW, NEW + "x", "id_new_password2", "Confirmation", "Les mots de passe ne correspondent pas"),
    ],
)
def test_reset_page_errors_are_next_to_their_field_and_named_in_the_summary(
    client, user, password, confirmation, auto_id, label, message
):
    path = request_link(client)

    response = reset(client, path, password, confirmation)

    assert field_errors(response, auto_id) == [message]
    assert f'aria-describedby="{auto_id}-error"' in response.content.decode()
    assert error_summary(response) == [f"{label} : {message}"]
    user.refresh_from_db()
    assert not user.check_password(password)


def test_a_password_breaking_three_rules_gets_three_messages_each_on_its_own_line(client, user):
    path = request_link(client)

    response = reset(client, path, "canalboulange")  # no upper-case letter, no digit, no special character

    expected = [
        "Votre mot de passe n'a pas assez de majuscules",
        "Votre mot de passe n'a pas assez de chiffres",
        "Votre mot de passe n'a pas assez de caractères spéciaux",
    ]
    assert field_errors(response, "id_new_password1") == expected  # one paragraph per rule
    assert error_summary(response) == [f"Nouveau mot de passe : {message}" for message in expected]
    assert field_errors(response, "id_new_password2") == []


def test_an_empty_reset_form_names_each_missing_field(client, user):
    path = request_link(client)

    client.get(path)
    response = client.post(RESET_FORM, {"new_password1": "", "new_password2": ""})

    assert field_errors(response, "id_new_password1") == [REQUIRED]
    assert field_errors(response, "id_new_password2") == [REQUIRED]
    assert error_summary(response) == [f"Nouveau mot de passe : {REQUIRED}", f"Confirmation : {REQUIRED}"]
    # Nowhere else: never a bare « Ce champ est obligatoire. » that names no field.
    assert page_text(response).count(REQUIRED) == 4


def test_the_token_at_59_and_61_minutes(client, user):
    path = request_link(client)
    issued = timezone.now()

    with time_machine.travel(issued + datetime.timedelta(minutes=59)):
        assert client.get(path, follow=True).status_code == 200
    with time_machine.travel(issued + datetime.timedelta(minutes=61)):
        expired = client.get(path)
        refused = reset(client, path)

    assert expired.status_code == 410
    assert "le lien a expiré (il est valable 60 minutes)" in expired.content.decode()
    assert refused.status_code == 410
    user.refresh_from_db()
    assert not user.check_password(NEW)


def test_a_token_serves_once(client, user):
    path = request_link(client)
    reset(client, path)

    again = client.get(path)

    assert again.status_code == 410
    assert "ce lien a déjà servi" in again.content.decode()


def test_a_newer_token_voids_the_older_one(client, user):
    first = request_link(client)
    second = request_link(client)

    assert "un lien plus récent vous a été envoyé" in client.get(first).content.decode()
    assert client.get(second, follow=True).status_code == 200


def test_a_password_change_voids_the_token(client, user):
    path = request_link(client)
    from accounts.services import user_password_change

    user_password_change(user=user, new_password="Autre;Passe2026")

    response = client.get(path)

    assert response.status_code == 410
    assert "le mot de passe a été changé depuis son envoi" in response.content.decode()


NEW_LINK = re.compile(r'<a[^>]*href="/mot-de-passe-oublie/"[^>]*>(.*?)</a>', re.S)


def test_the_link_to_a_new_token_says_where_it_goes(client, user):
    """RGAA 6.1: « cliquez ici » (the extranet's words, kept in sight) is named for a screen reader by what it does."""
    form = client.get(request_link(client), follow=True)
    unknown = client.get(reverse("accounts:password_reset", args=["inconnu"]))

    for page in (form, unknown):
        (text,) = NEW_LINK.findall(page.content.decode())
        assert html.unescape(re.sub(r"<[^>]+>", "", text)) == (
            "cliquez ici : demander un nouveau lien de réinitialisation"
        )


def test_an_unknown_token(client):
    response = client.get(reverse("accounts:password_reset", args=["inconnu"]))

    assert response.status_code == 400
    assert (
        "Le jeton n&#x27;est pas valide" in response.content.decode()
        or "Le jeton n'est pas valide" in response.content.decode()
    )
    assert reverse("accounts:forgotten_password") in response.content.decode()


def test_a_reset_clears_the_first_connection_lifts_the_lockout_and_ends_sessions(client, user):
    user.must_change_password = True
    user.save()
    other = Client()
    other.force_login(user)
    for _ in range(5):
        Client().post(reverse("espace:login"), {"username": "gerard.menuca1", "password": "faux"})
    assert AccessAttempt.objects.filter(username="gerard.menuca1").exists()

    reset(client, request_link(client))

    user.refresh_from_db()
    assert user.must_change_password is False
    assert not AccessAttempt.objects.filter(username="gerard.menuca1").exists()
    assert other.get("/espace/").status_code == 302
    login = Client().post(reverse("espace:login"), {"username": "gerard.menuca1", "password": NEW})
    assert login.url == "/espace/"


# --- J'ai oublié mon identifiant ----------------------------------------------------------------


def test_the_whole_identifiant_flow(client, user):
    step1 = page_text(client.get(IDENTIFIANT_STEP1))
    assert "Continuer" in step1
    assert (
        "Si vous avez oublié vos questions et réponses secrètes, alors il vous est impossible de récupérer votre "
        "identifiant. Vous devez contacter l'Assistance." in step1
    )
    assert "/besoin-d-aide/assistance/?motif=habilitation" in step1

    assert ask_identifiant(client, courriel="Gérard@Example.fr").url == IDENTIFIANT_QUESTION
    question = client.get(IDENTIFIANT_QUESTION).content.decode()
    assert (
        "Question secrète" in question
        and "Quelle était la marque de votre première voiture ?" in question
        and "Valider" in question
    )
    sent = client.post(IDENTIFIANT_QUESTION, {"answer": "cylindrée"}, follow=True)

    assert "Un courriel contenant votre identifiant de connexion vous a été envoyé." in sent.content.decode()
    email = OutboxEmail.objects.get(kind="identifiant")
    assert email.subject == "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)"
    assert email.to == "gerard@example.fr"
    # French typography: a comma after the name, a space before the colon.
    assert email.body_text.startswith("Bonjour Gérard Menuça,\n")
    assert "Voici votre identifiant de connexion :\n\ngerard.menuca1\n" in email.body_text


HEADINGS = {
    "password": ("GESTION DU MOT DE PASSE", "J'ai oublié mon mot de passe", "votre mot de passe"),
    "identifiant": ("GESTION DE L'IDENTIFIANT", "J'ai oublié mon identifiant", "votre identifiant"),
}


def headings(response, level) -> list[str]:
    found = re.findall(rf"<h{level}\b[^>]*>(.*?)</h{level}>", response.content.decode(), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", heading)).strip() for heading in found]


@pytest.mark.parametrize("flow", ["password", "identifiant"])
def test_each_flow_keeps_its_headings_on_every_step(client, user, flow):
    h1, h2, _what = HEADINGS[flow]
    url, data, question = STEP1[flow]
    sent = reverse(f"accounts:forgotten_{flow}_sent")

    pages = {"étape 1": client.get(url)}
    client.post(url, {**data, "captcha_0": "x", "captcha_1": "PASSED"})
    pages["question"] = client.get(question)
    pages["envoyé"] = client.post(question, {"answer": "Cylindrée"}, follow=True)

    assert pages["envoyé"].redirect_chain == [(sent, 302)]
    for name, response in pages.items():
        assert headings(response, 1) == [h1], name
        assert headings(response, 2)[:1] == [h2], name


@pytest.mark.parametrize("flow", ["password", "identifiant"])
def test_the_question_page_says_what_cannot_be_recovered_without_the_answer(client, user, flow):
    _h1, _h2, what = HEADINGS[flow]
    other = HEADINGS["identifiant" if flow == "password" else "password"][2]
    url, data, question = STEP1[flow]
    client.post(url, {**data, "captcha_0": "x", "captcha_1": "PASSED"})

    text = page_text(client.get(question))

    assert f"alors il vous est impossible de récupérer {what}. Vous devez contacter l'Assistance." in text
    assert f"impossible de récupérer {other}" not in text


def test_the_reset_pages_keep_the_password_flow_headings(client, user):
    path = request_link(client)

    pages = [client.get(path, follow=True), reset(client, path, "faible"), reset(client, path), client.get(path)]

    assert [response.status_code for response in pages] == [200, 200, 200, 410]
    for response in pages:
        assert headings(response, 1) == ["GESTION DU MOT DE PASSE"]
        assert headings(response, 2)[:1] == ["J'ai oublié mon mot de passe"]


# --- What unknown entries reveal ----------------------------------------------------------------


def test_an_unknown_identifiant_gets_a_steady_decoy_question_and_every_answer_fails(client, user):
    ask_password(client, identifiant="personne.inconnue")
    first = client.get(PASSWORD_QUESTION).context["question"]
    ask_password(client, identifiant="personne.inconnue")
    second = client.get(PASSWORD_QUESTION).context["question"]

    response = client.post(PASSWORD_QUESTION, {"answer": "Rex"})

    assert first == second and first.endswith("?")
    assert response.context["form"].errors["answer"] == ["Votre réponse est incorrecte"]
    assert OutboxEmail.objects.count() == 0


def test_an_unknown_courriel_behaves_like_a_known_one(client, user):
    known = ask_identifiant(client)
    unknown = ask_identifiant(client, courriel="personne@example.fr")

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == IDENTIFIANT_QUESTION


@pytest.mark.parametrize("flow", ["password", "identifiant"])
def test_a_known_and_an_unknown_account_both_hash_the_answer(client, user, flow):
    """The delay of step 2 must not tell a real account (one hash) from an unknown one (none, before)."""
    ask, question = (ask_password, PASSWORD_QUESTION) if flow == "password" else (ask_identifiant, IDENTIFIANT_QUESTION)
    unknown = "personne.inconnue" if flow == "password" else "personne@example.fr"
    calls = {}
    for who, typed in (("known", None), ("unknown", unknown)):
        ask(client, *([typed] if typed else []))
        with mock.patch("accounts.credentials.check_password", wraps=check_password) as hasher:
            response = client.post(question, {"answer": "faux"})
        assert response.context["form"].errors["answer"] == ["Votre réponse est incorrecte"]
        calls[who] = hasher.call_count

    assert calls == {"known": 1, "unknown": 1}


def _question_page(client, flow, typed) -> tuple[str, str]:
    """The question shown for `typed`, and the page with that question blanked (and its CSRF token removed)."""
    ask, url = (ask_password, PASSWORD_QUESTION) if flow == "password" else (ask_identifiant, IDENTIFIANT_QUESTION)
    ask(client, typed)
    response = client.get(url)
    question = response.context["question"]
    page = response.content.decode().replace(html.escape(question), "QUESTION")
    return question, re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


@pytest.mark.parametrize(("flow", "unknown"), [("password", "personne.inconnue"), ("identifiant", "x@example.fr")])
def test_the_decoy_and_the_real_question_come_from_the_same_list(client, user, flow, unknown):
    holder = Client()
    holder.force_login(user)
    listed = re.findall(
        r'<option value="([^"]+)"', holder.get(reverse("accounts:secret_question_change")).content.decode()
    )
    listed = [html.unescape(value) for value in listed]
    known_typed = "gerard.menuca1" if flow == "password" else "gerard@example.fr"

    real, real_page = _question_page(client, flow, known_typed)
    decoys = {_question_page(client, flow, f"{number}{unknown}")[0] for number in range(12)}
    decoy, decoy_page = _question_page(client, flow, unknown)

    assert real in listed and decoys <= set(listed) and len(decoys) > 1
    assert real_page == decoy_page  # nothing but the question's text differs, and it reads as one of the list


def test_an_old_free_text_question_is_never_shown(client, user):
    User.objects.filter(pk=user.pk).update(secret_question="Cylindrée de ma moto ?")

    ask_password(client)
    response = client.get(PASSWORD_QUESTION)
    wrong = client.post(PASSWORD_QUESTION, {"answer": "cylindree"})

    assert "Cylindrée de ma moto ?" not in response.content.decode()
    assert wrong.context["form"].errors["answer"] == ["Votre réponse est incorrecte"]
    assert OutboxEmail.objects.count() == 0


# --- Abuse --------------------------------------------------------------------------------------


def test_five_wrong_answers_lock_both_flows_for_30_minutes(client, user, caplog):
    ask_password(client)
    for _ in range(4):
        assert client.post(PASSWORD_QUESTION, {"answer": "faux"}).status_code == 200

    locked = client.post(PASSWORD_QUESTION, {"answer": "faux"})

    assert locked.status_code == 429
    assert "la récupération de ce compte est bloquée pendant encore 30 minutes" in locked.content.decode()
    assert client.post(PASSWORD_QUESTION, {"answer": "cylindree"}).status_code == 429  # even the right answer
    ask_identifiant(client)
    assert client.post(IDENTIFIANT_QUESTION, {"answer": "cylindree"}).status_code == 429  # the other flow too
    assert OutboxEmail.objects.count() == 0
    assert RecoveryEvent.objects.filter(kind=RecoveryEventKind.LOCKED, user=user).exists()

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        ask_password(client)
        response = client.post(PASSWORD_QUESTION, {"answer": "cylindree"})

    assert response.status_code == 302
    assert OutboxEmail.objects.filter(kind="reinitialisation_mot_de_passe").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_cannot_take_more_tries_than_the_limit(settings):
    """4 wrong answers, then 4 workers answer at the same moment: one of them gets the fifth try, no more."""
    account = UserFactory(identifiant="gerard.menuca1", courriel="gerard@example.fr")
    challenge = recovery_start(flow="password", typed="gerard.menuca1", ip_address="192.0.2.1")
    for _ in range(settings.RECOVERY_MAX_WRONG_ANSWERS - 1):
        assert recovery_answer(challenge=challenge, answer="faux", ip_address="192.0.2.1") is False
    workers = 4
    # Every answer checked waits for the others: the workers that passed the lockout check meet here.
    meeting = threading.Barrier(workers, timeout=3)
    checked, outcomes = [], []

    def slow_check(*args, **kwargs):
        checked.append(1)
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait()
        return check_password(*args, **kwargs)

    def answer():
        try:
            outcomes.append(
                recovery_answer(challenge=Challenge(**challenge.as_session()), answer="faux", ip_address=None)
            )
        except RecoveryLocked:
            outcomes.append("locked")
        finally:
            connection.close()

    with mock.patch("accounts.credentials.check_password", side_effect=slow_check):
        threads = [threading.Thread(target=answer) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert len(checked) == 1
    assert sorted(outcomes, key=str) == [False] + ["locked"] * (workers - 1)
    wrong = RecoveryEvent.objects.filter(kind=RecoveryEventKind.WRONG_ANSWER, user=account)
    assert wrong.count() == settings.RECOVERY_MAX_WRONG_ANSWERS
    assert User.objects.get(pk=account.pk).check_secret_answer("Rex")


def test_step1_is_rate_limited_per_identifiant(client, user, settings):
    for _ in range(settings.RECOVERY_RATE_LIMIT_PER_ACCOUNT):
        assert ask_password(client).status_code == 302

    limited = ask_password(client)

    assert limited.status_code == 429
    assert "Trop de demandes ont été faites : réessayez dans 15 minutes." in limited.content.decode()
    assert RecoveryEvent.objects.filter(kind=RecoveryEventKind.RATE_LIMITED).exists()


@pytest.mark.parametrize(
    ("flow", "spellings"),
    [
        ("password", ["gerard.menuca1", "GERARD.MENUCA1", "Gerard.Menuca1", " gErArD.mEnUcA1 "]),
        ("identifiant", ["gerard@example.fr", "GERARD@EXAMPLE.FR", "Gérard@Example.fr", " gerard@EXAMPLE.fr"]),
    ],
)
def test_changing_the_case_does_not_bypass_the_per_account_limit(client, user, settings, flow, spellings):
    settings.RECOVERY_RATE_LIMIT_PER_IP = 100
    ask = ask_password if flow == "password" else ask_identifiant
    for number in range(settings.RECOVERY_RATE_LIMIT_PER_ACCOUNT):
        assert ask(client, spellings[number % len(spellings)]).status_code == 302

    for spelling in spellings:
        assert ask(client, spelling).status_code == 429


def test_step1_is_rate_limited_per_ip_address(client, user, settings):
    settings.RECOVERY_RATE_LIMIT_PER_IP = 3
    for number in range(3):
        assert ask_identifiant(client, courriel=f"inconnu{number}@example.fr").status_code == 302

    assert ask_identifiant(client, courriel="autre@example.fr").status_code == 429
    assert ask_identifiant(client, courriel="autre@example.fr", REMOTE_ADDR="198.51.100.9").status_code == 302


def test_the_audit_is_readable_by_staff_in_the_admin(client, user):
    ask_password(client)
    client.post(PASSWORD_QUESTION, {"answer": "faux"})
    staff = Client()
    two_factor_login(staff, UserFactory(staff=True))

    html = staff.get(reverse("admin:accounts_recoveryevent_changelist")).content.decode()

    assert "Réponse secrète incorrecte" in html
    assert "gerard.menuca1" in html
