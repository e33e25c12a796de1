"""The main paths with the keyboard alone (RGAA 12.13 and 10.7): Tab and Shift+Tab to move, the characters typed,
Space to tick, Enter to send; never a click. The focus is visible (the DSFR's outline) on the controls reached.

Each path starts at its page's address, as a user types it or follows a bookmark.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import EstablishmentFactory, HabilitationFactory, SireneEtablissementFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mot-de-passe-2026;"
FOCUS_STYLE = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
        focusVisible: element.matches(":focus-visible"),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
        shadow: style.boxShadow !== "none",
        tag: element.outerHTML.slice(0, 120),
    };
}"""


def tab_to(page, target, *, backwards=False, limit=150):
    """Press Tab (or Shift+Tab) until `target` has the focus; fails if it never gets it."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} jamais atteint au clavier")


def assert_focus_visible(page):
    style = page.evaluate(FOCUS_STYLE)
    assert style["focusVisible"] and (style["outline"] or style["shadow"]), style


def type_into(page, target, text, *, check_focus=False):
    tab_to(page, target)
    if check_focus:
        assert_focus_visible(page)
    page.keyboard.type(text)


def press(page, target, key="Enter", *, check_focus=False):
    tab_to(page, target)
    if check_focus:
        assert_focus_visible(page)
    with page.expect_navigation():
        page.keyboard.press(key)


def type_date(page, field, day: datetime.date):
    """A date field's three parts, typed in the order Chromium shows them (its interface language's: mm/jj/aaaa in
    Debian's default, jj/mm/aaaa in French); Shift+Tab goes back to the first part."""
    tab_to(page, field)
    assert_focus_visible(page)
    page.keyboard.type(day.strftime("%m%d%Y"))
    if field.input_value() != day.isoformat():
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.type(day.strftime("%d%m%Y"))


def log_in_with_the_keyboard(page, base, identifiant):
    page.goto(base + "/")
    type_into(page, page.get_by_label("Identifiant"), identifiant, check_focus=True)
    type_into(page, page.get_by_label("Mot de passe"), PASSWORD, check_focus=True)
    press(page, page.get_by_role("button", name="Connexion"), check_focus=True)


def test_login_on_the_home_page_with_the_keyboard(live_server, page):
    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    HabilitationFactory(user=user)

    log_in_with_the_keyboard(page, live_server.url, "gerard.menuca")

    assert page.url == live_server.url + "/espace/"
    # Back with Shift+Tab: the skip links and the header's links are reached too, with their focus ring.
    tab_to(page, page.get_by_role("link", name="Mon compte").first, backwards=True)
    assert_focus_visible(page)


def test_creer_mon_espace_step_1_with_the_keyboard(live_server, page, captcha_test_mode):
    SireneEtablissementFactory(siret="73282932000074")
    page.goto(live_server.url + "/")
    press(page, page.get_by_role("link", name="CRÉER MON ESPACE").first, check_focus=True)
    assert page.url == live_server.url + "/creer-mon-espace/"

    type_into(page, page.get_by_label("N° de Siret"), "732 829 320 00074", check_focus=True)
    type_into(page, page.get_by_label("Recopier le code ci-contre"), "PASSED", check_focus=True)
    cgu = page.locator("#id_cgu")
    tab_to(page, cgu)
    page.keyboard.press("Space")
    expect(cgu).to_be_checked()
    press(page, page.get_by_role("button", name="VALIDER"), check_focus=True)

    assert page.url == live_server.url + "/creer-mon-espace/compte/"
    expect(page.get_by_role("button", name="ENVOYER")).to_be_visible()


def test_a_dap_created_and_sent_with_the_keyboard(live_server, page):
    from dap.enums import Statut
    from dap.models import DemandeAutorisation

    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    establishment = EstablishmentFactory(denomination="ATELIERS MENUCA", complete=True, code_postal="75011")
    HabilitationFactory(user=user, establishment=establishment)
    log_in_with_the_keyboard(page, live_server.url, "gerard.menuca")
    page.goto(live_server.url + "/espace/dap/nouvelle/")
    start = timezone.localdate() + datetime.timedelta(days=2)
    end = start + datetime.timedelta(days=13)

    motif = page.get_by_label("Motif de recours")
    tab_to(page, motif)
    assert_focus_visible(page)
    page.keyboard.type("La conjoncture")  # a closed list: the typed letters choose the option
    expect(motif.locator("option:checked")).to_have_text("La conjoncture économique")
    type_into(page, page.get_by_label("Circonstances détaillées"), "Perte de notre principal client.")
    for label, day in [("Date de début", start), ("Date de fin", end)]:
        field = page.get_by_label(label)
        type_date(page, field, day)
        expect(field).to_have_value(day.isoformat())
    type_into(page, page.get_by_label("Nombre de salariés concernés"), "8")
    type_into(page, page.get_by_label("Nombre d'heures chômées prévisionnelles"), "120")
    reduction = page.get_by_label("Réduction d'activité", exact=True)
    tab_to(page, page.locator("input[name=type_activite]").first)
    page.keyboard.press("Space")  # the first radio of the group
    expect(reduction).to_be_checked()
    type_into(page, page.get_by_label("IBAN"), "FR76 3000 6000 0112 3456 7890 189")
    type_into(page, page.get_by_label("BIC"), "AGRIFRPP")
    type_into(page, page.get_by_label("Titulaire du compte"), "ATELIERS MENUCA")
    press(page, page.get_by_role("button", name="ENVOYER"), check_focus=True)

    demande = DemandeAutorisation.objects.get()
    assert demande.statut == Statut.ENVOYEE
    assert (demande.date_debut, demande.date_fin) == (start, end)
    assert page.url == live_server.url + f"/espace/dap/{demande.numero}/"


def test_a_di_code_month_one_row_calculer_with_the_keyboard(live_server, page):
    from indemnisation.models import DemandeIndemnisation
    from tests.indemnisation.helpers import make_decision, row

    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    establishment = EstablishmentFactory(denomination="ATELIERS MENUCA", complete=True, code_postal="75011")
    HabilitationFactory(user=user, establishment=establishment)
    decision = make_decision(establishment, user)
    log_in_with_the_keyboard(page, live_server.url, "gerard.menuca")
    page.goto(live_server.url + "/espace/di/nouvelle/")

    type_into(page, page.get_by_label("Code DI"), decision.code_di, check_focus=True)
    press(page, page.get_by_role("button", name="Valider le code DI"), check_focus=True)
    mois = page.get_by_label("Mois")
    tab_to(page, mois)
    assert_focus_visible(page)
    press(page, page.get_by_role("button", name="Créer la demande"), check_focus=True)
    demande = DemandeIndemnisation.objects.get()
    assert page.url == live_server.url + f"/espace/di/{demande.numero}/saisie/"

    values = row(0)
    for name in ["nom", "prenom", "nir"]:
        type_into(page, page.locator(f"#id_form-0-{name}"), values[name], check_focus=True)
    tab_to(page, page.locator("#id_form-0-contrat"))  # its first option, the standard contract, stays
    for name in ["duree_hebdomadaire", "salaire_brut_mensuel", "heures_chomees"]:
        type_into(page, page.locator(f"#id_form-0-{name}"), values[name])
    press(page, page.get_by_role("button", name="CALCULER").first, check_focus=True)

    demande.refresh_from_db()
    assert [salarie.nom for salarie in demande.salaries.all()] == ["NOM0"]
    expect(page.locator("#id_form-0-nom")).to_have_value("NOM0")


def test_at_320_px_the_space_menu_opens_and_leads_with_the_keyboard(live_server, page):
    user = UserFactory(identifiant="gerard.menuca", password=PASSWORD)
    HabilitationFactory(user=user)
    log_in_with_the_keyboard(page, live_server.url, "gerard.menuca")
    page.set_viewport_size({"width": 320, "height": 800})
    page.wait_for_function("() => window.dsfr !== undefined")

    tab_to(page, page.get_by_role("button", name="Menu"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")

    menu = page.locator("#menu-modal")
    expect(menu).to_be_visible()
    press(page, menu.get_by_role("link", name="DEMANDES D'INDEMNISATION"), check_focus=True)
    assert page.url == live_server.url + "/espace/di/"
