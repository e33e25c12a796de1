"""Filing a DAP in a real browser: the form with its errors, then ENVOYER, then the DAP's page and the list."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dap.enums import Statut
from dap.models import DemandeAutorisation
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mot-de-passe-2026;"


def log_in(page, live_server, user):
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill(user.identifiant)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()


def test_an_employer_files_a_dap_and_reads_its_accuse(live_server, page, screenshot):
    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    establishment = EstablishmentFactory(denomination="ATELIERS MENUCA", complete=True)
    HabilitationFactory(user=user, establishment=establishment)
    start = timezone.localdate() + datetime.timedelta(days=2)
    log_in(page, live_server, user)

    page.get_by_role("link", name="Créer une nouvelle demande").first.click()
    page.wait_for_url(live_server.url + "/espace/dap/nouvelle/")
    expect(page.get_by_label("Sous-motif")).to_be_hidden()
    page.get_by_label("Motif de recours").select_option(label="Toute autre circonstance de caractère exceptionnel")
    expect(page.get_by_label("Sous-motif")).to_be_visible()
    page.get_by_label("Sous-motif").select_option(label="Coronavirus")
    page.get_by_label("Motif de recours").select_option(label="La conjoncture économique")
    expect(page.get_by_label("Sous-motif")).to_be_hidden()
    page.get_by_label("Circonstances détaillées").fill("Perte de notre principal client.")
    expect(page.get_by_text("32 / 2000 caractères")).to_be_visible()
    page.get_by_label("Date de début").fill(start.isoformat())
    page.get_by_label("Date de fin").fill((start + datetime.timedelta(days=13)).isoformat())
    page.get_by_label("Nombre de salariés concernés").fill("40")  # more than the fiche's effectif (12)
    page.get_by_label("Nombre d'heures chômées prévisionnelles").fill("120,5")
    page.get_by_text("Réduction d'activité", exact=True).click()  # the DSFR radio: its label takes the click
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_label("BIC").fill("AGRIFRPP")
    page.get_by_label("Titulaire du compte").fill("ATELIERS MENUCA")
    with page.expect_navigation():
        page.get_by_role("button", name="ENVOYER").click()

    expect(page.get_by_text("ne peut pas dépasser l'effectif de l'établissement (12)")).to_be_visible()
    expect(page.get_by_label("Circonstances détaillées")).to_have_value("Perte de notre principal client.")
    expect(page.get_by_label("Titulaire du compte")).to_have_value("ATELIERS MENUCA")
    screenshot("dap-formulaire-erreurs")
    page.get_by_label("Nombre de salariés concernés").fill("8")
    with page.expect_navigation():
        page.get_by_role("button", name="ENVOYER").click()

    demande = DemandeAutorisation.objects.get()
    assert demande.statut == Statut.ENVOYEE and demande.nb_salaries == 8 and demande.sous_motif == ""
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Demande d'autorisation préalable {demande.numero}")
    expect(page.get_by_text(f"Accusé de réception n° {demande.accuse_numero}").first).to_be_visible()
    expect(page.get_by_role("link", name="Besoin d'aide sur cette demande ?")).to_have_attribute(
        "href", f"/besoin-d-aide/assistance/?motif=dap&reference={demande.numero}"
    )
    screenshot("dap-demande")
    page.get_by_role("link", name="DEMANDES D'AUTORISATION PRÉALABLE", exact=True).click()
    page.wait_for_url(live_server.url + "/espace/dap/")
    screenshot("dap-liste")
    expect(page.get_by_role("link", name=demande.numero)).to_be_visible()
