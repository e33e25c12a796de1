"""The simulator in a real browser: the month picker, rows added and removed by submit buttons, Enter simulates
(it never removes a row), and the same with JavaScript turned off."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_row(page, number, salaire, duree, heures):
    row = page.get_by_role("group", name=f"Salarié {number}")
    row.get_by_label("Salaire brut mensuel").fill(salaire)
    row.get_by_label("Durée hebdomadaire de travail").fill(duree)
    row.get_by_label("Heures chômées dans le mois").fill(heures)
    return row


def simulate_two_employees(page, base):
    page.goto(base + "/simulation-indemnisation/")
    page.locator("#id_mois").fill("2026-03")
    page.get_by_label("Dispositif").select_option("droit_commun")
    fill_row(page, 1, "2 500,00", "35", "81,67")
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter un salarié").click()
    expect(page.get_by_role("group", name="Salarié 1").get_by_label("Salaire brut mensuel")).to_have_value("2 500,00")
    row = fill_row(page, 2, "1850.5", "35", "20")
    row.get_by_label("Type de contrat").select_option("apprenti")
    with page.expect_navigation():
        row.get_by_label("Heures chômées dans le mois").press("Enter")  # the default button: SIMULER


def test_two_employees_simulated_with_enter_and_one_removed(live_server, page, screenshot):
    simulate_two_employees(page, live_server.url)

    result = page.locator("#resultat")
    expect(result.get_by_role("heading", name="Résultat de la simulation — mars 2026, Droit commun")).to_be_visible()
    expect(result.get_by_role("rowheader", name="Salarié 2")).to_be_visible()
    expect(result.get_by_role("rowheader", name="Total")).to_be_visible()
    expect(result.get_by_role("columnheader", name="Allocation remboursée à l'employeur")).to_be_visible()
    screenshot("simulateur-resultat")

    with page.expect_navigation():
        page.get_by_role("button", name="Retirer le salarié 1").click()

    expect(page.get_by_role("group", name="Salarié 2")).to_have_count(0)
    expect(page.get_by_role("group", name="Salarié 1").get_by_label("Salaire brut mensuel")).to_have_value("1850.5")
    expect(page.get_by_role("button", name="Retirer")).to_have_count(0)  # one row left: nothing to remove


def test_without_javascript_rows_are_added_and_the_result_shown(chromium, live_server):
    context = chromium.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    try:
        simulate_two_employees(page, live_server.url)

        expect(page.locator("#resultat").get_by_role("rowheader", name="Salarié 2")).to_be_visible()
    finally:
        context.close()


def test_bad_input_is_shown_next_to_the_field_with_the_typing_kept(live_server, page):
    page.goto(live_server.url + "/simulation-indemnisation/")
    page.get_by_label("Dispositif").select_option("droit_commun")
    page.locator("#id_mois").fill("2020-02")  # no dispositif before March 2020: the script unselects it
    fill_row(page, 1, "-1500", "35", "10")
    with page.expect_navigation():
        page.get_by_role("button", name="SIMULER").click()

    salary = page.get_by_label("Salaire brut mensuel")
    expect(salary).to_have_value("-1500")
    expect(salary).to_have_attribute("aria-invalid", "true")
    expect(salary).to_have_accessible_description(
        "En euros, par exemple 2 500,00. " + page.locator("#id_salaries-0-salaire_brut_mensuel-error").inner_text()
    )
    expect(page.locator("#id_mois")).to_have_value("2020-02")
    expect(page.locator("#id_mois-error")).not_to_be_empty()


def test_the_dispositifs_not_in_force_are_greyed_out_when_the_month_changes(live_server, page):
    page.goto(live_server.url + "/simulation-indemnisation/")
    dispositif = page.get_by_label("Dispositif")
    hint = page.locator("#id_dispositif-hint")
    secteur_protege = dispositif.locator("option[value=secteur_protege]")
    apld_rebond = dispositif.locator("option[value=apld_rebond]")

    page.locator("#id_mois").fill("2021-03")
    expect(secteur_protege).to_be_enabled()
    expect(apld_rebond).to_be_disabled()
    expect(hint).to_have_text(
        "En vigueur en mars 2021 : Droit commun, Secteur protégé (taux majoré), "
        "Activité partielle de longue durée (APLD)."
    )
    expect(dispositif).to_have_accessible_description(hint.inner_text())
    dispositif.select_option("secteur_protege")

    page.locator("#id_mois").fill("2024-06")

    expect(secteur_protege).to_be_disabled()
    expect(dispositif).to_have_value("")  # no longer in force: unselected
    expect(hint).to_have_text("En vigueur en juin 2024 : Droit commun, Activité partielle de longue durée (APLD).")


def test_a_refused_dispositif_stays_selected_with_its_message(live_server, page):
    page.goto(live_server.url + "/simulation-indemnisation/")
    page.locator("#id_mois").fill("2024-06")
    page.locator("#id_mois").blur()
    # As sent by a browser without the script (or a page left open from before a change of month).
    page.get_by_label("Dispositif").evaluate(
        "select => { select.options[2].disabled = false; select.value = 'secteur_protege'; }"
    )
    fill_row(page, 1, "2000", "35", "10")
    with page.expect_navigation():
        page.get_by_role("button", name="SIMULER").click()

    expect(page.get_by_label("Dispositif")).to_have_value("secteur_protege")
    expect(page.locator("#id_dispositif-error")).to_contain_text("n'est pas en vigueur en juin 2024")
