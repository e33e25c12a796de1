"""The home page in a real browser: Debian's Chromium driven by Playwright."""

import pytest

from portal.models import Announcement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DSFR_BLUE = "rgb(0, 0, 145)"  # bleu France, the DSFR's primary action colour


def test_home_page_renders_with_the_dsfr_styles_and_no_blocked_resource(live_server, page, screenshot):
    Announcement.objects.create(body="Un incident technique s'est produit sur l'extranet activité partielle hier.")
    blocked = []
    page.on("requestfailed", lambda request: blocked.append(request.url))

    response = page.goto(live_server.url + "/")

    assert response.status == 200
    assert page.title() == "Accueil — Activité Partielle"
    create = page.get_by_role("link", name="CRÉER MON ESPACE")
    assert create.is_visible()
    assert create.evaluate("element => getComputedStyle(element).backgroundColor") == DSFR_BLUE
    assert page.get_by_label("Identifiant").is_visible()
    assert page.get_by_label("Mot de passe").is_visible()
    assert page.get_by_text("Ne pas saisir d'adresse de messagerie").is_visible()
    assert page.get_by_text("Un incident technique s'est produit").is_visible()
    for name in ["Mentions légales", "Conditions générales d'utilisation", "Contacter le support technique"]:
        assert page.get_by_role("link", name=name).is_visible()
    # The DSFR's JavaScript loaded and ran under the Content-Security-Policy (no inline script).
    page.wait_for_function("() => window.dsfr !== undefined")
    assert blocked == []
    assert page.console_errors == []
    path = screenshot("accueil", required=True)
    assert path.stat().st_size > 20_000


def test_annuler_clears_the_login_form(live_server, page):
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill("gerard.menuca")
    page.get_by_label("Mot de passe").fill("secret")

    page.get_by_role("button", name="Annuler").click()

    assert page.get_by_label("Identifiant").input_value() == ""
    assert page.get_by_label("Mot de passe").input_value() == ""


def test_creer_mon_espace_leads_to_its_page(live_server, page):
    page.goto(live_server.url + "/")

    page.get_by_role("link", name="CRÉER MON ESPACE").click()

    page.wait_for_url(live_server.url + "/creer-mon-espace/")
    assert page.get_by_role("heading", level=1).inner_text() == "Veuillez indiquer votre numéro de Siret"
