"""MON ESPACE PERSONNEL in a real browser: the first connection with the e-mailed temporary password.

The account is created by the real service (CRÉER MON ESPACE, Cas n°1, approved automatically); the identifiant and
the temporary password are read from the e-mails it wrote in the outbox, as the person reads them, and typed in
Debian's Chromium driven by Playwright.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from apart.outbox.models import OutboxEmail
from habilitations.enums import AccountRequestStatus, ExtranetCode, SireneStatus
from habilitations.models import Extranet
from habilitations.services import account_request_process_automatically, account_request_submit
from tests.factories import SireneEtablissementFactory, delivered_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COURRIEL = "gerard.menuca@example.fr"
IDENTIFIANT = "gerard.menuca"
DENOMINATION = "BOULANGERIE DU CANAL"
NEW_PASSWORD = "Canal-Boulange;2026"
FIRST_LOGIN_PATH = "/premiere-connexion/mot-de-passe/"
WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."
PASSWORD_CHANGED = (
    "Votre mot de passe a été changé. Connectez-vous avec votre identifiant et votre nouveau mot de passe."
)
PASSWORD_CHANGED_SUBJECT = "Modification de votre mot de passe de connexion à l'Agence de Services et de Paiement (ASP)"
NO_UPPER = "Votre mot de passe n'a pas assez de majuscules"
OLD_PASSWORD_LABEL = "Entrez l'ancien mot de passe* :"
NEW_PASSWORD_LABEL = "Entrez le nouveau mot de passe* :"
CONFIRM_PASSWORD_LABEL = "Confirmez le nouveau mot de passe* :"
IDENTIFIANT_LABEL = "Identifiant* :"
PASSWORD_LABEL = "Mot de passe* :"


@pytest.fixture(autouse=True)
def _apart_extranet():
    # A transactional test empties the tables after itself, the rows of the data migrations included.
    Extranet.objects.get_or_create(code=ExtranetCode.APART, defaults={"name": "Activité Partielle"})


@pytest.fixture
def account():
    """A Cas n°1 account made by the real service; what its e-mails tell the person."""
    etablissement = SireneEtablissementFactory()
    account_request = account_request_submit(
        establishment_fields={
            "siret": etablissement.siret,
            "denomination": DENOMINATION,
            "numero_voie": "12",
            "type_voie": "Rue",
            "libelle_voie": "DU FAUBOURG SAINT-ANTOINE",
            "code_postal": "75011",
            "ville": "Paris 11e Arrondissement",
            "code_commune": "75111",
            "telephone_etablissement": "01 43 00 00 00",
            "courriel_etablissement": "contact@boulangerie.fr",
        },
        user_fields={
            "nom": "Menuça",
            "prenom": "Gérard",
            "telephone": "06 12 34 56 78",
            "courriel": COURRIEL,
            "secret_question": "Quelle était la marque de votre première voiture ?",
        },
        secret_answer="Cylindrée",
        sirene_status=SireneStatus.FOUND,
        sirene_data={
            "siret": etablissement.siret,
            "denomination": etablissement.denomination,
            "code_postal": etablissement.code_postal,
            "etat_administratif": "A",
        },
    )
    account_request = account_request_process_automatically(account_request=account_request)
    assert account_request.status == AccountRequestStatus.APPROVED
    identifiant_email = OutboxEmail.objects.get(to=COURRIEL, kind="identifiant")
    password_email = OutboxEmail.objects.get(to=COURRIEL, kind="mot_de_passe")
    # French typography: « Bonjour Gérard Menuça, », a space before each colon.
    assert identifiant_email.body_text.startswith("Bonjour Gérard Menuça,\n")
    identifiant = re.search(r"Voici votre identifiant de connexion :\n\n(\S+)\n", identifiant_email.body_text)
    password = re.search(r"Voici votre nouveau mot de passe de connexion : \[(.+?)\]", delivered_text(password_email))
    identifiant, password = identifiant.group(1), password.group(1)
    assert identifiant == IDENTIFIANT
    return {"identifiant": identifiant, "password": password, "siret": etablissement.siret}


def field(page, label):
    return page.get_by_label(label, exact=True)


def log_in(page, live_server, identifiant, password):
    page.goto(live_server.url + "/")
    field(page, IDENTIFIANT_LABEL).fill(identifiant)
    field(page, PASSWORD_LABEL).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion", exact=True).click()


def change_password(page, old, new, confirm=None):
    field(page, OLD_PASSWORD_LABEL).fill(old)
    field(page, NEW_PASSWORD_LABEL).fill(new)
    field(page, CONFIRM_PASSWORD_LABEL).fill(new if confirm is None else confirm)
    with page.expect_navigation():
        page.get_by_role("button", name="Changement du mot de passe").click()


def expect_first_login_page(page, live_server, identifiant):
    expect(page).to_have_url(live_server.url + FIRST_LOGIN_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Changement du mot de passe pour {identifiant}")


def test_first_connection_from_the_emailed_temporary_password_to_the_space(live_server, page, screenshot, account):
    identifiant, temporary = account["identifiant"], account["password"]

    log_in(page, live_server, identifiant, temporary)

    expect_first_login_page(page, live_server, identifiant)
    for label in (OLD_PASSWORD_LABEL, NEW_PASSWORD_LABEL, CONFIRM_PASSWORD_LABEL):
        expect(field(page, label)).to_be_visible()
    expect(field(page, OLD_PASSWORD_LABEL)).to_be_focused()
    screenshot("premiere-connexion")

    # Until the temporary password is changed, every page of the space leads back to the change.
    for path in (
        "/espace/",
        "/espace/etablissements/",
        f"/espace/etablissements/{account['siret']}/",
        "/espace/mon-compte/",
        "/espace/mon-compte/mot-de-passe/",
        "/espace/demande-creation-compte/",
        "/espace/dap/",
    ):
        page.goto(live_server.url + path)
        expect_first_login_page(page, live_server, identifiant)
    screenshot("premiere-connexion-espace-redirige")

    change_password(page, temporary, NEW_PASSWORD)

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("alert").filter(has_text=PASSWORD_CHANGED)).to_be_visible()
    expect(field(page, IDENTIFIANT_LABEL)).to_be_visible()  # logged out: the login form is back
    screenshot("premiere-connexion-mot-de-passe-change")
    user = User.objects.get(identifiant=identifiant)
    assert not user.must_change_password and user.password_expires_at is None
    assert user.check_password(NEW_PASSWORD) and not user.check_password(temporary)
    changed = OutboxEmail.objects.filter(to=COURRIEL, kind="mot_de_passe_modifie")
    assert changed.count() == 1
    assert changed.get().subject == PASSWORD_CHANGED_SUBJECT
    assert identifiant in changed.get().body_text and NEW_PASSWORD not in changed.get().body_text

    # The temporary password no longer opens the account.
    log_in(page, live_server, identifiant, temporary)
    expect(page.get_by_role("alert").filter(has_text=WRONG_CREDENTIALS)).to_be_visible()

    log_in(page, live_server, identifiant, NEW_PASSWORD)

    expect(page).to_have_url(live_server.url + "/espace/")
    greeting = page.locator(".fr-header__tools-links .apart-greeting")
    expect(greeting).to_be_visible()
    expect(greeting).to_have_text(f"BONJOUR, {identifiant}")
    expect(page.get_by_role("heading", name="Mes Etablissements", exact=True)).to_be_visible()
    establishments = page.locator("section[aria-labelledby=mes-etablissements]")
    expect(establishments.get_by_role("link", name=DENOMINATION)).to_be_visible()
    expect(establishments).to_contain_text(account["siret"])
    screenshot("premiere-connexion-espace")

    # The temporary password is gone: the whole space is open now.
    page.goto(live_server.url + "/espace/etablissements/")
    expect(page).to_have_url(live_server.url + "/espace/etablissements/")
    expect(page.get_by_role("table")).to_contain_text(account["siret"])
    assert page.console_errors == []


def test_a_wrong_password_is_refused_then_the_right_one_works(live_server, page, screenshot, account):
    identifiant = account["identifiant"]

    log_in(page, live_server, identifiant, account["password"] + "x")

    expect(page).to_have_url(live_server.url + "/connexion/")
    expect(page.get_by_role("alert").filter(has_text=WRONG_CREDENTIALS)).to_be_visible()
    expect(field(page, IDENTIFIANT_LABEL)).to_have_value(identifiant)  # kept
    expect(field(page, IDENTIFIANT_LABEL)).to_have_accessible_description("Ne pas saisir d'adresse de messagerie")
    expect(field(page, PASSWORD_LABEL)).to_have_value("")  # never sent back
    screenshot("premiere-connexion-mot-de-passe-incorrect")

    field(page, PASSWORD_LABEL).fill(account["password"])
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion", exact=True).click()

    expect_first_login_page(page, live_server, identifiant)
    assert page.console_errors == []


def test_a_new_password_against_the_policy_is_refused_with_its_message_on_the_field(
    live_server, page, screenshot, account
):
    identifiant, temporary = account["identifiant"], account["password"]
    log_in(page, live_server, identifiant, temporary)
    expect_first_login_page(page, live_server, identifiant)

    change_password(page, temporary, "canal-boulange;2026")  # no upper-case letter

    expect_first_login_page(page, live_server, identifiant)
    expect(page).to_have_title(re.compile(r"^Erreur — "))
    expect(page.get_by_role("alert").filter(has_text="Votre mot de passe n'a pas été changé")).to_be_visible()
    # The message is shown once, under "Entrez le nouveau mot de passe", which names it as its description.
    new_password = field(page, NEW_PASSWORD_LABEL)
    error = page.locator("#id_new_password1-error")
    expect(error).to_have_text(NO_UPPER)
    expect(error).to_be_visible()
    expect(new_password).to_have_attribute("aria-describedby", "id_new_password1-error")
    expect(new_password).to_have_attribute("aria-invalid", "true")
    expect(new_password).to_have_accessible_description(NO_UPPER)
    expect(page.locator(".fr-input-group--error").filter(has=new_password)).to_contain_text(NO_UPPER)
    expect(page.get_by_text(NO_UPPER)).to_have_count(1)
    # Neither the old password nor the confirmation is blamed.
    expect(page.locator(".fr-error-text")).to_have_count(1)
    for label in (OLD_PASSWORD_LABEL, CONFIRM_PASSWORD_LABEL):
        expect(field(page, label)).not_to_have_attribute("aria-invalid", "true")
    for label in (OLD_PASSWORD_LABEL, NEW_PASSWORD_LABEL, CONFIRM_PASSWORD_LABEL):
        expect(field(page, label)).to_have_value("")  # no password is sent back in the page
    screenshot("premiere-connexion-politique-refusee")
    user = User.objects.get(identifiant=identifiant)
    assert user.must_change_password and user.check_password(temporary)
    assert not OutboxEmail.objects.filter(kind="mot_de_passe_modifie").exists()

    # Three rules broken: three messages, one per rule, each on its own line (not one run-on line).
    change_password(page, temporary, "canalboulange")

    expected = [
        NO_UPPER,
        "Votre mot de passe n'a pas assez de chiffres",
        "Votre mot de passe n'a pas assez de caractères spéciaux",
    ]
    messages = page.locator("#id_new_password1-error .fr-error-text")
    expect(messages).to_have_text(expected)
    tops = [messages.nth(number).bounding_box()["y"] for number in range(len(expected))]
    assert tops == sorted(tops) and len(set(tops)) == len(expected)
    expect(new_password).to_have_accessible_description(" ".join(expected))
    screenshot("premiere-connexion-trois-regles-refusees")
    assert User.objects.get(identifiant=identifiant).check_password(temporary)

    # Corrected, the change goes through.
    change_password(page, temporary, NEW_PASSWORD)

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("alert").filter(has_text=PASSWORD_CHANGED)).to_be_visible()
    assert page.console_errors == []


def test_deconnexion_ends_the_session_and_the_space_then_leads_home(live_server, page, screenshot, account):
    user = User.objects.get(identifiant=account["identifiant"])
    user.set_password(NEW_PASSWORD)
    user.must_change_password, user.password_expires_at = False, None
    user.save()
    log_in(page, live_server, account["identifiant"], NEW_PASSWORD)
    expect(page).to_have_url(live_server.url + "/espace/")

    with page.expect_navigation():
        page.get_by_role("button", name="DECONNEXION").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("alert").filter(has_text="Vous êtes déconnecté.")).to_be_visible()
    expect(field(page, IDENTIFIANT_LABEL)).to_be_visible()
    screenshot("premiere-connexion-deconnexion")
    for path in ("/espace/", "/espace/etablissements/"):
        page.goto(live_server.url + path)
        expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/(\?next=.*)?$"))
        expect(field(page, IDENTIFIANT_LABEL)).to_be_visible()
    assert page.console_errors == []
