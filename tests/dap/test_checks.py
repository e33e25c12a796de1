"""Each check of a DAP, with the French message on its field (dap.checks.erreurs_demande)."""

import datetime
from decimal import Decimal

import pytest

from dap import checks
from dap.checks import add_months, erreurs_demande
from dap.enums import Motif, SousMotif, Statut

from .conftest import days, make_demande, today, valid_data

pytestmark = pytest.mark.django_db


def errors(establishment, **overrides):
    return erreurs_demande(etablissement=establishment, data=valid_data(**overrides), today=today())


def test_a_valid_demande_has_no_error(establishment):
    assert errors(establishment) == {}


def _d(n):
    return days(n)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date_debut": _d(10), "date_fin": _d(9)}, "date_fin", checks.FIN_AVANT_DEBUT),
        ({"date_debut": _d(-1)}, "date_debut", checks.DEBUT_PASSE),
        ({"motif": Motif.RESTRUCTURATION, "date_debut": _d(-1)}, "date_debut", checks.DEBUT_PASSE),
        (
            {"motif": Motif.SINISTRE, "date_debut": _d(-31)},
            "date_debut",
            checks.DEBUT_PASSE_30_JOURS.format(date=_d(-30).strftime("%d/%m/%Y")),
        ),
        (
            {"motif": Motif.AUTRE, "sous_motif": SousMotif.CORONAVIRUS, "date_debut": _d(-31)},
            "date_debut",
            checks.DEBUT_PASSE_30_JOURS.format(date=_d(-30).strftime("%d/%m/%Y")),
        ),
        (
            {"date_debut": _d(1), "date_fin": add_months(_d(1), 3)},
            "date_fin",
            checks.DUREE_3_MOIS.format(date=(add_months(_d(1), 3) - datetime.timedelta(days=1)).strftime("%d/%m/%Y")),
        ),
        (
            {"motif": Motif.SINISTRE, "date_debut": _d(1), "date_fin": add_months(_d(1), 6)},
            "date_fin",
            checks.DUREE_6_MOIS.format(date=(add_months(_d(1), 6) - datetime.timedelta(days=1)).strftime("%d/%m/%Y")),
        ),
        ({"nb_salaries": 13}, "nb_salaries", checks.SALARIES_EFFECTIF.format(effectif=12)),
        ({"nb_salaries": 0}, "nb_salaries", checks.SALARIES_MIN),
        (
            {"heures_previsionnelles": Decimal("350.01")},
            "heures_previsionnelles",
            "Le nombre d'heures chômées prévisionnelles ne peut pas dépasser 350,00 h "
            "(5 salariés × 35 h × 2,00 semaines).",
        ),
        ({"heures_previsionnelles": Decimal("0")}, "heures_previsionnelles", checks.HEURES_MIN),
        ({"iban": "FR7630006000011234567890188"}, "iban", checks.IBAN_INVALIDE),
        ({"bic": "AGRIFR"}, "bic", checks.BIC_INVALIDE),
        ({"motif": Motif.AUTRE, "sous_motif": ""}, "sous_motif", checks.SOUS_MOTIF_REQUIS),
        ({"sous_motif": SousMotif.UKRAINE}, "sous_motif", checks.SOUS_MOTIF_INTERDIT),
        ({"circonstances": "x" * 2001}, "circonstances", checks.CIRCONSTANCES_TROP_LONGUES),
        ({"circonstances": ""}, "circonstances", checks.REQUIRED),
        ({"motif": ""}, "motif", checks.REQUIRED),
        ({"motif": "inconnu"}, "motif", checks.CHOIX_INVALIDE),
        ({"type_activite": ""}, "type_activite", checks.REQUIRED),
        ({"titulaire": "  "}, "titulaire", checks.REQUIRED),
        ({"date_fin": None}, "date_fin", checks.REQUIRED),
    ],
)
def test_each_check_gives_its_message_on_its_field(establishment, overrides, field, message):
    assert errors(establishment, **overrides)[field] == message


@pytest.mark.parametrize(
    "overrides",
    [
        {"motif": Motif.SINISTRE, "date_debut": _d(-30)},  # 3°: up to 30 days back
        {"motif": Motif.AUTRE, "sous_motif": SousMotif.AUTRE, "date_debut": _d(-30)},  # 5° too
        {"date_debut": _d(0), "date_fin": _d(0), "heures_previsionnelles": Decimal("25")},  # one day: 5 × 35 / 7
        {"date_debut": _d(1), "date_fin": add_months(_d(1), 3) - datetime.timedelta(days=1)},  # exactly 3 months
        {"motif": Motif.SINISTRE, "date_fin": add_months(_d(1), 6) - datetime.timedelta(days=1)},
        {"nb_salaries": 12},  # the whole effectif
        {"heures_previsionnelles": Decimal("350")},
        {"iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPPXXX"},
    ],
)
def test_the_limits_themselves_are_accepted(establishment, overrides):
    assert errors(establishment, **overrides) == {}


@pytest.mark.parametrize("motif", [Motif.CONJONCTURE, Motif.APPROVISIONNEMENT, Motif.RESTRUCTURATION])
def test_the_cse_date_is_required_for_motifs_1_2_4_from_50_employees(establishment, motif):
    establishment.effectif = 50
    establishment.save()
    assert errors(establishment, motif=motif)["date_consultation_cse"] == checks.CSE_REQUIS
    assert "date_consultation_cse" not in errors(establishment, motif=motif, date_consultation_cse=_d(-2))


@pytest.mark.parametrize(
    "overrides", [{"motif": Motif.SINISTRE}, {"motif": Motif.AUTRE, "sous_motif": SousMotif.CORONAVIRUS}]
)
def test_the_cse_date_may_come_later_for_motifs_3_and_5(establishment, overrides):
    establishment.effectif = 200
    establishment.save()
    assert "date_consultation_cse" not in errors(establishment, **overrides)


def test_no_cse_date_under_50_employees(establishment):
    establishment.effectif = 49
    establishment.save()
    assert "date_consultation_cse" not in errors(establishment)


@pytest.mark.parametrize("statut", [Statut.ENVOYEE, Statut.COMPLEMENT, Statut.ACCEPTEE, Statut.ACCEPTEE_IMPLICITEMENT])
def test_a_pending_or_accepted_dap_of_the_establishment_may_not_overlap(establishment, employer, statut):
    other = make_demande(establishment, employer, statut=statut, debut=_d(10), fin=_d(20))
    assert errors(establishment)["date_debut"] == checks.CHEVAUCHEMENT.format(
        numero=other.numero, debut=_d(10).strftime("%d/%m/%Y"), fin=_d(20).strftime("%d/%m/%Y")
    )


@pytest.mark.parametrize("statut", [Statut.PROVISOIRE, Statut.REFUSEE, Statut.RETIREE])
def test_a_provisoire_refused_or_withdrawn_dap_does_not_block_the_period(establishment, employer, statut):
    make_demande(establishment, employer, statut=statut, debut=_d(10), fin=_d(20))
    assert errors(establishment) == {}


def test_another_establishments_dap_does_not_block_the_period(establishment, employer):
    from tests.factories import EstablishmentFactory

    make_demande(EstablishmentFactory(complete=True), employer, debut=_d(10), fin=_d(20))
    assert errors(establishment) == {}


def test_at_most_6_months_within_12_consecutive_months(establishment, employer):
    make_demande(establishment, employer, statut=Statut.ACCEPTEE, debut=_d(-120), fin=_d(-1), engagements="x")
    # 120 days authorised, then 81 more: 201 days within the 12 months ending on the last day requested.
    found = errors(establishment, date_debut=_d(0), date_fin=_d(80), engagements="Maintien dans l'emploi")
    fin = _d(80)
    maximum = (fin - add_months(fin, -6)).days
    assert found == {
        "date_fin": checks.SIX_MOIS_SUR_DOUZE.format(jours=201, date=fin.strftime("%d/%m/%Y"), maximum=maximum)
    }
    # 120 + 61 = 181 days: within 6 months.
    assert errors(establishment, date_debut=_d(0), date_fin=_d(60), engagements="Maintien dans l'emploi") == {}


def test_a_pending_dap_counts_in_the_6_months(establishment, employer):
    make_demande(establishment, employer, statut=Statut.ENVOYEE, debut=_d(1), fin=_d(89))
    make_demande(establishment, employer, statut=Statut.ENVOYEE, debut=_d(90), fin=_d(170))
    assert "date_fin" in errors(establishment, date_debut=_d(171), date_fin=_d(200))


def test_a_later_dap_within_12_months_is_counted_too(establishment, employer):
    make_demande(establishment, employer, statut=Statut.ENVOYEE, debut=_d(60), fin=_d(145))
    make_demande(establishment, employer, statut=Statut.ACCEPTEE, debut=_d(146), fin=_d(200))
    # 59 + 86 + 55 = 200 days within the 12 months ending on the later DAP's last day.
    found = errors(establishment, date_debut=_d(1), date_fin=_d(59), engagements="x")
    assert found["date_fin"].endswith(
        f"se terminant le {_d(200):%d/%m/%Y} (au plus {(_d(200) - add_months(_d(200), -6)).days} jours)."
    )
    assert errors(establishment, date_debut=_d(1), date_fin=_d(30), engagements="x") == {}


def test_engagements_are_required_after_an_authorisation_in_the_36_months(establishment, employer):
    make_demande(establishment, employer, statut=Statut.ACCEPTEE, debut=_d(-700), fin=_d(-650))
    assert errors(establishment)["engagements"] == checks.ENGAGEMENTS_REQUIS
    assert errors(establishment, engagements="Maintien dans l'emploi des salariés pendant 6 mois.") == {}


def test_engagements_are_not_required_after_36_months(establishment, employer):
    start = add_months(today(), -40)
    make_demande(establishment, employer, statut=Statut.ACCEPTEE, debut=start, fin=add_months(start, 3))
    assert "engagements" not in errors(establishment)


def test_a_refused_dap_does_not_require_engagements(establishment, employer):
    make_demande(establishment, employer, statut=Statut.REFUSEE, debut=_d(-100), fin=_d(-90))
    assert "engagements" not in errors(establishment)


def test_add_months_keeps_the_last_day_of_a_short_month():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), -12) == datetime.date(2025, 11, 30)
    assert add_months(datetime.date(2026, 3, 1), 3) == datetime.date(2026, 6, 1)
