"""The public simulator's page: the engine's figures in French format, the barème of the month with its sources,
errors next to their field with the typing kept, rows added and removed without JavaScript, CSRF kept."""

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bareme import engine, selectors
from bareme.engine import Contrat, Salarie
from bareme.templatetags.bareme_tags import format_euros

URL = "/simulation-indemnisation/"

pytestmark = pytest.mark.django_db


def form_data(mois="2026-03", dispositif="droit_commun", salaries=None, **extra):
    salaries = salaries or [("2500,00", "35", "81,67", "standard")]
    data = {
        "mois": mois,
        "dispositif": dispositif,
        "salaries-TOTAL_FORMS": str(len(salaries)),
        "salaries-INITIAL_FORMS": "0",
        "salaries-MIN_NUM_FORMS": "1",
        "salaries-MAX_NUM_FORMS": "50",
    }
    for index, (salaire, duree, heures, contrat) in enumerate(salaries):
        data |= {
            f"salaries-{index}-salaire_brut_mensuel": salaire,
            f"salaries-{index}-duree_hebdomadaire": duree,
            f"salaries-{index}-heures_chomees": heures,
            f"salaries-{index}-contrat": contrat,
        }
    return data | extra


def text(response) -> str:
    return html.unescape(response.content.decode())


def expected(mois, dispositif, *salaries):
    bareme = selectors.bareme_du_mois(mois=mois, dispositif=dispositif)
    return engine.calculer(bareme, list(salaries))


def field_error(page: str, field_id: str) -> str:
    """The text of the error block tied to a field (includes/field.html: <div id="<id>-error">)."""
    match = re.search(rf'<div id="{field_id}-error">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", match[1]).strip() if match else ""


def input_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    value = re.search(r'value="([^"]*)"', match[0])
    return value[1] if value else ""


@pytest.mark.django_db
def test_the_page_is_public_with_its_form(client):
    page = text(client.get(URL))

    assert "Simulation de l'indemnisation de l'employeur en cas d'activité partielle" in page
    assert "Cette fonctionnalité arrive bientôt" not in page
    assert 'type="month"' in page
    for label in ["Mois", "Dispositif", "Salaire brut mensuel", "Durée hebdomadaire de travail"]:
        assert f">{label}" in page
    assert "Heures chômées dans le mois" in page and "Type de contrat" in page
    for code in ["droit_commun", "secteur_protege", "apld", "apld_rebond"]:
        assert f'value="{code}"' in page
    assert "Contrat de professionnalisation" in page and "Apprenti" in page
    assert ">SIMULER</button>" in page
    today = datetime.date.today()
    assert input_value(page, "mois") == f"{today:%Y-%m}"


def test_the_home_page_links_to_the_simulator(client, db):
    page = text(client.get("/"))

    assert f'href="{reverse("bareme:simulation")}"' in page
    assert reverse("bareme:simulation") == URL


def test_a_simulation_shows_the_engines_figures_in_french_format(client):
    salaries = [("2 500,00", "35", "81,67", "standard"), ("1850.5", "35", "20", "apprenti")]
    response = client.post(URL, form_data(salaries=salaries))

    page = text(response)
    assert response.status_code == 200
    resultat = expected(
        datetime.date(2026, 3, 1),
        "droit_commun",
        Salarie(Decimal("2500.00"), Decimal("35"), Decimal("81.67")),
        Salarie(Decimal("1850.5"), Decimal("35"), Decimal("20"), Contrat.APPRENTI),
    )
    for ligne in resultat.salaries:
        for amount in (ligne.indemnite, ligne.allocation, ligne.reste_a_charge, ligne.taux_horaire):
            assert format_euros(amount) in page
        for explication in ligne.explications:
            assert html.unescape(explication) in page
    for amount in (resultat.total.indemnite, resultat.total.allocation, resultat.total.reste_a_charge):
        assert format_euros(amount) in page
    for heading in ["Indemnité versée au salarié", "Allocation remboursée à l'employeur", "Reste à charge", "Total"]:
        assert heading in page
    assert "Résultat de la simulation — mars 2026, Droit commun" in page
    # The barème of the month, each value with its source
    assert "Barème appliqué en mars 2026" in page
    for source in resultat.bareme.sources:
        assert source.reference in page
    assert format_euros(resultat.bareme.smic_horaire) in page
    # What was typed stays in the form
    assert input_value(page, "salaries-0-salaire_brut_mensuel") == "2 500,00"
    assert input_value(page, "salaries-1-salaire_brut_mensuel") == "1850.5"


def test_a_month_typed_mm_aaaa_is_read(client):
    page = text(client.post(URL, form_data(mois="03/2026")))

    assert "Résultat de la simulation — mars 2026" in page
    assert input_value(page, "mois") == "2026-03"


def test_french_format_of_amounts():
    assert format_euros(Decimal("1234.56")) == "1 234,56 €"
    assert format_euros(Decimal("843.155")) == "843,16 €"
    assert format_euros(Decimal("0")) == "0,00 €"


def test_the_published_example_of_2020(client):
    """Ministry Q/R of 2020: 10.15 €/h, 105 h in March/April 2020: indemnité = allocation = 843.15 €."""
    # 10.15 €/h on 151.67 h a month; 105 h chômées.
    salaire = "1539,45"
    page = text(client.post(URL, form_data(mois="04/2020", salaries=[(salaire, "35", "105", "standard")])))

    assert page.count("843,15 €") >= 4  # indemnité and allocation, on the row and in the total
    assert "0,00 €" in page


@pytest.mark.parametrize(
    ("data", "field_id", "kept"),
    [
        (form_data(salaries=[("-1500", "35", "10", "standard")]), "id_salaries-0-salaire_brut_mensuel", "-1500"),
        (form_data(salaries=[("2000", "35", "200", "standard")]), "id_salaries-0-heures_chomees", "200"),
        (form_data(salaries=[("deux mille", "35", "10", "standard")]), "id_salaries-0-salaire_brut_mensuel", None),
        (form_data(mois="02/2020"), "id_mois", "2020-02"),
        (form_data(mois="13/2026"), "id_mois", "13/2026"),
        (form_data(mois="2021-06", dispositif="apld_rebond"), "id_dispositif", None),
        (form_data(salaries=[("", "35", "10", "standard")]), "id_salaries-0-salaire_brut_mensuel", None),
    ],
    ids=[
        "negative_salary",
        "hours_above_the_month",
        "not_a_number",
        "before_march_2020",
        "bad_month",
        "dispositif_not_in_force",
        "missing_salary",
    ],
)
def test_bad_input_gets_a_french_message_next_to_its_field_and_keeps_the_typing(client, data, field_id, kept):
    response = client.post(URL, data)

    page = text(response)
    assert response.status_code == 200
    assert "La simulation n'a pas pu être faite" in page
    assert "Résultat de la simulation" not in page
    message = field_error(page, field_id)
    assert message, f"pas de message à côté de {field_id}"
    assert not re.search(r"\b(the|is|this|field|required)\b", message), message  # French
    assert f'aria-describedby="{field_id}-hint {field_id}-error"' in page or f'{field_id}-error"' in page
    if kept is not None:
        name = field_id.removeprefix("id_")
        assert input_value(page, name) == kept
    # The other employee fields keep their typing too
    assert input_value(page, "salaries-0-duree_hebdomadaire") == "35"


def test_the_engines_messages_are_those_shown(client):
    salarie = Salarie(Decimal("-1500"), Decimal("35"), Decimal("200"))
    messages = engine.erreurs_salarie(salarie)

    page = text(client.post(URL, form_data(salaries=[("-1500", "35", "200", "standard")])))

    assert messages
    for champ, message in messages.items():
        assert html.unescape(message) in field_error(page, f"id_salaries-0-{champ}")


def test_a_month_before_march_2020_and_a_dispositif_out_of_force_say_why(client):
    with pytest.raises(selectors.HorsBareme) as before:
        selectors.bareme_du_mois(mois=datetime.date(2020, 2, 1), dispositif="droit_commun")
    page = text(client.post(URL, form_data(mois="2020-02")))

    assert before.value.champ == "mois"
    assert html.unescape(before.value.message) in field_error(page, "id_mois")


def test_adding_and_removing_rows_without_javascript_keeps_the_typing(client):
    data = form_data(salaries=[("2000", "35", "10", "standard")], ajouter="1")

    page = text(client.post(URL, data))

    assert "Salarié 2" in page
    assert input_value(page, "salaries-0-salaire_brut_mensuel") == "2000"
    assert input_value(page, "salaries-1-salaire_brut_mensuel") == ""
    assert "La simulation n'a pas pu être faite" not in page  # the new empty row is not an error yet
    assert input_value(page, "salaries-TOTAL_FORMS") == "2"

    salaries = [("1000", "35", "10", "standard"), ("2000", "35", "20", "apprenti"), ("3000", "35", "30", "standard")]
    page = text(client.post(URL, form_data(salaries=salaries, retirer="1")))

    assert input_value(page, "salaries-TOTAL_FORMS") == "2"
    assert input_value(page, "salaries-0-salaire_brut_mensuel") == "1000"
    assert input_value(page, "salaries-1-salaire_brut_mensuel") == "3000"
    assert input_value(page, "salaries-1-heures_chomees") == "30"
    assert input_value(page, "mois") == "2026-03"
    assert "Salarié 3" not in page


def test_the_only_row_has_no_remove_button(client, db):
    page = text(client.get(URL))

    assert 'name="retirer"' not in page
    assert 'name="ajouter"' in page


def test_the_html_form_keeps_csrf():
    client = Client(enforce_csrf_checks=True)

    response = client.post(URL, form_data())

    assert response.status_code == 403
    page = client.get(URL).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_history_of_the_bareme_with_its_sources(client):
    page = text(client.get(reverse("bareme:historique")))

    assert "Barème de l'activité partielle depuis mars 2020" in page
    assert "Droit commun" in page and "de mars 2020 à" in page
    assert ">depuis " in page  # the period still in force
    mars_2020 = selectors.bareme_du_mois(mois=datetime.date(2020, 3, 1), dispositif="droit_commun")
    assert mars_2020.smic_horaire.to_eng_string().replace(".", ",") in page
    for source in mars_2020.sources:
        assert source.reference in page
    assert f'href="{reverse("bareme:historique_csv")}"' in page


def test_the_history_as_csv(client):
    response = client.get(reverse("bareme:historique_csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][:4] == ["Dispositif", "Premier mois", "Dernier mois (vide : en vigueur)", "SMIC horaire brut"]
    assert any(row[0] == "Droit commun" and row[2] == "" for row in rows[1:])  # the period in force
    first = rows[1]
    assert first[0] == "Droit commun" and first[1] == "03/2020"
    mars_2020 = selectors.bareme_du_mois(mois=datetime.date(2020, 3, 1), dispositif="droit_commun")
    assert first[3] == str(mars_2020.smic_horaire).replace(".", ",")
    assert first[4] == next(v for v in mars_2020.valeurs if v.nom == "smic_horaire").source.reference


def test_a_dispositif_out_of_force_lists_those_in_force(client):
    page = text(client.post(URL, form_data(mois="2024-06", dispositif="secteur_protege")))

    message = field_error(page, "id_dispositif")
    assert "n'est pas en vigueur en juin 2024" in message
    assert "Dispositifs possibles ce mois-là : Droit commun" in message


def test_a_month_after_the_last_known_text_says_which_barème_applies(client):
    page = text(client.post(URL, form_data(mois="01/2030")))

    assert "Résultat de la simulation — janvier 2030" in page
    bareme = selectors.bareme_du_mois(mois=datetime.date(2030, 1, 1), dispositif="droit_commun")
    assert bareme.apres_dernier_texte
    assert engine.mention_bareme(bareme) in page
    assert "aucun texte plus récent n'est connu" in page


def test_the_hint_of_dispositif_names_those_in_force_in_the_month_sent(client):
    page = text(client.post(URL, form_data(mois="06/2024", ajouter="1")))

    hint = re.search(r'id="id_dispositif-hint">([^<]*)<', page)[1]
    assert hint == "En vigueur en juin 2024 : Droit commun, Activité partielle de longue durée (APLD)."
    assert 'aria-describedby="id_dispositif-hint"' in page
    assert 'id="periodes-dispositifs" type="application/json"' in page


def test_the_month_is_checked_even_without_a_dispositif(client):
    page = text(client.post(URL, form_data(mois="02/2020", dispositif="")))

    assert "mars 2020" in field_error(page, "id_mois")
    assert field_error(page, "id_dispositif") == "Choisissez le dispositif d'activité partielle."


def test_more_rows_than_the_page_takes_are_refused_in_french(client):
    data = form_data(salaries=[("2000", "35", "10", "standard")] * 51)

    page = text(client.post(URL, data))

    assert "50 salariés au plus par simulation sur cette page." in page
    assert "Résultat de la simulation" not in page


def test_the_published_example_of_october_2021(client):
    """A SMIC employee in October 2021 (10.48 €/h): indemnité 8.30 €/h, allocation 7.47 €/h (the floors)."""
    page = text(client.post(URL, form_data(mois="10/2021", salaries=[("1 589,50", "35", "10", "standard")])))

    assert "Taux horaire de référence : 1 589,50 € ÷ 151,67 h = 10,48 €." in page
    assert "83,00 €" in page  # indemnité: 8,30 € × 10 h
    assert "74,70 €" in page  # allocation: 7,47 € × 10 h
    assert "8,30 €" in page and "7,47 €" in page
