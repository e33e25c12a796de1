"""The admin as the ASP staff's back office, in a real browser: the queue fits a 1280 px screen."""

import pytest

from tests.factories import AccountRequestFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_queue_of_account_requests_fits_1280_px(live_server, page):
    UserFactory(identifiant="agent.asp", password="Agent-APART-2026;", is_staff=True, is_superuser=True)
    for denomination in ["BOULANGERIE PÂTISSERIE DU CANAL SAINT-MARTIN", "SOCIÉTÉ DES TRANSPORTS RÉUNIS DE L'OUEST"]:
        AccountRequestFactory(
            sirene_unavailable=True, denomination=denomination, courriel="marie-christine.durand-lefebvre@example.fr"
        )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Identifiant").fill("agent.asp")
    page.get_by_label("Mot de passe").fill("Agent-APART-2026;")
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()

    page.goto(live_server.url + "/admin/habilitations/accountrequest/")

    assert page.get_by_role("link", name="BOULANGERIE PÂTISSERIE DU CANAL SAINT-MARTIN").count() == 0  # text, not link
    table = page.locator("#result_list")
    right = table.evaluate("table => table.getBoundingClientRect().right")
    assert right <= 1280
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    headers = table.locator("thead th").all_inner_texts()
    assert [header.strip().upper() for header in headers if header.strip()] == [
        "RÉFÉRENCE",
        "REÇUE",
        "ÉTABLISSEMENT",
        "DEMANDEUR",
        "CAS",
        "ÉTAT",
        "CONTRÔLES",
    ]
