"""CRÉER MON ESPACE in a real browser (Cas n°1 of the seeds): Debian's Chromium driven by Playwright.

The security code is typed as a person would: the answer of the key shown in the page, read from
django-simple-captcha's store, so the library's real check runs. (Switching settings.CAPTCHA_TEST_MODE on in
a test would not help: captcha.conf.settings copies it once, when the library is imported.)
"""

import re

import pytest
from captcha.models import CaptchaStore
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from apart.outbox.models import OutboxEmail
from habilitations.enums import AccountRequestCase, AccountRequestStatus, ExtranetCode
from habilitations.models import AccountRequest, Establishment, Extranet, Habilitation
from tests.factories import SireneEtablissementFactory, load_communes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUCCESS = (
    "Votre demande de création de compte a bien été transmise, un courriel vous sera prochainement envoyé, "
    "lorsque votre demande aura été traitée."
)
NO_PASTE = "Le copier/coller est interdit"
MISMATCH = "Les champs Courriel et Confirmer courriel de l'utilisateur ne sont pas identiques."
SUBJECTS = {
    "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)",
    "Mot de passe de connexion à l'Agence de Services et de Paiement (ASP)",
    "Habilitation à l'activité partielle",
}
CAPTCHA = "Recopier le code ci-contre* :"
COURRIEL = "jean.dupont@example.fr"

# What the person types in step 2 (the establishment's address comes from SIRENE).
TYPED = {
    "Téléphone fixe* :": "01 43 56 78 90",
    "Courriel établissement* :": "contact@boulangerie-du-canal.fr",
    "Confirmer courriel établissement* :": "contact@boulangerie-du-canal.fr",
    "Nom* :": "Dupont",
    "Prénom* :": "Jean",
    "Téléphone* :": "06 12 34 56 78",
    "Courriel* :": COURRIEL,
    "Confirmer courriel* :": COURRIEL,
    "Réponse* :": "Rex",
}
# The secret question is chosen in a list (a question typed freely would tell that an account exists).
QUESTION_LABEL = "Question secrète* :"
QUESTION = "Quel est le nom de votre premier animal de compagnie ?"
PREFILLED = ["Dénomination de l'établissement* :", "Numéro de voie :", "Type de voie :", "Libellé de la voie* :"]


@pytest.fixture(autouse=True)
def _apart_extranet():
    # A transactional test empties the tables after itself, the rows of the data migrations included.
    Extranet.objects.get_or_create(code=ExtranetCode.APART, defaults={"name": "Activité Partielle"})


@pytest.fixture
def etablissement():
    """12 RUE DU FAUBOURG SAINT-ANTOINE 75011 PARIS 11, active, in the local copy of SIRENE."""
    return SireneEtablissementFactory()


@pytest.fixture
def codes_postaux():
    load_communes("75011", "33000", "69003", "01210")


def field(page, label):
    return page.get_by_label(label, exact=True)


def solve_captcha(page):
    """Type the answer of the code the page shows now."""
    key = page.locator("input[name=captcha_0]").input_value()
    field(page, CAPTCHA).fill(CaptchaStore.objects.get(hashkey=key).response)


def fill_siret_step(page, siret):
    field(page, "N° de Siret* :").fill(siret)
    solve_captcha(page)
    page.locator("#id_cgu").check(force=True)  # the DSFR draws the box over the input with its label
    page.get_by_role("button", name="VALIDER").click()


def open_account_step(page, live_server, siret):
    page.goto(live_server.url + "/creer-mon-espace/")
    fill_siret_step(page, siret)
    page.wait_for_url(live_server.url + "/creer-mon-espace/compte/")


def fill_typed_fields(page, values=TYPED):
    for label, value in values.items():
        field(page, label).fill(value)
    field(page, QUESTION_LABEL).select_option(QUESTION)


def envoyer(page):
    return page.get_by_role("button", name="ENVOYER")


def test_cas_1_from_the_home_page_to_the_request_transmitted(
    live_server, page, screenshot, etablissement, codes_postaux
):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="CRÉER MON ESPACE").click()
    page.wait_for_url(live_server.url + "/creer-mon-espace/")

    fill_siret_step(page, etablissement.siret)

    page.wait_for_url(live_server.url + "/creer-mon-espace/compte/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "CRÉATION DE COMPTE D'ACCÈS À L'EXTRANET ACTIVITÉ PARTIELLE"
    )
    expect(
        page.get_by_text("Vos informations ont été renseignées, vous pouvez les modifier si besoin.")
    ).to_be_visible()
    expect(field(page, "N° de Siret :")).to_have_value(etablissement.siret)
    expect(field(page, "Dénomination de l'établissement* :")).to_have_value("BOULANGERIE DU CANAL")
    expect(field(page, "Numéro de voie :")).to_have_value("12")
    expect(field(page, "Type de voie :")).to_have_value("Rue")
    expect(field(page, "Libellé de la voie* :")).to_have_value("DU FAUBOURG SAINT-ANTOINE")
    expect(field(page, "Code postal* :")).to_have_value("75011")
    expect(field(page, "Ville* :")).to_have_value("Paris 11e Arrondissement")
    fill_typed_fields(page)
    solve_captcha(page)
    expect(envoyer(page)).to_be_enabled()
    screenshot("creer-mon-espace-compte")

    envoyer(page).click()

    page.wait_for_url(live_server.url + "/creer-mon-espace/demande-transmise/")
    expect(page.get_by_role("status")).to_have_text(SUCCESS)
    screenshot("creer-mon-espace-demande-transmise")
    account_request = AccountRequest.objects.get()
    expect(page.get_by_text("Référence de votre demande")).to_have_text(
        f"Référence de votre demande : {account_request.reference}"
    )
    assert account_request.status == AccountRequestStatus.APPROVED
    assert account_request.case == AccountRequestCase.NEW_ACCOUNT
    assert account_request.siret == etablissement.siret
    user = User.objects.get(courriel=COURRIEL)
    assert (user.identifiant, user.nom, user.prenom) == ("jean.dupont", "Dupont", "Jean")
    assert user.must_change_password
    assert account_request.user == user
    establishment = Establishment.objects.get(siret=etablissement.siret)
    assert establishment.denomination == "BOULANGERIE DU CANAL"
    assert (establishment.code_postal, establishment.ville, establishment.code_commune) == (
        "75011",
        "Paris 11e Arrondissement",
        "75111",
    )
    assert account_request.establishment == establishment
    habilitation = Habilitation.objects.get(user=user, establishment=establishment)
    assert habilitation.extranet.code == ExtranetCode.APART
    assert habilitation.valid_from == timezone.localdate()
    emails = OutboxEmail.objects.filter(to=COURRIEL)
    assert emails.count() == 3
    assert set(emails.values_list("subject", flat=True)) == SUBJECTS
    assert OutboxEmail.objects.count() == 3
    assert page.console_errors == []


def test_envoyer_is_enabled_only_when_every_required_field_and_the_captcha_are_filled(live_server, page, etablissement):
    open_account_step(page, live_server, etablissement.siret)
    button = envoyer(page)
    expect(button).to_be_disabled()

    fill_typed_fields(page)
    expect(button).to_be_disabled()  # the captcha is still empty
    for label in list(TYPED)[:-1]:
        field(page, label).fill("")
        solve_captcha(page)
        expect(button).to_be_disabled()
        field(page, CAPTCHA).fill("")
        field(page, label).fill(TYPED[label])
    expect(button).to_be_disabled()
    field(page, "Réponse* :").fill("")
    solve_captcha(page)
    expect(button).to_be_disabled()
    field(page, "Réponse* :").fill("Rex")
    expect(button).to_be_enabled()
    field(page, QUESTION_LABEL).select_option("")
    expect(button).to_be_disabled()
    field(page, QUESTION_LABEL).select_option(QUESTION)
    expect(button).to_be_enabled()

    # Emptying any required field, typed or pre-filled, greys it again; blanks do not count as a value.
    for label in [*TYPED, "Dénomination de l'établissement* :", "Libellé de la voie* :", "Ville* :", CAPTCHA]:
        value = field(page, label).input_value()
        field(page, label).fill("")
        expect(button).to_be_disabled()
        field(page, label).fill("   ")
        expect(button).to_be_disabled()
        field(page, label).fill(value)
        expect(button).to_be_enabled()
    # The code postal too (retyping it fetches its communes again, which keeps the typed "Ville").
    field(page, "Code postal* :").fill("")
    expect(button).to_be_disabled()
    with page.expect_response(re.compile(r"/creer-mon-espace/communes/\?code_postal=75011$")):
        field(page, "Code postal* :").fill("75011")
    expect(field(page, "Ville* :")).to_have_value("PARIS 11")
    expect(button).to_be_enabled()
    expect(button).to_have_css("cursor", "pointer")
    field(page, "Nom* :").fill("")
    expect(button).to_have_css("cursor", "not-allowed")


def test_pasting_into_the_confirmation_courriels_is_refused(live_server, page, etablissement):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_account_step(page, live_server, etablissement.siret)
    page.evaluate("text => navigator.clipboard.writeText(text)", COURRIEL)
    for confirm in ["Confirmer courriel* :", "Confirmer courriel établissement* :"]:
        expect(page.locator(f"#{field(page, confirm).get_attribute('id')}-nopaste")).to_have_text("")

    # A real paste works in the fields that allow it…
    field(page, "Courriel* :").focus()
    page.keyboard.press("ControlOrMeta+V")
    expect(field(page, "Courriel* :")).to_have_value(COURRIEL)

    # …and is refused in both confirmations, with a message beside each.
    for confirm in ["Confirmer courriel* :", "Confirmer courriel établissement* :"]:
        confirmation = field(page, confirm)
        confirmation.focus()
        page.keyboard.press("ControlOrMeta+V")
        expect(page.locator(f"#{confirmation.get_attribute('id')}-nopaste")).to_contain_text(NO_PASTE)
        expect(confirmation).to_have_value("")
        # A paste event carrying data (as a context menu's "Coller" sends it) is cancelled too.
        cancelled = confirmation.evaluate(
            """(input, text) => {
                const data = new DataTransfer();
                data.setData("text/plain", text);
                const event = new ClipboardEvent("paste", {clipboardData: data, cancelable: true, bubbles: true});
                input.dispatchEvent(event);
                return event.defaultPrevented;
            }""",
            COURRIEL,
        )
        assert cancelled
        expect(confirmation).to_have_value("")
        # Typing it by hand is what is asked.
        confirmation.press_sequentially(COURRIEL)
        expect(confirmation).to_have_value(COURRIEL)
    assert page.console_errors == []


def test_nouveau_code_gives_a_new_image_and_key_on_both_steps(live_server, page, etablissement):
    page.goto(live_server.url + "/creer-mon-espace/")

    for step in ("siret", "compte"):
        image = page.locator("[data-captcha-image]")
        key = page.locator("input[name=captcha_0]")
        old_src, old_key = image.get_attribute("src"), key.input_value()
        assert old_key in old_src
        field(page, CAPTCHA).fill("abcdef")

        page.get_by_role("button", name="Nouveau code").click()

        expect(key).not_to_have_value(old_key)
        new_key = key.input_value()
        expect(image).to_have_attribute("src", re.compile(re.escape(new_key)))
        assert image.get_attribute("src") != old_src
        page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())
        expect(field(page, CAPTCHA)).to_have_value("")
        expect(field(page, CAPTCHA)).to_be_focused()
        assert CaptchaStore.objects.filter(hashkey=new_key).exists()
        if step == "siret":
            # The new code is the one checked.
            fill_siret_step(page, etablissement.siret)
            page.wait_for_url(live_server.url + "/creer-mon-espace/compte/")
            fill_typed_fields(page)
            solve_captcha(page)
            expect(envoyer(page)).to_be_enabled()
    expect(envoyer(page)).to_be_disabled()  # the typed answer was cleared with the old code

    solve_captcha(page)
    envoyer(page).click()

    page.wait_for_url(live_server.url + "/creer-mon-espace/demande-transmise/")
    expect(page.get_by_role("status")).to_have_text(SUCCESS)
    assert page.console_errors == []


def test_prefilled_fields_are_greyed_and_stay_editable(live_server, page, etablissement):
    open_account_step(page, live_server, etablissement.siret)
    expect(page.get_by_text("Les champs grisés sont renseignés par défaut")).to_be_visible()
    plain = field(page, "Nom* :").evaluate("input => getComputedStyle(input).backgroundColor")

    for label in [*PREFILLED, "Code postal* :", "Ville* :", "N° de Siret :"]:
        prefilled = field(page, label)
        expect(prefilled).to_have_class(re.compile(r"\bapart-insee\b"))
        assert prefilled.evaluate("input => getComputedStyle(input).backgroundColor") != plain, label
    for label in ["Extension de voie :", "Complément d'adresse :", *TYPED]:
        expect(field(page, label)).not_to_have_class(re.compile(r"\bapart-insee\b"))
    for label in [*PREFILLED, "Code postal* :", "Ville* :"]:
        expect(field(page, label)).to_be_editable()
    expect(field(page, "N° de Siret :")).not_to_be_editable()  # the SIRET of step 1 is shown, not changed

    field(page, "Numéro de voie :").fill("14")
    field(page, "Libellé de la voie* :").fill("DU FAUBOURG DU TEMPLE")
    field(page, "Type de voie :").select_option("Passage")
    fill_typed_fields(page)
    solve_captcha(page)
    envoyer(page).click()

    page.wait_for_url(live_server.url + "/creer-mon-espace/demande-transmise/")
    account_request = AccountRequest.objects.get()
    assert (account_request.numero_voie, account_request.type_voie, account_request.libelle_voie) == (
        "14",
        "Passage",
        "DU FAUBOURG DU TEMPLE",
    )
    assert account_request.denomination == "BOULANGERIE DU CANAL"
    establishment = Establishment.objects.get(siret=etablissement.siret)
    assert (establishment.numero_voie, establishment.type_voie) == ("14", "Passage")


def test_a_new_code_postal_replaces_the_ville_choices(live_server, page, etablissement, codes_postaux):
    open_account_step(page, live_server, etablissement.siret)
    ville = field(page, "Ville* :")
    options = ville.locator("option")
    expect(options).to_have_text(["Sélectionnez une ville", "Paris 11e Arrondissement"])
    expect(ville).to_have_value("Paris 11e Arrondissement")

    for code_postal, commune in [("33000", "Bordeaux"), ("69003", "Lyon 3e Arrondissement")]:
        field(page, "Code postal* :").fill(code_postal)
        expect(options).to_have_text(["Sélectionnez une ville", commune])
        expect(ville).to_have_value(commune)  # the only commune of the code postal is chosen

    # A code postal that serves several communes asks for a choice; ENVOYER waits for it.
    fill_typed_fields(page)
    solve_captcha(page)
    expect(envoyer(page)).to_be_enabled()
    field(page, "Code postal* :").fill("01210")
    expect(options).to_have_text(["Sélectionnez une ville", "Ferney-Voltaire", "Ornex", "Versonnex"])
    expect(ville).to_have_value("")
    expect(envoyer(page)).to_be_disabled()
    ville.select_option("Ornex")
    expect(envoyer(page)).to_be_enabled()
    envoyer(page).click()

    page.wait_for_url(live_server.url + "/creer-mon-espace/demande-transmise/")
    account_request = AccountRequest.objects.get()
    assert (account_request.code_postal, account_request.ville, account_request.code_commune) == (
        "01210",
        "Ornex",
        "01281",
    )
    # The code postal differs from SIRENE's: the request waits for the ASP's staff.
    assert account_request.status == AccountRequestStatus.PENDING
    assert page.console_errors == []


def test_mismatching_courriels_come_back_with_the_message_under_both_fields(live_server, page, etablissement):
    open_account_step(page, live_server, etablissement.siret)
    fill_typed_fields(page, {**TYPED, "Confirmer courriel* :": "jean.dupond@example.fr"})
    field(page, "Numéro de voie :").fill("14")
    solve_captcha(page)
    expect(envoyer(page)).to_be_enabled()

    with page.expect_navigation():
        envoyer(page).click()

    expect(page).to_have_title(re.compile(r"^Erreur — "))
    assert page.url == live_server.url + "/creer-mon-espace/compte/"
    expect(page.get_by_role("alert").filter(has_text="Votre demande n'a pas pu être validée")).to_be_visible()
    for label, error_id in [
        ("Courriel* :", "id_courriel-error"),
        ("Confirmer courriel* :", "id_courriel_confirm-error"),
    ]:
        courriel = field(page, label)
        expect(page.locator(f"#{error_id}")).to_have_text(MISMATCH)
        expect(page.locator(f"#{error_id}")).to_be_visible()
        expect(courriel).to_have_attribute("aria-describedby", error_id)
        expect(courriel).to_have_attribute("aria-invalid", "true")
        expect(courriel).to_have_accessible_description(MISMATCH)
    expect(page.get_by_text(MISMATCH)).to_have_count(2)
    assert page.locator(".fr-error-text").count() == 2  # no other field is blamed
    # What was typed is kept, the edited pre-filled value included; the security code is a new one, to type.
    for label, value in {**TYPED, "Confirmer courriel* :": "jean.dupond@example.fr"}.items():
        expect(field(page, label)).to_have_value(value)
    expect(field(page, QUESTION_LABEL)).to_have_value(QUESTION)
    expect(field(page, "Numéro de voie :")).to_have_value("14")
    expect(field(page, "N° de Siret :")).to_have_value(etablissement.siret)
    expect(field(page, CAPTCHA)).to_have_value("")
    expect(envoyer(page)).to_be_disabled()
    assert not AccountRequest.objects.exists()

    field(page, "Confirmer courriel* :").fill(COURRIEL)
    solve_captcha(page)
    envoyer(page).click()

    page.wait_for_url(live_server.url + "/creer-mon-espace/demande-transmise/")
    account_request = AccountRequest.objects.get()
    assert (account_request.courriel, account_request.numero_voie) == (COURRIEL, "14")
    assert page.console_errors == []
