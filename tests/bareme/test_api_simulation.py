"""POST /api/simulation/: the engine's figures to the cent as two-decimal strings, keyed French errors, JSON
answers for every refusal (405, 415, 413, 429), no CSRF token, at most 1000 employees a call."""

import datetime
import json
from decimal import Decimal

import pytest
from django.test import Client

from bareme import engine, selectors
from bareme.engine import Contrat, Salarie

URL = "/api/simulation/"
SALARIE = {
    "salaire_brut_mensuel": "2500.00",
    "duree_hebdomadaire": "35",
    "heures_chomees": "81.67",
    "contrat": "standard",
}

pytestmark = pytest.mark.django_db


def body(**changes):
    return {"mois": "2026-03", "dispositif": "droit_commun", "salaries": [SALARIE]} | changes


def post(client, data, **kwargs):
    payload = data if isinstance(data, (str, bytes)) else json.dumps(data)
    kwargs.setdefault("content_type", "application/json")
    return client.post(URL, payload, **kwargs)


def two_decimals(value: Decimal) -> str:
    return str(engine.arrondi(value))


def test_the_answer_is_the_engines_to_the_cent():
    client = Client(enforce_csrf_checks=True)  # no CSRF token needed
    second = {"salaire_brut_mensuel": 1850.5, "duree_hebdomadaire": 35, "heures_chomees": 20, "contrat": "apprenti"}

    response = post(client, body(salaries=[SALARIE, second]))

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    data = response.json()
    bareme = selectors.bareme_du_mois(mois=datetime.date(2026, 3, 1), dispositif="droit_commun")
    resultat = engine.calculer(
        bareme,
        [
            Salarie(Decimal("2500.00"), Decimal("35"), Decimal("81.67")),
            Salarie(Decimal("1850.5"), Decimal("35"), Decimal("20"), Contrat.APPRENTI),
        ],
    )
    assert data["mois"] == "2026-03" and data["dispositif"] == "droit_commun"
    assert data["bareme"]["smic_horaire"] == two_decimals(bareme.smic_horaire)
    assert data["bareme"]["taux_indemnite"] == two_decimals(bareme.taux_indemnite)
    assert data["bareme"]["taux_allocation"] == two_decimals(bareme.taux_allocation)
    assert data["bareme"]["plafond_horaire"] == two_decimals(bareme.plafond_horaire)
    assert data["bareme"]["plancher_allocation"] == two_decimals(bareme.plancher_allocation)
    assert data["bareme"]["sources"] == [{"reference": s.reference, "url": s.url} for s in bareme.sources]
    for got, ligne in zip(data["salaries"], resultat.salaries, strict=True):
        assert got == {
            "taux_horaire": two_decimals(ligne.taux_horaire),
            "indemnite_horaire": two_decimals(ligne.indemnite_horaire),
            "allocation_horaire": two_decimals(ligne.allocation_horaire),
            "indemnite": two_decimals(ligne.indemnite),
            "allocation": two_decimals(ligne.allocation),
            "reste_a_charge": two_decimals(ligne.reste_a_charge),
            "explications": list(ligne.explications),
        }
    assert data["total"] == {
        "indemnite": two_decimals(resultat.total.indemnite),
        "allocation": two_decimals(resultat.total.allocation),
        "reste_a_charge": two_decimals(resultat.total.reste_a_charge),
    }
    for amount in [data["total"]["indemnite"], data["salaries"][0]["indemnite"], data["bareme"]["smic_horaire"]]:
        assert isinstance(amount, str) and len(amount.split(".")[1]) == 2


def test_the_published_example_of_2020(client):
    """Ministry Q/R of 2020: 10.15 €/h, 105 h: indemnité = allocation = 843.15 €, nothing left to the employer."""
    salarie = {"salaire_brut_mensuel": "1539.45", "duree_hebdomadaire": "35", "heures_chomees": "105"}

    for mois in ("2020-03", "2020-04"):
        data = post(client, body(mois=mois, salaries=[salarie])).json()

        assert data["salaries"][0]["taux_horaire"] == "10.15"
        assert data["salaries"][0]["indemnite"] == "843.15"
        assert data["salaries"][0]["allocation"] == "843.15"
        assert data["total"]["reste_a_charge"] == "0.00"


def test_the_published_example_of_october_2021(client):
    """A SMIC employee in October 2021 (10.48 €/h): indemnité 8.30 €/h, allocation 7.47 €/h (the floors)."""
    salarie = {"salaire_brut_mensuel": "1589.50", "duree_hebdomadaire": "35", "heures_chomees": "10"}

    data = post(client, body(mois="2021-10", salaries=[salarie])).json()

    assert data["salaries"][0]["indemnite_horaire"] == "8.30"
    assert data["salaries"][0]["allocation_horaire"] == "7.47"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (body(mois="2020-02"), "mois"),
        (body(mois="03/2026"), "mois"),
        (body(mois=202603), "mois"),
        (body(mois=None), "mois"),
        (body(dispositif="chomage_partiel"), "dispositif"),
        (body(dispositif=["apld"]), "dispositif"),
        (body(mois="2021-06", dispositif="apld_rebond"), "dispositif"),
        (body(salaries=[]), "salaries"),
        (body(salaries="beaucoup"), "salaries"),
        (body(salaries=[SALARIE] * 1001), "salaries"),
        (body(salaries=[42]), "salaries.0"),
        (body(salaries=[SALARIE | {"salaire_brut_mensuel": "-1500"}]), "salaries.0.salaire_brut_mensuel"),
        (body(salaries=[SALARIE, SALARIE | {"heures_chomees": "200"}]), "salaries.1.heures_chomees"),
        (body(salaries=[SALARIE | {"salaire_brut_mensuel": "1 234,56"}]), "salaries.0.salaire_brut_mensuel"),
        (body(salaries=[SALARIE | {"salaire_brut_mensuel": "1234,56"}]), "salaries.0.salaire_brut_mensuel"),
        (body(salaries=[SALARIE | {"salaire_brut_mensuel": True}]), "salaries.0.salaire_brut_mensuel"),
        (body(salaries=[SALARIE | {"salaire_brut_mensuel": "1e5"}]), "salaries.0.salaire_brut_mensuel"),
        (body(salaries=[SALARIE | {"duree_hebdomadaire": None}]), "salaries.0.duree_hebdomadaire"),
        (body(salaries=[SALARIE | {"contrat": "interim"}]), "salaries.0.contrat"),
        ('{"mois": "2026-03",', "requete"),
        ('[{"mois": "2026-03"}]', "requete"),
        (b"\xff\xfe", "requete"),
    ],
    ids=[
        "before_march_2020",
        "month_in_french_format",
        "month_as_number",
        "month_missing",
        "unknown_dispositif",
        "dispositif_wrong_type",
        "dispositif_not_in_force",
        "no_employee",
        "employees_not_a_list",
        "1001_employees",
        "employee_not_an_object",
        "negative_salary",
        "hours_above_the_month",
        "french_amount_with_space",
        "decimal_comma",
        "boolean",
        "exponent",
        "missing_figure",
        "unknown_contract",
        "malformed_json",
        "not_an_object",
        "not_utf8",
    ],
)
def test_bad_input_answers_400_with_keyed_french_messages(client, data, key):
    response = post(client, data)

    assert response.status_code == 400, response.content
    erreurs = response.json()["erreurs"]
    assert key in erreurs, erreurs
    assert all(isinstance(message, str) and message for message in erreurs[key])
    assert not any(word in " ".join(erreurs[key]).lower().split() for word in ("the", "is", "invalid", "field"))


def test_the_engines_messages_are_those_given(client):
    salarie = Salarie(Decimal("-1500"), Decimal("35"), Decimal("200"))

    response = post(
        client,
        body(salaries=[SALARIE, {"salaire_brut_mensuel": "-1500", "duree_hebdomadaire": 35, "heures_chomees": 200}]),
    )

    for champ, message in engine.erreurs_salarie(salarie).items():
        assert response.json()["erreurs"][f"salaries.1.{champ}"] == [message]


def test_a_number_or_a_string_with_a_point_are_read_alike(client):
    as_strings = post(client, body()).json()
    as_numbers = post(
        client, body(salaries=[{"salaire_brut_mensuel": 2500.00, "duree_hebdomadaire": 35, "heures_chomees": 81.67}])
    ).json()

    assert as_numbers == as_strings  # contrat left out: "standard"


def test_1000_employees_are_accepted(client):
    response = post(client, body(salaries=[SALARIE] * 1000))

    assert response.status_code == 200
    assert len(response.json()["salaries"]) == 1000


@pytest.mark.parametrize(
    ("method", "status", "word"),
    [("get", 405, "POST"), ("put", 405, "POST"), ("post_form", 415, "JSON")],
)
def test_other_methods_and_types_get_json_in_french(client, method, status, word):
    response = client.post(URL, {"mois": "2026-03"}) if method == "post_form" else getattr(client, method)(URL)

    assert response.status_code == status
    message = response.json()["erreurs"]["requete"][0]
    assert word in message
    if status == 405:
        assert response["Allow"] == "POST"


def test_a_charset_after_the_type_is_accepted(client):
    response = post(client, body(), content_type="application/json; charset=utf-8")

    assert response.status_code == 200


def test_a_body_too_big_answers_413_in_json(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = post(client, body(salaries=[SALARIE] * 20))

    assert response.status_code == 413
    assert "1000 salariés au plus" in response.json()["erreurs"]["requete"][0]


def test_429_after_the_limit_per_ip(client, settings):
    settings.SIMULATION_API_RATE_LIMIT_PER_IP = 3

    statuses = [post(client, body(), REMOTE_ADDR="203.0.113.7").status_code for _ in range(4)]
    other_ip = post(client, body(), REMOTE_ADDR="198.51.100.1")

    assert statuses == [200, 200, 200, 429]
    refused = post(client, body(), REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert refused.json() == {
        "erreurs": {"requete": ["Trop de simulations depuis votre adresse : réessayez dans une minute."]}
    }
    assert refused["Retry-After"] == "60"
    assert other_ip.status_code == 200


def test_the_api_and_the_page_give_the_same_figures(client):
    from bareme.templatetags.bareme_tags import format_euros

    api = post(client, body()).json()
    page = client.post(
        "/simulation-indemnisation/",
        {
            "mois": "2026-03",
            "dispositif": "droit_commun",
            "salaries-TOTAL_FORMS": "1",
            "salaries-INITIAL_FORMS": "0",
            "salaries-0-salaire_brut_mensuel": "2500,00",
            "salaries-0-duree_hebdomadaire": "35",
            "salaries-0-heures_chomees": "81,67",
            "salaries-0-contrat": "standard",
        },
    ).content.decode()

    for key in ("indemnite", "allocation", "reste_a_charge"):
        assert format_euros(Decimal(api["total"][key])) in page


def test_a_dispositif_out_of_force_lists_the_codes_in_force(client):
    response = post(client, body(mois="2024-06", dispositif="secteur_protege"))

    [message] = response.json()["erreurs"]["dispositif"]
    assert "n'est pas en vigueur en juin 2024" in message
    assert "Dispositifs possibles ce mois-là : droit_commun, apld" in message


def test_the_month_is_checked_even_with_an_unknown_dispositif(client):
    erreurs = post(client, body(mois="2019-12", dispositif="chomage")).json()["erreurs"]

    assert "mars 2020" in erreurs["mois"][0]
    assert erreurs["dispositif"] == ["Dispositif inconnu : droit_commun, secteur_protege, apld ou apld_rebond."]
