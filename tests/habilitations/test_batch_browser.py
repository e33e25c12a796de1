"""« Demande d'habilitation en masse » in a real browser: a CSV file uploaded, the page that refreshes itself
without JavaScript until the results show, and axe-core on both pages."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import EstablishmentFactory, HabilitationFactory, SireneEtablissementFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mot-de-passe-2026;"


def test_a_csv_file_uploaded_then_the_page_refreshes_itself_until_the_results(live_server, page, axe, tmp_path):
    user = UserFactory(identifiant="agnes.comptable", password=PASSWORD)
    HabilitationFactory(user=user, establishment=EstablishmentFactory())
    siret = SireneEtablissementFactory(denomination="BOULANGERIE DU CANAL").siret
    csv_file = tmp_path / "clients.csv"
    csv_file.write_bytes(f"siret;nom\r\n{siret};Lefèvre\r\n".encode("cp1252"))
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill(user.identifiant)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()

    page.get_by_role("link", name="Demande d'habilitation en masse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demande d'habilitation en masse")
    assert axe() == []
    page.get_by_label("Fichier CSV").set_input_files(str(csv_file))
    page.get_by_role("button", name="Envoyer la demande").click()

    # No broker in the live server: the task ran in-process after the commit; the page shows the results.
    expect(page.get_by_role("cell", name="BOULANGERIE DU CANAL")).to_be_visible()
    expect(page.get_by_role("cell", name="Créé", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger le rapport (CSV)")).to_be_visible()
    assert axe() == []
    assert page.url.startswith(live_server.url + reverse("espace:habilitation_batches"))
