"""J'ai oublié mon mot de passe / mon identifiant in a real browser (sections 3 and 4 of the seeds).

Debian's Chromium driven by Playwright, against the live server. The operation and the security code are typed
as a person would: the answer of the key shown in the page, read from django-simple-captcha's store, so the
library's real check runs. The reset link is read from the outbox, as the person reads the e-mail.
"""

import re

import pytest
from captcha.models import CaptchaStore
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import RecoveryEvent
from accounts.recovery import recovery_answer, recovery_start
from apart.outbox.models import OutboxEmail
from habilitations.enums import ExtranetCode
from habilitations.models import Extranet
from tests.factories import HabilitationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IDENTIFIANT = "gerard.menuca1"
COURRIEL = "gerard.menuca@example.fr"
QUESTION = "Quelle est la cylindrée de votre moto ?"
ANSWER = "Cylindrée"
OLD_PASSWORD = "Ancien;Passe2025"
NEW_PASSWORD = "Nouveau;Passe2026"

PASSWORD_STEP1 = "/mot-de-passe-oublie/"
PASSWORD_QUESTION = "/mot-de-passe-oublie/question/"
PASSWORD_SENT = "/mot-de-passe-oublie/envoye/"
IDENTIFIANT_STEP1 = "/identifiant-oublie/"
IDENTIFIANT_QUESTION = "/identifiant-oublie/question/"
IDENTIFIANT_SENT = "/identifiant-oublie/envoye/"
ASSISTANCE = "/besoin-d-aide/assistance/?motif=habilitation"

OPERATION = "Veuillez résoudre l'opération suivante* :"
CODE = "Recopier le code ci-contre* :"
ANSWER_LABEL = "Réponse secrète* :"
ENTER_IDENTIFIANT = (
    "Entrez votre identifiant pour réinitialiser votre mot de passe. Cliquez ensuite sur le lien transmis par mail."
)
CAPTCHA_WRONG = "Le captcha n'a pas été entré correctement. Essayez à nouveau."
USED_LINK = "Le jeton n'est pas valide : ce lien a déjà servi à changer le mot de passe."
# What the seeds list under « Votre mot de passe doit respecter les contraintes suivantes : ».
SEED_RULES = [
    "Nombre minimum de caractères : 8",
    "Nombre minimum de minuscules : 1",
    "Nombre minimum de majuscules : 1",
    "Nombre minimum de chiffres : 1",
    "Votre nouveau mot de passe ne doit pas être identique à votre identifiant",
]


@pytest.fixture(autouse=True)
def _apart_extranet_and_fresh_counters():
    # A transactional test empties the tables after itself, the rows of the data migrations included.
    Extranet.objects.get_or_create(code=ExtranetCode.APART, defaults={"name": "Activité Partielle"})
    cache.clear()  # the recovery rate-limit counters of earlier tests


@pytest.fixture
def site_url(settings, live_server):
    """The e-mailed links point at the live server."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def user():
    """An account of APART, habilitated today, with its secret question."""
    account = UserFactory(identifiant=IDENTIFIANT, courriel=COURRIEL, secret_question=QUESTION, password=OLD_PASSWORD)
    account.set_secret_answer(ANSWER)
    account.save()
    HabilitationFactory(user=account)
    return account


def field(page, label):
    return page.get_by_label(label, exact=True)


def solve(page, label):
    """Type the answer of the operation or code the page shows now."""
    key = page.locator("input[name=captcha_0]").input_value()
    field(page, label).fill(CaptchaStore.objects.get(hashkey=key).response)


def alert(page, text):
    return page.get_by_role("alert").filter(has_text=text)


def reset_link():
    email = OutboxEmail.objects.get(kind="reinitialisation_mot_de_passe", to=COURRIEL)
    return re.search(r"https?://\S+", email.body_text).group(0)


def fill_new_password(page, password):
    field(page, "Nouveau mot de passe* :").fill(password)
    field(page, "Confirmation* :").fill(password)
    solve(page, CODE)


def test_forgotten_password_from_the_home_page_to_the_login_with_the_new_password(
    live_server, site_url, page, screenshot, user
):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="J'ai oublié mon mot de passe").click()

    # Step 1: the identifiant and the operation.
    page.wait_for_url(live_server.url + PASSWORD_STEP1)
    expect(page.get_by_role("heading", level=1)).to_have_text("GESTION DU MOT DE PASSE")
    expect(page.get_by_text(ENTER_IDENTIFIANT)).to_be_visible()
    operation = page.get_by_role("img", name="Opération à résoudre")
    expect(operation).to_be_visible()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=operation.element_handle())
    field(page, "Identifiant* :").fill(IDENTIFIANT)
    solve(page, OPERATION)
    screenshot("mot-de-passe-oublie-1-identifiant")
    page.get_by_role("button", name="Envoyer").click()

    # Step 2: the secret question; a wrong answer first.
    page.wait_for_url(live_server.url + PASSWORD_QUESTION)
    expect(page.locator("#question-secrete")).to_have_text(QUESTION)
    screenshot("mot-de-passe-oublie-2-question")
    field(page, ANSWER_LABEL).fill("Scooter")
    with page.expect_navigation():
        page.get_by_role("button", name="Valider").click()
    expect(page).to_have_title(re.compile(r"^Erreur — "))
    expect(alert(page, "Votre réponse est incorrecte")).to_be_visible()
    expect(page.locator("#question-secrete")).to_have_text(QUESTION)
    screenshot("mot-de-passe-oublie-3-reponse-incorrecte")
    assert not OutboxEmail.objects.filter(kind="reinitialisation_mot_de_passe").exists()

    field(page, ANSWER_LABEL).fill(ANSWER)
    page.get_by_role("button", name="Valider").click()

    page.wait_for_url(live_server.url + PASSWORD_SENT)
    expect(page.get_by_role("status")).to_have_text("Un mail de confirmation a été envoyé")
    screenshot("mot-de-passe-oublie-4-mail-envoye")

    # The e-mailed link, opened in the browser.
    link = reset_link()
    assert link.startswith(live_server.url + "/mot-de-passe/reinitialiser/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("GESTION DU MOT DE PASSE")
    expect(page.get_by_text("Vous devez indiquer votre nouveau mot de passe")).to_be_visible()
    courriel = field(page, "Adresse de messagerie")
    expect(courriel).to_have_value(COURRIEL)
    expect(courriel).not_to_be_editable()
    expect(page.get_by_text("Votre mot de passe doit respecter les contraintes suivantes :")).to_be_visible()
    rules = page.locator(".fr-callout li")
    expect(rules).to_have_text(password_validators_help_texts())
    for rule in SEED_RULES:
        expect(rules.filter(has_text=re.compile(f"^{re.escape(rule)}$"))).to_have_count(1)
    screenshot("mot-de-passe-oublie-5-nouveau-mot-de-passe")

    # A password without an upper-case letter is refused, and the old one still holds.
    fill_new_password(page, NEW_PASSWORD.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer").click()
    expect(page).to_have_title(re.compile(r"^Erreur — "))
    expect(alert(page, "Votre mot de passe n'a pas assez de majuscules")).to_be_visible()
    expect(field(page, "Adresse de messagerie")).to_have_value(COURRIEL)
    screenshot("mot-de-passe-oublie-6-pas-de-majuscule")
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)

    fill_new_password(page, NEW_PASSWORD)
    page.get_by_role("button", name="Envoyer").click()

    expect(page.get_by_role("status")).to_have_text("Votre mot de passe a été changé")
    screenshot("mot-de-passe-oublie-7-mot-de-passe-change")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The link served once: opened again, it says so (410 Gone, a deliberate step).
    response = page.goto(link)
    assert response.status == 410
    expect(alert(page, USED_LINK)).to_be_visible()

    # MON ESPACE PERSONNEL with the new password.
    page.goto(live_server.url + "/")
    field(page, "Identifiant :").fill(IDENTIFIANT)
    field(page, "Mot de passe :").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    page.wait_for_url(live_server.url + "/espace/")
    expect(page.locator("p", has_text="BONJOUR,")).to_have_text(f"BONJOUR, {IDENTIFIANT}")
    screenshot("mot-de-passe-oublie-8-espace")
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 410 (Gone)"]


def test_forgotten_identifiant_from_the_home_page_to_the_e_mail(live_server, page, screenshot, user):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="J'ai oublié mon identifiant").click()

    # Step 1: the courriel and the operation (the courriel is matched whatever its case).
    page.wait_for_url(live_server.url + IDENTIFIANT_STEP1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon Compte")
    expect(page.get_by_role("heading", level=2, name="J'ai oublié mon identifiant")).to_be_visible()
    expect(page.get_by_role("link", name="Contacter l'Assistance")).to_have_attribute("href", ASSISTANCE)
    field(page, "Courriel* :").fill("Gerard.Menuca@Example.fr")
    solve(page, OPERATION)
    screenshot("identifiant-oublie-1-courriel")
    page.get_by_role("button", name="Continuer").click()

    # Step 2: the secret question.
    page.wait_for_url(live_server.url + IDENTIFIANT_QUESTION)
    expect(page.get_by_role("heading", level=2, name="J'ai oublié mon identifiant")).to_be_visible()
    expect(page.get_by_text("Question secrète", exact=True)).to_be_visible()
    expect(page.locator("#question-secrete")).to_have_text(QUESTION)
    expect(page.get_by_role("link", name="Contacter l'Assistance")).to_have_attribute("href", ASSISTANCE)
    field(page, ANSWER_LABEL).fill(ANSWER)
    screenshot("identifiant-oublie-2-question")
    page.get_by_role("button", name="Valider").click()

    page.wait_for_url(live_server.url + IDENTIFIANT_SENT)
    expect(page.get_by_role("status")).to_have_text(
        "Un courriel contenant votre identifiant de connexion vous a été envoyé."
    )
    screenshot("identifiant-oublie-3-courriel-envoye")
    assert IDENTIFIANT not in page.content()  # only the e-mail tells it
    email = OutboxEmail.objects.get(kind="identifiant")
    assert email.to == COURRIEL
    assert email.subject == "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)"
    assert f"Voici votre identifiant de connexion:\n\n{IDENTIFIANT}\n" in email.body_text
    assert page.console_errors == []


def test_an_email_address_instead_of_the_identifiant(live_server, page, screenshot, user):
    page.goto(live_server.url + PASSWORD_STEP1)
    field(page, "Identifiant* :").fill(COURRIEL)
    solve(page, OPERATION)

    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer").click()

    assert page.url == live_server.url + PASSWORD_STEP1
    expect(page).to_have_title(re.compile(r"^Erreur — "))
    expect(page.get_by_role("heading", level=1)).to_have_text("GESTION DU MOT DE PASSE")
    expect(alert(page, "Opération impossible pour ce type d'utilisateur")).to_be_visible()
    expect(page.get_by_text(ENTER_IDENTIFIANT)).to_be_visible()
    expect(field(page, OPERATION)).to_have_value("")  # a new operation to solve
    screenshot("mot-de-passe-oublie-adresse-de-messagerie")
    assert not RecoveryEvent.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert page.console_errors == []


def test_nouveau_code_on_the_reset_page_gives_a_new_image_and_key(live_server, site_url, page, user):
    challenge = recovery_start(flow="password", typed=IDENTIFIANT, ip_address="127.0.0.1")
    assert recovery_answer(challenge=challenge, answer=ANSWER, ip_address="127.0.0.1")
    page.goto(reset_link())
    image = page.locator("[data-captcha-image]")
    key = page.locator("input[name=captcha_0]")
    old_src, old_key = image.get_attribute("src"), key.input_value()
    assert old_key in old_src
    field(page, CODE).fill("abcdef")

    page.get_by_role("button", name="Nouveau code").click()

    expect(key).not_to_have_value(old_key)
    new_key = key.input_value()
    expect(image).to_have_attribute("src", re.compile(re.escape(new_key)))
    assert image.get_attribute("src") != old_src
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())
    expect(field(page, CODE)).to_have_value("")
    expect(field(page, CODE)).to_be_focused()
    assert CaptchaStore.objects.filter(hashkey=new_key).exists()

    # The new code is the one checked.
    fill_new_password(page, NEW_PASSWORD)
    page.get_by_role("button", name="Envoyer").click()

    expect(page.get_by_role("status")).to_have_text("Votre mot de passe a été changé")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert page.console_errors == []


def displayed_value(challenge: str) -> int:
    """What a person computes from the operation drawn in the image, e.g. "8 + 4 =" → 12."""
    first, second = re.fullmatch(r"(\d) \+ (\d) =", challenge).groups()
    return int(first) + int(second)


def test_the_operation_drawn_is_an_addition_and_its_sum_is_accepted(live_server, page, user):
    """As in the seeds (« 8 + 4 = »): the operation shown is the one checked."""
    for _ in range(10):
        page.goto(live_server.url + PASSWORD_STEP1)
        store = CaptchaStore.objects.get(hashkey=page.locator("input[name=captcha_0]").input_value())
        assert str(displayed_value(store.challenge)) == store.response
    field(page, "Identifiant* :").fill(IDENTIFIANT)
    field(page, OPERATION).fill(str(displayed_value(store.challenge)))

    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer").click()

    assert CAPTCHA_WRONG not in page.content().replace("&#x27;", "'")
    assert page.url == live_server.url + PASSWORD_QUESTION
