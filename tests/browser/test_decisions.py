"""The décision page in a real browser: "Copier le code" with the keyboard only, its live region, no console
error; without JavaScript the code DI stays plain selectable text."""

import pytest
from playwright.sync_api import expect

from dap.enums import Statut
from tests.dap.conftest import days, make_demande
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mot-de-passe-2026;"


@pytest.fixture
def decision(db):
    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    establishment = EstablishmentFactory(complete=True, denomination="ATELIERS MENUCA")
    HabilitationFactory(user=user, establishment=establishment)
    return make_demande(establishment, user, statut=Statut.ACCEPTEE_IMPLICITEMENT, debut=days(1), fin=days(14)).decision


def log_in(page, base: str):
    page.goto(base + "/")
    page.get_by_label("Identifiant").fill("gerard.menuca")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()


def test_copier_le_code_works_with_the_keyboard_and_says_code_copie(
    live_server, page, decision, _browser_context, screenshot
):
    _browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    try:
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}/espace/decisions/{decision.numero}/")
        button = page.get_by_role("button", name="Copier le code")
        expect(button).to_be_visible()

        # Tab from the top of the page until the button has the focus: no mouse.
        for _ in range(80):
            page.keyboard.press("Tab")
            if button.evaluate("element => element === document.activeElement"):
                break
        else:
            pytest.fail("« Copier le code » n'est pas atteignable au clavier")
        page.keyboard.press("Enter")

        status = page.get_by_role("status")
        expect(status).to_have_text("Code copié")
        assert page.evaluate("() => navigator.clipboard.readText()") == decision.code_di
        screenshot("decision")
    finally:
        _browser_context.clear_permissions()


def test_without_javascript_the_code_is_plain_text_and_no_dead_button(live_server, chromium, decision):
    context = chromium.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        page = context.new_page()
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}/espace/decisions/{decision.numero}/")

        expect(page.locator("#code-di")).to_have_text(decision.code_di)
        expect(page.get_by_role("button", name="Copier le code")).to_have_count(0)
    finally:
        context.close()
