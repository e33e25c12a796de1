"""The CSV reader of the employees (indemnisation.csv_import.lire_csv): encodings, separators, tolerant headers,
and what it cannot read, by line of the file."""

import codecs

import pytest

from indemnisation import checks
from indemnisation.csv_import import LIGNES_MAX, TAILLE_MAX, lire_csv, modele_csv

HEADER = "Nom;Prénom;NIR;Type de contrat;Durée hebdomadaire de travail;Salaire brut mensuel de référence;Heures chômées"
NIR = "285057501104214"


def line(*cells, sep=";"):
    return sep.join(cells)


def test_a_semicolon_file_in_utf8_with_its_bom():
    text = "\r\n".join([HEADER, line("MARTIN", "Hélène", NIR, "CDI / CDD", "35", "1 234,56", "20,5"), ""])
    rows, erreurs = lire_csv(codecs.BOM_UTF8 + text.encode("utf-8"))

    assert erreurs == []
    assert rows == [
        {
            "nom": "MARTIN",
            "prenom": "Hélène",
            "nir": NIR,
            "contrat": "CDI / CDD",
            "duree_hebdomadaire": "35",
            "salaire_brut_mensuel": "1 234,56",
            "heures_chomees": "20,5",
            "ligne": 2,
        }
    ]


def test_a_comma_file_with_quoted_decimals():
    text = "\n".join([HEADER.replace(";", ","), "MARTIN,Gaëlle," + NIR + ',Apprenti,35,"1234,56","20,5"'])
    rows, erreurs = lire_csv(text.encode("utf-8"))

    assert erreurs == []
    assert rows[0]["prenom"] == "Gaëlle"
    assert rows[0]["salaire_brut_mensuel"] == "1234,56"
    assert rows[0]["heures_chomees"] == "20,5"
    assert checks.contrat_de(rows[0]["contrat"]) == "apprenti"


def test_windows_1252_accents_are_kept():
    text = "\r\n".join(
        [
            HEADER,
            line("ÉLIE", "Hélène", NIR, "", "35", "2000", "20"),
            line("NOËL", "Gaëlle", NIR, "", "35", "2000", "20"),
        ]
    )
    rows, erreurs = lire_csv(text.encode("cp1252"))

    assert erreurs == []
    assert [(row["nom"], row["prenom"]) for row in rows] == [("ÉLIE", "Hélène"), ("NOËL", "Gaëlle")]


def test_the_headers_of_a_payroll_export_are_recognised_in_any_order():
    header = "heures chomees,N° de sécurité sociale,PRENOM,nom,Contrat,Durée hebdomadaire,Salaire brut (€)"
    rows, erreurs = lire_csv(f"{header}\n20,{NIR},Hélène,MARTIN,CDI,35,2000\n".encode())

    assert erreurs == []
    assert rows[0] == {
        "heures_chomees": "20",
        "nir": NIR,
        "prenom": "Hélène",
        "nom": "MARTIN",
        "contrat": "CDI",
        "duree_hebdomadaire": "35",
        "salaire_brut_mensuel": "2000",
        "ligne": 2,
    }


def test_the_contract_column_may_be_left_out():
    header = "Nom;Prénom;NIR;Durée hebdomadaire;Salaire brut;Heures chômées"
    rows, erreurs = lire_csv(f"{header}\nMARTIN;Hélène;{NIR};35;2000;20".encode())

    assert erreurs == []
    assert "contrat" not in rows[0]


def test_a_missing_column_is_one_clear_error_on_the_header_line():
    rows, erreurs = lire_csv("Nom;Prénom;Durée hebdomadaire;Salaire brut\nMARTIN;Hélène;35;2000".encode())

    assert rows == []
    assert len(erreurs) == 1
    ligne, message = erreurs[0]
    assert ligne == 1
    assert "les colonnes « NIR », « Heures chômées »" in message
    assert "modèle CSV" in message


def test_blank_lines_are_skipped_and_the_line_numbers_are_those_of_the_file():
    text = "\n".join(
        [
            "",
            HEADER,
            line("A", "a", NIR, "", "35", "2000", "20"),
            ";;;;;;",
            "",
            line("B", "b", NIR, "", "35", "2000", "20"),
        ]
    )
    rows, erreurs = lire_csv(text.encode())

    assert erreurs == []
    assert [row["ligne"] for row in rows] == [3, 6]


def test_an_unquoted_decimal_in_a_comma_file_is_reported_on_its_line():
    text = "\n".join([HEADER.replace(";", ","), f"A,a,{NIR},,35,2000,20", f"B,b,{NIR},,35,1234,56,20"])
    rows, erreurs = lire_csv(text.encode())

    assert len(rows) == 1
    assert erreurs == [(3, erreurs[0][1])]
    assert "8 valeurs pour 7 colonnes" in erreurs[0][1]
    assert '"151,67"' in erreurs[0][1]


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", codecs.BOM_UTF8])
def test_an_empty_file(data):
    rows, erreurs = lire_csv(data)

    assert rows == []
    assert erreurs[0][0] == 0
    assert "vide" in erreurs[0][1]


def test_a_file_over_5_mo_is_refused():
    rows, erreurs = lire_csv(b"x" * (TAILLE_MAX + 1))

    assert rows == []
    assert erreurs == [(0, "Le fichier dépasse 5 Mo : découpez-le ou retirez les colonnes inutiles.")]


def test_5000_rows_are_read_and_more_than_the_maximum_refused():
    body = "\n".join(line(f"NOM{i}", "Prénom", NIR, "", "35", "2000", "20") for i in range(5000))
    rows, erreurs = lire_csv(f"{HEADER}\n{body}".encode())
    assert erreurs == []
    assert len(rows) == 5000
    assert rows[-1]["ligne"] == 5001

    body = "\n".join(line("N", "P", NIR, "", "35", "2000", "20") for _ in range(LIGNES_MAX + 1))
    rows, erreurs = lire_csv(f"{HEADER}\n{body}".encode())
    assert rows == []
    assert "plus de 10 000 salariés" in erreurs[0][1]


def test_the_template_has_a_bom_the_header_and_an_example_that_reads_back_valid():
    data = modele_csv()

    assert data.startswith(codecs.BOM_UTF8)
    assert data[3:].decode("utf-8").splitlines()[0] == HEADER
    rows, erreurs = lire_csv(data)
    assert erreurs == []
    assert len(rows) == 1
    ligne, erreurs_ligne = checks.verifier_ligne(rows[0])
    assert erreurs_ligne == {}
    assert ligne.nir == NIR
