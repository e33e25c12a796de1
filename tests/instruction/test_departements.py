"""The département of a code postal: the rule the UD agents' queue follows."""

import pytest

from referentiels.departements import DEPARTEMENTS, CodePostalHorsDepartement, departement_of, departements_parse


@pytest.mark.parametrize(
    ("code_postal", "departement"),
    [
        ("75011", "75"),
        ("92100", "92"),
        ("01000", "01"),
        ("95000", "95"),
        ("13001", "13"),
        (" 33000 ", "33"),
        # Corse-du-Sud: 200xx and 201xx; Haute-Corse: 202xx to 206xx.
        ("20000", "2A"),
        ("20090", "2A"),
        ("20167", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("20620", "2B"),
        # The DOM: three digits.
        ("97110", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97500", "975"),
        ("97600", "976"),
    ],
)
def test_the_departement_of_a_code_postal(code_postal, departement):
    assert departement_of(code_postal) == departement


@pytest.mark.parametrize("code_postal", ["98000", "98800", "00100", "96000", "97700", "7501", "750011", "2A000", ""])
def test_what_is_not_the_code_postal_of_a_french_departement_is_refused(code_postal):
    with pytest.raises(CodePostalHorsDepartement):
        departement_of(code_postal)


def test_the_corsica_rule_holds_for_every_code_postal_of_the_shipped_table():
    from tests.factories import _shipped_communes

    corsica = [row for row in _shipped_communes() if row.code_commune[:2] in ("2A", "2B")]
    assert len(corsica) > 300
    for row in corsica:
        assert departement_of(row.code_postal) == row.code_commune[:2], row.code_postal


def test_the_list_has_the_101_departements_and_saint_pierre_et_miquelon():
    assert len(DEPARTEMENTS) == 102 and "20" not in DEPARTEMENTS
    assert DEPARTEMENTS["2A"] == "Corse-du-Sud" and DEPARTEMENTS["976"] == "Mayotte"


def test_a_list_of_departements_is_read_as_typed():
    assert departements_parse("92, 75,2a,1,75") == ["01", "2A", "75", "92"]
    with pytest.raises(ValueError, match="Département inconnu : 20, 99"):
        departements_parse("75,20,99")
    with pytest.raises(ValueError, match="au moins un département"):
        departements_parse(" , ")
