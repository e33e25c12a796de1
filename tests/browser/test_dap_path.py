"""The whole path in a real browser: an employer files a DAP, the UD agent of its département grants it on
/instruction/, the employer reads the décision and copies its code DI with the keyboard."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dap.enums import Statut
from dap.models import DemandeAutorisation
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mot-de-passe-2026;"


def log_in(page, base: str, identifiant: str):
    page.goto(base + "/")
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()


def file_a_dap(page, base: str, start: datetime.date) -> DemandeAutorisation:
    page.goto(base + "/espace/dap/nouvelle/")
    page.get_by_label("Motif de recours").select_option(label="La conjoncture économique")
    page.get_by_label("Circonstances détaillées").fill("Perte de notre principal client.")
    page.get_by_label("Date de début").fill(start.isoformat())
    page.get_by_label("Date de fin").fill((start + datetime.timedelta(days=13)).isoformat())
    page.get_by_label("Nombre de salariés concernés").fill("8")
    page.get_by_label("Nombre d'heures chômées prévisionnelles").fill("120")
    page.get_by_text("Réduction d'activité", exact=True).click()
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_label("BIC").fill("AGRIFRPP")
    page.get_by_label("Titulaire du compte").fill("ATELIERS MENUCA")
    with page.expect_navigation():
        page.get_by_role("button", name="ENVOYER").click()
    return DemandeAutorisation.objects.get()


def test_employer_files_agent_grants_employer_copies_the_code_di(live_server, page, chromium, _browser_context):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from instruction.services import agent_create

    employer = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    establishment = EstablishmentFactory(denomination="ATELIERS MENUCA", complete=True, code_postal="75011")
    HabilitationFactory(user=employer, establishment=establishment)
    agent = agent_create(
        identifiant="agent.ud75", courriel="ud75@ddets.example", departements=["75"], password=PASSWORD
    ).agent.user
    agent.must_set_secret_question = False
    agent.save()
    device = TOTPDevice.objects.create(user=agent, name="Téléphone", confirmed=True)

    # 1. The employer files the DAP.
    log_in(page, live_server.url, "gerard.menuca")
    demande = file_a_dap(page, live_server.url, timezone.localdate() + datetime.timedelta(days=2))
    assert demande.statut == Statut.ENVOYEE

    # 2. The agent of the 75 grants fewer hours than asked, from its queue.
    context = chromium.new_context(locale="fr-FR")
    try:
        agent_page = context.new_page()
        errors = []
        agent_page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        log_in(agent_page, live_server.url, "agent.ud75")
        agent_page.get_by_label("Code de vérification").fill(f"{totp(device.bin_key):06d}")
        with agent_page.expect_navigation():
            agent_page.get_by_role("button", name="Valider").click()
        assert agent_page.url == live_server.url + "/instruction/"
        with agent_page.expect_navigation():
            agent_page.get_by_role("link", name=demande.numero).first.click()
        agent_page.get_by_label("Heures autorisées").fill("100")
        with agent_page.expect_navigation():
            agent_page.get_by_role("button", name="ACCORDER").click()
        assert errors == []
    finally:
        context.close()
    demande.refresh_from_db()
    assert demande.statut == Statut.ACCEPTEE and demande.decision.heures_autorisees == 100

    # 3. The employer reads the décision and copies its code DI with the keyboard.
    _browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    try:
        page.get_by_role("link", name="DÉCISIONS D'AUTORISATION", exact=True).click()
        page.wait_for_url(live_server.url + "/espace/decisions/")
        with page.expect_navigation():
            page.get_by_role("link", name=demande.decision.numero).first.click()
        expect(page.locator("#code-di")).to_have_text(demande.decision.code_di)
        button = page.get_by_role("button", name="Copier le code")
        button.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text("Code copié")
        assert page.evaluate("() => navigator.clipboard.readText()") == demande.decision.code_di
    finally:
        _browser_context.clear_permissions()
