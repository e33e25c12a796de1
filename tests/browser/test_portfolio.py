"""The portfolio in a real browser: from « Mon portefeuille » to each filter, the search and the sort, and the
CSV export link that keeps them; no console error; axe-core on the filtered list."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dap.enums import Statut
from indemnisation.checks import ajouter_mois, mois_precedent
from tests.dap.conftest import make_demande
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mot-de-passe-2026;"


@pytest.fixture
def expert(db):
    user = UserFactory(identifiant="claire.lambert", password=PASSWORD)
    today = timezone.localdate()
    last_month = mois_precedent(today.replace(day=1))

    def held(denomination, **fields):
        establishment = EstablishmentFactory(denomination=denomination, **{"complete": True, **fields})
        HabilitationFactory(user=user, establishment=establishment)
        return establishment

    due = held("BOULANGERIE DU CANAL")
    make_demande(
        due,
        user,
        statut=Statut.ACCEPTEE,
        debut=last_month,
        fin=ajouter_mois(last_month, 1) - datetime.timedelta(days=1),
    )
    waiting = held("GARAGE MODERNE")
    make_demande(waiting, user, statut=Statut.ENVOYEE, debut=today, fin=today)
    held("PHARMACIE CENTRALE", complete=False)
    establishment = EstablishmentFactory(denomination="LIBRAIRIE DES QUAIS", complete=True)
    HabilitationFactory(user=user, establishment=establishment, valid_until=today + datetime.timedelta(days=10))
    return user


def rows(page) -> list[str]:
    return [text.split("\n")[1] for text in page.locator("table tbody tr td:first-child").all_inner_texts()]


def test_the_filters_of_the_portfolio_from_the_home_to_the_export(live_server, page, axe, expert):
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill("claire.lambert")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()

    box = page.get_by_role("region", name="Mon portefeuille")
    expect(box).to_contain_text("4 établissements, dont")
    box.get_by_role("link", name="DI à déposer").click()
    page.wait_for_url("**/espace/etablissements/?filtre=di")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes Etablissements : 4 établissements")
    assert rows(page) == ["BOULANGERIE DU CANAL"]
    assert axe() == []

    filters = page.get_by_role("navigation", name="Filtres du portefeuille")
    for label, expected in [
        ("DAP en attente", ["GARAGE MODERNE"]),
        ("Fiche incomplète", ["PHARMACIE CENTRALE"]),
        ("Habilitation expirant dans 30 jours", ["LIBRAIRIE DES QUAIS"]),
        ("Tous", ["BOULANGERIE DU CANAL", "GARAGE MODERNE", "LIBRAIRIE DES QUAIS", "PHARMACIE CENTRALE"]),
    ]:
        with page.expect_navigation():
            filters.get_by_role("link", name=label, exact=True).click()
        assert rows(page) == expected, label
        expect(filters.get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")

    page.get_by_label("Trier par").select_option(label="Fin d'habilitation")
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer").click()
    assert rows(page)[0] == "LIBRAIRIE DES QUAIS"

    page.get_by_label("Rechercher un Siret ou un nom").fill("garage")
    with page.expect_navigation():
        page.get_by_role("button", name="Rechercher").click()
    assert rows(page) == ["GARAGE MODERNE"]
    export = page.get_by_role("link", name="Exporter (CSV)")
    assert export.get_attribute("href") == "/espace/etablissements/export/?q=garage&tri=fin_habilitation"
    with page.expect_download() as download:
        export.click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("Siret;Dénomination;")
    assert "GARAGE MODERNE" in content and "BOULANGERIE" not in content
