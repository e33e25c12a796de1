"""Credential recovery: J'ai oublié mon mot de passe / mon identifiant, and the abuse cases."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordResetToken, RecoveryEvent, RecoveryEventKind
from apart.outbox.models import OutboxEmail
from tests.factories import HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD_STEP1 = reverse("accounts:forgotten_password")
PASSWORD_QUESTION = reverse("accounts:forgotten_password_question")
IDENTIFIANT_STEP1 = reverse("accounts:forgotten_identifiant")
IDENTIFIANT_QUESTION = reverse("accounts:forgotten_identifiant_question")
NEW = "Nouveau;Passe2026"


@pytest.fixture(autouse=True)
def _captcha(captcha_test_mode):
    cache.clear()  # rate-limit counters
    return captcha_test_mode


@pytest.fixture
def user():
    account = UserFactory(
        identifiant="gerard.menuca1", courriel="gerard@example.fr", secret_question="Cylindrée de ma moto ?"
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
    return urlsplit(re.search(r"http://\S+", email.body_text).group(0)).path


def request_link(client):
    ask_password(client)
    client.post(PASSWORD_QUESTION, {"answer": "cylindree"})
    return reset_link()


def reset(client, path, password=NEW, confirmation=None):
    data = {
        "new_password1": password,
        "new_password2": confirmation or password,
        "captcha_0": "x",
        "captcha_1": "PASSED",
    }
    return client.post(path, data)


# --- J'ai oublié mon mot de passe ---------------------------------------------------------------


def test_the_whole_password_flow(client, user):
    assert ask_password(client).url == PASSWORD_QUESTION
    question = client.get(PASSWORD_QUESTION)
    assert "Cylindrée de ma moto ?" in question.content.decode()

    sent = client.post(PASSWORD_QUESTION, {"answer": "  CYLINDREE "}, follow=True)

    html = sent.content.decode()
    assert "Un mail de confirmation a été envoyé" in html
    assert "La procédure est valable 60 min, il faut donc être disponible et vérifier dans les spams." in html
    email = OutboxEmail.objects.get(kind="reinitialisation_mot_de_passe")
    assert email.subject == "Réinitialisation de votre mot de passe"
    assert email.to == "gerard@example.fr"
    assert "Cliquez ici pour réinitialiser votre mot de passe : http://" in email.body_text
    assert "Si vous n'êtes pas à l'origine de cette demande, merci de l'ignorer." in email.body_text
    assert "Agence de Services et de Paiement (ASP)" in email.body_text
    assert "INFORMATIONS CONFIDENTIELLES" in email.body_text

    path = reset_link()
    page = client.get(path).content.decode()
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

    html = response.content.decode()
    assert (
        "Opération impossible pour ce type d&#x27;utilisateur" in html
        or "Opération impossible pour ce type d'utilisateur" in html
    )
    assert (
        "Entrez votre identifiant pour réinitialiser votre mot de passe. Cliquez ensuite sur le lien transmis par mail."
        in html
    )
    assert RecoveryEvent.objects.count() == 0


def test_a_wrong_answer(client, user):
    ask_password(client)

    response = client.post(PASSWORD_QUESTION, {"answer": "Scooter"})

    assert response.context["form"].errors["answer"] == ["Votre réponse est incorrecte"]
    assert OutboxEmail.objects.count() == 0


def test_a_wrong_captcha(client, user, captcha_test_mode):
    captcha_test_mode(False)

    response = client.post(PASSWORD_STEP1, {"identifiant": "gerard.menuca1", "captcha_0": "x", "captcha_1": "99"})

    assert response.context["form"].errors["captcha"] == [
        "Le captcha n'a pas été entré correctement. Essayez à nouveau."
    ]


@pytest.mark.parametrize(
    ("password", "confirmation", "message"),
    [
        ("nouveau;passe2026", None, "Votre mot de passe n'a pas assez de majuscules"),
        ("Court;1", None, "Votre mot de passe est trop court"),
        ("NOUVEAU;PASSE2026", None, "Votre mot de passe n'a pas assez de minuscules"),
        ("Nouveau;Passe", None, "Votre mot de passe n'a pas assez de chiffres"),
        ("NouveauPasse2026", None, "Votre mot de passe n'a pas assez de caractères spéciaux"),
        ("Gerard.Menuca1", None, "Votre mot de passe est identique à votre identifiant"),
        (NEW, NEW + "x", "Les mots de passe ne correspondent pas"),
    ],
)
def test_reset_page_errors(client, user, password, confirmation, message):
    path = request_link(client)

    response = reset(client, path, password, confirmation)

    assert message in response.content.decode().replace("&#x27;", "'")
    user.refresh_from_db()
    assert not user.check_password(password)


def test_reset_page_wrong_captcha(client, user, captcha_test_mode):
    path = request_link(client)
    captcha_test_mode(False)

    response = client.post(path, {"new_password1": NEW, "new_password2": NEW, "captcha_0": "x", "captcha_1": "FAUX"})

    assert "Le captcha n&#x27;a pas été entré correctement. Essayez à nouveau." in response.content.decode() or (
        "Le captcha n'a pas été entré correctement. Essayez à nouveau." in response.content.decode()
    )


def test_the_token_at_59_and_61_minutes(client, user):
    path = request_link(client)
    issued = timezone.now()

    with time_machine.travel(issued + datetime.timedelta(minutes=59)):
        assert client.get(path).status_code == 200
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
    assert client.get(second).status_code == 200


def test_a_password_change_voids_the_token(client, user):
    path = request_link(client)
    from accounts.services import user_password_change

    user_password_change(user=user, new_password="Autre;Passe2026")

    response = client.get(path)

    assert response.status_code == 410
    assert "le mot de passe a été changé depuis son envoi" in response.content.decode()


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
        Client().post(reverse("accounts:login"), {"username": "gerard.menuca1", "password": "faux"})
    assert AccessAttempt.objects.filter(username="gerard.menuca1").exists()

    reset(client, request_link(client))

    user.refresh_from_db()
    assert user.must_change_password is False
    assert not AccessAttempt.objects.filter(username="gerard.menuca1").exists()
    assert other.get("/espace/").status_code == 302
    login = Client().post(reverse("accounts:login"), {"username": "gerard.menuca1", "password": NEW})
    assert login.url == "/espace/"


# --- J'ai oublié mon identifiant ----------------------------------------------------------------


def test_the_whole_identifiant_flow(client, user):
    step1 = client.get(IDENTIFIANT_STEP1).content.decode()
    assert "Mon Compte" in step1 and "Continuer" in step1
    assert (
        "Si vous avez oublié vos questions et réponses secrètes, alors il vous est impossible de récupérer votre identifiant. Vous devez contacter l"
        in step1
    )
    assert "/besoin-d-aide/assistance/?motif=habilitation" in step1

    assert ask_identifiant(client, courriel="Gérard@Example.fr").url == IDENTIFIANT_QUESTION
    question = client.get(IDENTIFIANT_QUESTION).content.decode()
    assert "Question secrète" in question and "Cylindrée de ma moto ?" in question and "Valider" in question
    sent = client.post(IDENTIFIANT_QUESTION, {"answer": "cylindrée"}, follow=True)

    assert "Un courriel contenant votre identifiant de connexion vous a été envoyé." in sent.content.decode()
    email = OutboxEmail.objects.get(kind="identifiant")
    assert email.subject == "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)"
    assert "gerard.menuca1" in email.body_text
    assert email.to == "gerard@example.fr"


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


def test_step1_is_rate_limited_per_identifiant(client, user, settings):
    for _ in range(settings.RECOVERY_RATE_LIMIT_PER_ACCOUNT):
        assert ask_password(client).status_code == 302

    limited = ask_password(client)

    assert limited.status_code == 429
    assert "Trop de demandes ont été faites : réessayez dans 15 minutes." in limited.content.decode()
    assert RecoveryEvent.objects.filter(kind=RecoveryEventKind.RATE_LIMITED).exists()


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
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))

    html = staff.get(reverse("admin:accounts_recoveryevent_changelist")).content.decode()

    assert "Réponse secrète incorrecte" in html
    assert "gerard.menuca1" in html
