"""The admin as the ASP staff's back office, in a real browser: its lists fit a 1280 px screen, its pages break no
Content-Security-Policy rule."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import (
    AccountRequestFactory,
    HabilitationFactory,
    OutboxEmailFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTS = [
    "/admin/habilitations/accountrequest/",
    "/admin/habilitations/habilitation/",
    "/admin/habilitations/establishment/",
    "/admin/accounts/user/",
    "/admin/audit/staffaction/",
    "/admin/support/ticket/",
    "/admin/outbox/outboxemail/",
]


def log_in_as_agent(page, live_server):
    agent = UserFactory(identifiant="agent.asp", password="Agent-APART-2026;", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=agent, name="Application d'authentification", confirmed=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Identifiant").fill("agent.asp")
    page.get_by_label("Mot de passe").fill("Agent-APART-2026;")
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()
    page.get_by_label("Code de vérification").fill(f"{totp(device.bin_key):06d}")
    with page.expect_navigation():
        page.get_by_role("button", name="Valider").click()


def test_the_lists_of_the_back_office_fit_1280_px(live_server, page):
    for denomination in ["BOULANGERIE PÂTISSERIE DU CANAL SAINT-MARTIN", "SOCIÉTÉ DES TRANSPORTS RÉUNIS DE L'OUEST"]:
        AccountRequestFactory(
            sirene_unavailable=True, denomination=denomination, courriel="marie-christine.durand-lefebvre@example.fr"
        )
    AccountRequestFactory(
        approved=True, courriel="jean-baptiste.de-la-fontaine-sur-marne@cabinet-expertise-comptable.fr"
    )
    HabilitationFactory(establishment__denomination="COMPAGNIE GÉNÉRALE DES EAUX ET FORÊTS DU GRAND EST")
    TicketFactory(courriel="marie-christine.durand-lefebvre@boulangerie-patisserie-du-canal.fr")
    log_in_as_agent(page, live_server)

    too_wide = {}
    for path in LISTS:
        page.goto(live_server.url + path)
        results = page.locator("#changelist .results")
        assert results.count() == 1, f"{path} : liste vide"
        scroll, client = results.evaluate("box => [box.scrollWidth, box.clientWidth]")
        if scroll > client or page.evaluate("() => document.documentElement.scrollWidth") > 1280:
            too_wide[path] = (scroll, client)
    assert too_wide == {}

    page.goto(live_server.url + LISTS[0])
    headers = page.locator("#result_list thead th").all_inner_texts()
    assert [header.strip().upper() for header in headers if header.strip()] == [
        "RÉFÉRENCE",
        "REÇUE",
        "ÉTABLISSEMENT",
        "DEMANDEUR",
        "CAS",
        "ÉTAT",
        "CONTRÔLES",
    ]


def test_a_failed_email_shows_its_bodies_wrapped_without_breaking_the_content_security_policy(live_server, page):
    """The bodies were shown in a `<pre style=…>`: the CSP (style-src 'self') refused the inline style, the browser
    logged an error, and the long lines of the HTML source widened the page."""
    email = OutboxEmailFactory(
        failed=True,
        body_text="Bonjour,\n" + "texte d'une seule ligne, " * 40,
        body_html="<p>" + "source HTML d'une seule ligne, " * 40 + "</p>",
    )
    log_in_as_agent(page, live_server)

    page.goto(live_server.url + f"/admin/outbox/outboxemail/{email.pk}/change/")

    assert page.locator("pre").count() == 2
    assert page.locator("pre").evaluate_all("blocks => blocks.map(b => getComputedStyle(b).whiteSpace)") == [
        "pre-wrap",
        "pre-wrap",
    ]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
