"""The assistance form in a real browser (Debian's Chromium through Playwright): the live 1000-character counter,
which never cuts the text, then the server's refusal of 1001 characters and the request sent with 1000."""

import pytest
from captcha.models import CaptchaStore
from playwright.sync_api import expect

from apart.outbox.models import OutboxEmail
from support.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "Description de la demande* :"


def field(page, label):
    return page.get_by_label(label, exact=True)


def solve_captcha(page):
    key = page.locator("input[name=captcha_0]").input_value()
    field(page, "Recopier le code ci-contre* :").fill(CaptchaStore.objects.get(hashkey=key).response)


def counter(page):
    return page.locator("[data-char-counter]")


def test_the_live_counter_and_the_1000_character_limit(live_server, page, screenshot):
    page.goto(live_server.url + "/besoin-d-aide/assistance/?siret=73282932000074&motif=habilitation")

    expect(field(page, "N° de Siret* :")).to_have_value("73282932000074")
    expect(field(page, "Motif de la demande* :")).to_have_value("habilitation")
    expect(counter(page)).to_have_text("0 / 1000 caractères (encore 1000 possibles)")
    description = field(page, DESCRIPTION)
    assert counter(page).get_attribute("id") in description.get_attribute("aria-describedby")

    description.fill("a" * 998 + "\né")  # a line break counts one, an accented letter one
    expect(counter(page)).to_have_text("1000 / 1000 caractères (encore 0 possible)")
    expect(counter(page)).not_to_have_class("fr-message fr-message--error fr-mt-1w")

    description.press("End")
    description.press_sequentially("zz")
    expect(counter(page)).to_have_text("1002 / 1000 caractères : 2 caractères de trop")
    expect(counter(page)).to_have_class("fr-message fr-mt-1w fr-message--error")
    assert len(description.input_value()) == 1002  # typed beyond the limit: nothing is cut in the page
    screenshot("assistance-compteur-depasse")

    for label, value in {
        "Dénomination établissement* :": "BOULANGERIE DU CANAL",
        "Nom et prénom* :": "Durand Claire",
        "N° de téléphone* :": "01 02 03 04 05",
        "Adresse électronique* :": "claire.durand@example.fr",
    }.items():
        field(page, label).fill(value)
    solve_captcha(page)
    page.get_by_role("button", name="ENVOYER").click()

    # The server refuses it and gives the text back whole.
    expect(page.locator("#id_description-error")).to_contain_text("vous en avez saisi 1002")
    assert Ticket.objects.count() == 0
    expect(counter(page)).to_have_text("1002 / 1000 caractères : 2 caractères de trop")

    field(page, DESCRIPTION).fill("b" * 1000)
    expect(counter(page)).to_have_text("1000 / 1000 caractères (encore 0 possible)")
    solve_captcha(page)
    page.get_by_role("button", name="ENVOYER").click()

    page.wait_for_url(live_server.url + "/besoin-d-aide/assistance/demande-envoyee/")
    ticket = Ticket.objects.get()
    expect(page.get_by_role("status")).to_contain_text(ticket.reference)
    assert ticket.description == "b" * 1000
    assert OutboxEmail.objects.filter(kind="ticket_accuse_reception", to="claire.durand@example.fr").exists()
    screenshot("assistance-demande-envoyee")
    assert page.console_errors == []
