"""J'ai oublié mon mot de passe / mon identifiant in a real browser (sections 3 and 4 of the seeds).

Debian's Chromium driven by Playwright, against the live server. The operation is solved as a person (or a screen
reader's user) would: read in the field's label, added up, typed; django-simple-captcha's store checks it on the
server. The reset link is read from the outbox, as the person reads the e-mail.
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
from tests.factories import HabilitationFactory, UserFactory, delivered_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IDENTIFIANT = "gerard.menuca1"
COURRIEL = "gerard.menuca@example.fr"
QUESTION = "Quelle était la marque de votre première voiture ?"
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

# The label carries the operation, as text: « Veuillez résoudre l'opération suivante : 8 + 4 = ».
OPERATION = re.compile(r"^Veuillez résoudre l'opération suivante : (\d) \+ (\d) =$")
ANSWER_LABEL = "Réponse secrète* :"
ENTER_IDENTIFIANT = (
    "Entrez votre identifiant pour réinitialiser votre mot de passe. Cliquez ensuite sur le lien transmis par mail."
)
OPERATION_WRONG = "Le résultat de l'opération est incorrect. Une nouvelle opération vous est proposée : résolvez-la."
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


def operation_label(page) -> str:
    """The label of the operation's input, as assistive technology gets it (its accessible name)."""
    answer = page.get_by_label(OPERATION)
    expect(answer).to_have_count(1)
    label = answer.evaluate("input => input.labels[0].textContent")
    expect(answer).to_have_accessible_name(label)  # what a screen reader announces: the operation itself
    return label


def solve(page, *, wrong=False) -> str:
    """Read the operation in the label, add it up, type the sum (or a wrong one); the operation read."""
    label = operation_label(page)
    first, second = OPERATION.match(label).groups()
    total = int(first) + int(second)
    page.get_by_label(OPERATION).fill(str(total + 1 if wrong else total))
    return label


def alert(page, text):
    return page.get_by_role("alert").filter(has_text=text)


def reset_link():
    email = OutboxEmail.objects.get(kind="reinitialisation_mot_de_passe", to=COURRIEL)
    return re.search(r"https?://\S+", delivered_text(email)).group(0)


def fill_new_password(page, password):
    field(page, "Nouveau mot de passe* :").fill(password)
    field(page, "Confirmation* :").fill(password)


def expect_password_headings(page):
    expect(page.get_by_role("heading", level=1)).to_have_text("GESTION DU MOT DE PASSE")
    expect(page.locator("main").get_by_role("heading", level=2).first).to_have_text("J'ai oublié mon mot de passe")


def expect_identifiant_headings(page):
    expect(page.get_by_role("heading", level=1)).to_have_text("GESTION DE L'IDENTIFIANT")
    expect(page.locator("main").get_by_role("heading", level=2).first).to_have_text("J'ai oublié mon identifiant")


def test_forgotten_password_from_the_home_page_to_the_login_with_the_new_password(
    live_server, site_url, page, screenshot, user
):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="J'ai oublié mon mot de passe").click()

    # Step 1: the identifiant and the operation.
    page.wait_for_url(live_server.url + PASSWORD_STEP1)
    expect_password_headings(page)
    expect(page.get_by_text(ENTER_IDENTIFIANT)).to_be_visible()
    expect(page.locator("main form img")).to_have_count(0)  # the operation is text, not an image
    field(page, "Identifiant* :").fill(IDENTIFIANT)
    solve(page)
    screenshot("mot-de-passe-oublie-1-identifiant")
    page.get_by_role("button", name="Envoyer").click()

    # Step 2: the secret question; a wrong answer first.
    page.wait_for_url(live_server.url + PASSWORD_QUESTION)
    expect_password_headings(page)
    expect(page.locator("#question-secrete")).to_have_text(QUESTION)
    expect(page.get_by_text("il vous est impossible de récupérer votre mot de passe")).to_be_visible()
    screenshot("mot-de-passe-oublie-2-question")
    field(page, ANSWER_LABEL).fill("Scooter")
    with page.expect_navigation():
        page.get_by_role("button", name="Valider").click()
    expect(page).to_have_title(re.compile(r"^Erreur — "))
    expect(page.locator("#id_answer-error")).to_have_text("Votre réponse est incorrecte")
    expect(field(page, ANSWER_LABEL)).to_have_accessible_description("Votre réponse est incorrecte")
    expect(page.locator("#question-secrete")).to_have_text(QUESTION)
    screenshot("mot-de-passe-oublie-3-reponse-incorrecte")
    assert not OutboxEmail.objects.filter(kind="reinitialisation_mot_de_passe").exists()

    field(page, ANSWER_LABEL).fill(ANSWER)
    page.get_by_role("button", name="Valider").click()

    page.wait_for_url(live_server.url + PASSWORD_SENT)
    expect_password_headings(page)
    expect(page.get_by_role("status")).to_have_text("Un mail de confirmation a été envoyé")
    screenshot("mot-de-passe-oublie-4-mail-envoye")

    # The e-mailed link, opened in the browser.
    link = reset_link()
    assert link.startswith(live_server.url + "/mot-de-passe/reinitialiser/")
    page.goto(link)
    expect_password_headings(page)
    expect(page.get_by_text("Vous devez indiquer votre nouveau mot de passe")).to_be_visible()
    expect(page.locator("input[name^=captcha]")).to_have_count(0)  # the link is the proof: no captcha here
    courriel = field(page, "Adresse de messagerie :")
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
    expect(alert(page, "Nouveau mot de passe : Votre mot de passe n'a pas assez de majuscules")).to_be_visible()
    expect(page.locator("#id_new_password1-error")).to_have_text("Votre mot de passe n'a pas assez de majuscules")
    expect(field(page, "Nouveau mot de passe* :")).to_have_accessible_description(
        "Votre mot de passe n'a pas assez de majuscules"
    )
    expect(field(page, "Adresse de messagerie :")).to_have_value(COURRIEL)
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
    page.expect_console_error("status of 410")
    response = page.goto(link)
    assert response.status == 410
    expect(alert(page, USED_LINK)).to_be_visible()

    # MON ESPACE PERSONNEL with the new password.
    page.goto(live_server.url + "/")
    field(page, "Identifiant* :").fill(IDENTIFIANT)
    field(page, "Mot de passe* :").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    page.wait_for_url(live_server.url + "/espace/")
    expect(page.locator(".fr-header__tools-links .apart-greeting")).to_have_text(f"BONJOUR, {IDENTIFIANT}")
    screenshot("mot-de-passe-oublie-8-espace")
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 410 (Gone)"]


def test_forgotten_identifiant_from_the_home_page_to_the_e_mail(live_server, page, screenshot, user):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="J'ai oublié mon identifiant").click()

    # Step 1: the courriel and the operation (the courriel is matched whatever its case).
    page.wait_for_url(live_server.url + IDENTIFIANT_STEP1)
    expect_identifiant_headings(page)
    expect(page.get_by_role("link", name="Contacter l'Assistance")).to_have_attribute("href", ASSISTANCE)
    field(page, "Courriel* :").fill("Gerard.Menuca@Example.fr")
    solve(page)
    screenshot("identifiant-oublie-1-courriel")
    page.get_by_role("button", name="Continuer").click()

    # Step 2: the secret question.
    page.wait_for_url(live_server.url + IDENTIFIANT_QUESTION)
    expect_identifiant_headings(page)
    expect(page.get_by_text("il vous est impossible de récupérer votre identifiant")).to_be_visible()
    expect(page.get_by_text("Question secrète", exact=True)).to_be_visible()
    expect(page.locator("#question-secrete")).to_have_text(QUESTION)
    expect(page.get_by_role("link", name="Contacter l'Assistance")).to_have_attribute("href", ASSISTANCE)
    field(page, ANSWER_LABEL).fill(ANSWER)
    screenshot("identifiant-oublie-2-question")
    page.get_by_role("button", name="Valider").click()

    page.wait_for_url(live_server.url + IDENTIFIANT_SENT)
    expect_identifiant_headings(page)
    expect(page.get_by_role("status")).to_have_text(
        "Un courriel contenant votre identifiant de connexion vous a été envoyé."
    )
    screenshot("identifiant-oublie-3-courriel-envoye")
    assert IDENTIFIANT not in page.content()  # only the e-mail tells it
    email = OutboxEmail.objects.get(kind="identifiant")
    assert email.to == COURRIEL
    assert email.subject == "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)"
    assert email.body_text.startswith("Bonjour Gérard Menuça,\n")  # a comma after the name
    assert f"Voici votre identifiant de connexion :\n\n{IDENTIFIANT}\n" in email.body_text  # a space before the colon
    assert page.console_errors == []


def test_an_email_address_instead_of_the_identifiant(live_server, page, screenshot, user):
    page.goto(live_server.url + PASSWORD_STEP1)
    field(page, "Identifiant* :").fill(COURRIEL)
    solve(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer").click()

    assert page.url == live_server.url + PASSWORD_STEP1
    expect(page).to_have_title(re.compile(r"^Erreur — "))
    expect_password_headings(page)
    expect(page.locator("#id_identifiant-error")).to_have_text("Opération impossible pour ce type d'utilisateur")
    expect(field(page, "Identifiant* :")).to_have_accessible_description(
        "Opération impossible pour ce type d'utilisateur"
    )
    expect(page.get_by_text(ENTER_IDENTIFIANT)).to_be_visible()
    expect(page.get_by_label(OPERATION)).to_have_value("")  # a new operation to solve
    screenshot("mot-de-passe-oublie-adresse-de-messagerie")
    assert not RecoveryEvent.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert page.console_errors == []


def test_the_reset_page_asks_no_captcha_and_says_each_broken_rule_on_its_own_line(live_server, site_url, page, user):
    challenge = recovery_start(flow="password", typed=IDENTIFIANT, ip_address="127.0.0.1")
    assert recovery_answer(challenge=challenge, answer=ANSWER, ip_address="127.0.0.1")
    page.goto(reset_link())
    expect(page.locator("input[name^=captcha]")).to_have_count(0)
    expect(page.get_by_text("Recopier le code")).to_have_count(0)
    expect(page.get_by_text("opération suivante")).to_have_count(0)

    # Empty: each field says it is required, and the summary names it.
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer").click()
    for name, label in (("new_password1", "Nouveau mot de passe"), ("new_password2", "Confirmation")):
        expect(page.locator(f"#id_{name}-error")).to_have_text("Ce champ est obligatoire.")
        expect(alert(page, f"{label} : Ce champ est obligatoire.")).to_be_visible()
    expect(page.get_by_text("Ce champ est obligatoire.", exact=True)).to_have_count(2)  # the two fields' own

    # Three rules broken: three messages under the field, one per line, all read as its description.
    fill_new_password(page, "canalboulange")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer").click()
    expected = [
        "Votre mot de passe n'a pas assez de majuscules",
        "Votre mot de passe n'a pas assez de chiffres",
        "Votre mot de passe n'a pas assez de caractères spéciaux",
    ]
    messages = page.locator("#id_new_password1-error .fr-error-text")
    expect(messages).to_have_text(expected)
    tops = [messages.nth(number).bounding_box()["y"] for number in range(len(expected))]
    assert tops == sorted(tops) and len(set(tops)) == len(expected)  # one line each, not one run-on line
    expect(field(page, "Nouveau mot de passe* :")).to_have_accessible_description(" ".join(expected))
    for message in expected:
        expect(alert(page, f"Nouveau mot de passe : {message}")).to_be_visible()
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)

    fill_new_password(page, NEW_PASSWORD)
    page.get_by_role("button", name="Envoyer").click()

    expect(page.get_by_role("status")).to_have_text("Votre mot de passe a été changé")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert page.console_errors == []


def test_a_wrong_result_gets_a_new_operation_read_in_the_label(live_server, page, screenshot, user):
    page.goto(live_server.url + IDENTIFIANT_STEP1)
    key = page.locator("input[name=captcha_0]")
    first_key = key.input_value()
    field(page, "Courriel* :").fill(COURRIEL)
    solve(page, wrong=True)

    with page.expect_navigation():
        page.get_by_role("button", name="Continuer").click()

    assert page.url == live_server.url + IDENTIFIANT_STEP1
    expect(page).to_have_title(re.compile(r"^Erreur — "))
    answer = page.get_by_label(OPERATION)
    expect(answer).to_have_value("")
    expect(answer).to_have_attribute("aria-invalid", "true")
    expect(answer).to_have_accessible_description(OPERATION_WRONG)
    expect(page.locator("#id_captcha-error")).to_have_text(OPERATION_WRONG)
    screenshot("identifiant-oublie-operation-incorrecte")
    # A new operation: a new key, and the label says the operation stored for it.
    expect(key).not_to_have_value(first_key)
    stored = CaptchaStore.objects.get(hashkey=key.input_value())
    assert operation_label(page) == f"Veuillez résoudre l'opération suivante : {stored.challenge}"
    assert not CaptchaStore.objects.filter(hashkey=first_key).exists()
    assert not RecoveryEvent.objects.exists()

    solve(page)
    page.get_by_role("button", name="Continuer").click()

    page.wait_for_url(live_server.url + IDENTIFIANT_QUESTION)
    assert page.console_errors == []


def test_the_operation_read_in_the_label_is_the_one_checked(live_server, page, user):
    """As in the seeds (« 8 + 4 = »): what the label says is what the server checks."""
    for _ in range(10):
        page.goto(live_server.url + PASSWORD_STEP1)
        label = operation_label(page)
        store = CaptchaStore.objects.get(hashkey=page.locator("input[name=captcha_0]").input_value())
        assert label == f"Veuillez résoudre l'opération suivante : {store.challenge}"
        first, second = OPERATION.match(label).groups()
        assert str(int(first) + int(second)) == store.response
    field(page, "Identifiant* :").fill(IDENTIFIANT)
    solve(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer").click()

    assert page.url == live_server.url + PASSWORD_QUESTION
    assert page.console_errors == []
