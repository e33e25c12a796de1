"""`manage.py import_sirene`: INSEE's SIRENE stock files into SireneUniteLegale / SireneEtablissement.

The files are written here with INSEE's official headers (written out in full below, independently of
referentiels.sirene_import). On PostgreSQL the COPY path runs, elsewhere bulk_create: same expectations.
"""

import csv
import gzip
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from stdnum.fr import siret as siret_number

from referentiels.models import SireneEtablissement, SireneUniteLegale
from referentiels.sirene_import import (
    STOCK_ETABLISSEMENT_COLUMNS,
    STOCK_UNITE_LEGALE_COLUMNS,
    SireneImportError,
    sirene_import,
)

pytestmark = pytest.mark.django_db

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo" / "data"

# StockEtablissement since the NAF 2025 column (54 columns), in INSEE's order.
ETABLISSEMENT_HEADER = [
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement",
    "indiceRepetitionDernierNumeroVoieEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "identifiantAdresseEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
    "activitePrincipaleNAF25Etablissement",
]
# StockEtablissement before 2023 (48 columns).
ETABLISSEMENT_HEADER_2019 = [
    name
    for name in ETABLISSEMENT_HEADER
    if name
    not in {
        "dernierNumeroVoieEtablissement",
        "indiceRepetitionDernierNumeroVoieEtablissement",
        "identifiantAdresseEtablissement",
        "coordonneeLambertAbscisseEtablissement",
        "coordonneeLambertOrdonneeEtablissement",
        "activitePrincipaleNAF25Etablissement",
    }
]
# StockUniteLegale (35 columns), and before 2023 (33).
UNITE_LEGALE_HEADER = [
    "siren",
    "statutDiffusionUniteLegale",
    "unitePurgeeUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "sexeUniteLegale",
    "prenom1UniteLegale",
    "prenom2UniteLegale",
    "prenom3UniteLegale",
    "prenom4UniteLegale",
    "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
    "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale",
    "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale",
    "activitePrincipaleNAF25UniteLegale",
]
UNITE_LEGALE_HEADER_2019 = [
    name
    for name in UNITE_LEGALE_HEADER
    if name not in {"societeMissionUniteLegale", "activitePrincipaleNAF25UniteLegale"}
]

MENUCA = {
    "siren": "732829320",
    "statutDiffusionUniteLegale": "O",
    "dateCreationUniteLegale": "1973-04-02",
    "sigleUniteLegale": "AM",
    "trancheEffectifsUniteLegale": "12",
    "anneeEffectifsUniteLegale": "2023",
    "dateDernierTraitementUniteLegale": "2025-11-14T03:12:44",
    "nombrePeriodesUniteLegale": "4",
    "categorieEntreprise": "PME",
    "anneeCategorieEntreprise": "2022",
    "dateDebut": "2008-01-01",
    "etatAdministratifUniteLegale": "A",
    "denominationUniteLegale": "ATELIERS MENUCA",
    "categorieJuridiqueUniteLegale": "5710",
    "activitePrincipaleUniteLegale": "25.62B",
    "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
    "nicSiegeUniteLegale": "00074",
    "economieSocialeSolidaireUniteLegale": "N",
    "societeMissionUniteLegale": "N",
    "caractereEmployeurUniteLegale": "O",
    "activitePrincipaleNAF25UniteLegale": "25.62Y",
}
FOURNIER = {  # an entrepreneur individuel: no denomination
    "siren": "503884272",
    "statutDiffusionUniteLegale": "O",
    "dateCreationUniteLegale": "2008-03-10",
    "sexeUniteLegale": "F",
    "prenom1UniteLegale": "ANNE",
    "prenom2UniteLegale": "CAMILLE",
    "prenomUsuelUniteLegale": "CAMILLE",
    "etatAdministratifUniteLegale": "A",
    "nomUniteLegale": "MOREAU",
    "nomUsageUniteLegale": "FOURNIER",
    "categorieJuridiqueUniteLegale": "1000",
    "activitePrincipaleUniteLegale": "96.02A",
}
SIEGE = {
    "siren": "732829320",
    "nic": "00074",
    "siret": "73282932000074",
    "statutDiffusionEtablissement": "O",
    "dateCreationEtablissement": "1973-04-02",
    "trancheEffectifsEtablissement": "11",
    "anneeEffectifsEtablissement": "2023",
    "dateDernierTraitementEtablissement": "2025-11-14T03:12:44",
    "etablissementSiege": "true",
    "nombrePeriodesEtablissement": "3",
    "complementAdresseEtablissement": "BATIMENT A",
    "numeroVoieEtablissement": "27",
    "indiceRepetitionEtablissement": "B",
    "typeVoieEtablissement": "BD",
    "libelleVoieEtablissement": "RICHARD LENOIR",
    "codePostalEtablissement": "75011",
    "libelleCommuneEtablissement": "PARIS 11",
    "codeCommuneEtablissement": "75111",
    "identifiantAdresseEtablissement": "75111_8128_00027",
    "coordonneeLambertAbscisseEtablissement": "653214.2",
    "coordonneeLambertOrdonneeEtablissement": "6862087.9",
    "dateDebut": "2008-01-01",
    "etatAdministratifEtablissement": "A",
    "enseigne1Etablissement": "MENUCA PARIS",
    "enseigne2Etablissement": "ATELIER",
    "activitePrincipaleEtablissement": "25.62B",
    "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
    "caractereEmployeurEtablissement": "O",
    "activitePrincipaleNAF25Etablissement": "25.62Y",
}
SECONDAIRE = {
    **SIEGE,
    "nic": "00041",
    "siret": "73282932000041",
    "etablissementSiege": "false",
    "complementAdresseEtablissement": "ZONE INDUSTRIELLE DES GRANDS CHAMPS BATIMENT C",
    "numeroVoieEtablissement": "4",
    "indiceRepetitionEtablissement": "",
    "typeVoieEtablissement": "AV",
    "libelleVoieEtablissement": "DES ANCIENS COMBATTANTS D AFRIQUE DU NORD",
    "codePostalEtablissement": "69003",
    "libelleCommuneEtablissement": "LYON 3E ARRONDISSEMENT",
    "codeCommuneEtablissement": "69383",
    "etatAdministratifEtablissement": "F",
    "enseigne1Etablissement": "",
    "enseigne2Etablissement": "",
}
SALON = {
    "siren": "503884272",
    "nic": "00017",
    "siret": "50388427200017",
    "statutDiffusionEtablissement": "O",
    "etablissementSiege": "true",
    "numeroVoieEtablissement": "14",
    "typeVoieEtablissement": "RUE",
    "libelleVoieEtablissement": "DE BETHUNE",
    "codePostalEtablissement": "59000",
    "libelleCommuneEtablissement": "LILLE",
    "codeCommuneEtablissement": "59350",
    "etatAdministratifEtablissement": "A",
    "enseigne1Etablissement": "SALON CAMILLE",
}


def csv_text(header: list[str], rows: list[dict], *, header_names: list[str] | None = None) -> str:
    """A stock file: `header` (official names) in its order, each row's missing columns blank."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header_names or header)
    writer.writerows([row.get(name, "") for name in header] for row in rows)
    return buffer.getvalue()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def stock_files(tmp_path, etablissements=(SIEGE, SECONDAIRE, SALON), unites_legales=(MENUCA, FOURNIER)):
    ul = write(tmp_path / "StockUniteLegale_utf8.csv", csv_text(UNITE_LEGALE_HEADER, list(unites_legales)))
    etab = write(tmp_path / "StockEtablissement_utf8.csv", csv_text(ETABLISSEMENT_HEADER, list(etablissements)))
    return ul, etab


def run(**kwargs):
    out, err = io.StringIO(), io.StringIO()
    report = sirene_import(stdout=out, stderr=err, **kwargs)
    report.out, report.err = out.getvalue(), err.getvalue()
    return report


def etablissement(siret: str) -> dict:
    return SireneEtablissement.objects.filter(pk=siret).values().get()


def test_the_headers_written_here_are_the_module_s():
    assert len(ETABLISSEMENT_HEADER) == 54 and len(ETABLISSEMENT_HEADER_2019) == 48
    assert len(UNITE_LEGALE_HEADER) == 35 and len(UNITE_LEGALE_HEADER_2019) == 33
    assert list(STOCK_ETABLISSEMENT_COLUMNS) == ETABLISSEMENT_HEADER
    assert list(STOCK_UNITE_LEGALE_COLUMNS) == UNITE_LEGALE_HEADER


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_official_files_import_the_right_values(tmp_path, full):
    ul, etab = stock_files(tmp_path)

    report = run(unites_legales_path=ul, etablissements_path=etab, full=full)

    assert SireneUniteLegale.objects.values().get(pk="732829320") == {
        "siren": "732829320",
        "denomination": "ATELIERS MENUCA",
        "sigle": "AM",
        "prenom": "",
        "nom": "",
        "etat_administratif": "A",
    }
    assert etablissement("73282932000074") == {
        "siret": "73282932000074",
        "siren": "732829320",
        "denomination": "ATELIERS MENUCA",
        "enseigne": "MENUCA PARIS",
        "numero_voie": "27",
        "indice_repetition": "B",
        "type_voie": "BD",
        "libelle_voie": "RICHARD LENOIR",
        "complement_adresse": "BATIMENT A",
        "code_postal": "75011",
        "libelle_commune": "PARIS 11",
        "code_commune": "75111",
        "etat_administratif": "A",
    }
    secondaire = SireneEtablissement.objects.get(pk="73282932000041")
    assert secondaire.libelle_voie == "DES ANCIENS COMBATTANTS D AFRIQUE DU NORD"  # kept whole (41 characters)
    assert secondaire.complement_adresse == "ZONE INDUSTRIELLE DES GRANDS CHAMPS BATIMENT C"
    assert (secondaire.etat_administratif, secondaire.is_active) == ("F", False)
    assert (secondaire.type_voie, secondaire.type_voie_label) == ("AV", "Avenue")
    assert SireneEtablissement.objects.get(pk="73282932000074").indice_repetition_label == "bis"
    assert SireneEtablissement.objects.count() == 3
    assert (report.unites_legales_imported, report.etablissements_imported, report.rows_skipped) == (2, 3, 0)
    assert report.errors == [] and report.err == ""
    assert report.method == ("copy" if connection.vendor == "postgresql" else "bulk_create") + ("_full" if full else "")


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_an_individual_entrepreneur_is_named_prenom_nom(tmp_path, full):
    usuel_only = {**FOURNIER, "siren": "417293180", "nomUsageUniteLegale": "", "prenomUsuelUniteLegale": ""}
    other = {**SALON, "siren": "417293180", "nic": "00010", "siret": "41729318000010"}
    ul, etab = stock_files(tmp_path, etablissements=[SALON, other], unites_legales=[FOURNIER, usuel_only])

    run(unites_legales_path=ul, etablissements_path=etab, full=full)

    # The usual first name and the name of use win; else the first first name and the birth name.
    assert SireneUniteLegale.objects.filter(pk="503884272").values("denomination", "prenom", "nom").get() == {
        "denomination": "",
        "prenom": "CAMILLE",
        "nom": "FOURNIER",
    }
    assert SireneEtablissement.objects.get(pk="50388427200017").denomination == "CAMILLE FOURNIER"
    assert SireneEtablissement.objects.get(pk="50388427200017").enseigne == "SALON CAMILLE"
    assert SireneEtablissement.objects.get(pk="41729318000010").denomination == "ANNE MOREAU"


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_a_pre_2023_file_of_48_columns_imports_by_column_name(tmp_path, full):
    ul = write(tmp_path / "ul.csv", csv_text(UNITE_LEGALE_HEADER_2019, [MENUCA]))
    etab = write(tmp_path / "etab.csv", csv_text(ETABLISSEMENT_HEADER_2019, [SIEGE]))
    assert len(etab.read_text().splitlines()[1].split(",")) == 48

    report = run(unites_legales_path=ul, etablissements_path=etab, full=full)

    row = etablissement("73282932000074")
    assert (row["denomination"], row["libelle_voie"], row["code_commune"], row["enseigne"]) == (
        "ATELIERS MENUCA",
        "RICHARD LENOIR",
        "75111",
        "MENUCA PARIS",
    )
    assert report.rows_skipped == 0


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_header_names_with_trailing_spaces_and_a_byte_order_mark(tmp_path, full):
    names = [f"{name} " if name in {"siret", "libelleVoieEtablissement"} else name for name in ETABLISSEMENT_HEADER]
    etab = tmp_path / "etab.csv"
    etab.write_bytes(b"\xef\xbb\xbf" + csv_text(ETABLISSEMENT_HEADER, [SIEGE], header_names=names).encode())

    run(etablissements_path=etab, full=full)

    assert etablissement("73282932000074")["libelle_voie"] == "RICHARD LENOIR"


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_non_diffusible_values_are_blank(tmp_path, full):
    hidden = {
        **SALON,
        "statutDiffusionEtablissement": "P",
        **dict.fromkeys(
            [
                "numeroVoieEtablissement",
                "typeVoieEtablissement",
                "libelleVoieEtablissement",
                "complementAdresseEtablissement",
                "enseigne1Etablissement",
                "etatAdministratifEtablissement",
            ],
            "[ND]",
        ),
    }
    person = {**FOURNIER, **dict.fromkeys(["prenom1UniteLegale", "prenomUsuelUniteLegale", "nomUniteLegale"], "[ND]")}
    person["nomUsageUniteLegale"] = ""
    ul, etab = stock_files(tmp_path, etablissements=[hidden], unites_legales=[person])

    report = run(unites_legales_path=ul, etablissements_path=etab, full=full)

    row = etablissement("50388427200017")
    assert [row[name] for name in ("numero_voie", "type_voie", "libelle_voie", "complement_adresse")] == [""] * 4
    assert (row["enseigne"], row["etat_administratif"], row["denomination"]) == ("", "", "")
    assert (row["code_postal"], row["libelle_commune"]) == ("59000", "LILLE")
    assert SireneUniteLegale.objects.values("prenom", "nom").get() == {"prenom": "", "nom": ""}
    assert report.rows_skipped == 0


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_bad_rows_are_reported_with_their_line_and_skipped(tmp_path, full):
    good = csv_text(ETABLISSEMENT_HEADER, [SIEGE, SALON]).splitlines()
    bad_siret = csv_text(ETABLISSEMENT_HEADER, [{**SIEGE, "siret": "1234"}]).splitlines()[1]
    bad_siren = csv_text(ETABLISSEMENT_HEADER, [{**SIEGE, "siren": "73282932X"}]).splitlines()[1]
    other_siren = csv_text(ETABLISSEMENT_HEADER, [{**SECONDAIRE, "siren": "503884272"}]).splitlines()[1]
    too_long = csv_text(ETABLISSEMENT_HEADER, [{**SECONDAIRE, "codePostalEtablissement": "69003 LYON CEDEX"}])
    lines = [
        good[0],  # 1: header
        good[1],  # 2
        bad_siret,  # 3
        "732829320,00058,73282932000058,O",  # 4: 4 fields
        bad_siren,  # 5
        "",  # 6: blank, ignored
        other_siren,  # 7
        too_long.splitlines()[1],  # 8
        good[2] + ",extra",  # 9: 55 fields
        good[2],  # 10
    ]
    etab = write(tmp_path / "etab.csv", "\n".join(lines) + "\n")

    report = run(etablissements_path=etab, full=full)

    assert [(error.line, error.reason) for error in report.errors] == [
        (3, "SIRET invalide « 1234 »"),
        (4, "nombre de champs incorrect (4 au lieu de 54)"),
        (5, "SIREN invalide « 73282932X »"),
        (7, "le SIREN « 503884272 » n'est pas le début du SIRET « 73282932000041 »"),
        (8, "valeur trop longue pour codePostalEtablissement (16 caractères, 10 au plus)"),
        (9, "nombre de champs incorrect (55 au lieu de 54)"),
    ]
    assert "Ligne 3 ignorée : SIRET invalide « 1234 » (etab.csv)" in report.err.splitlines()
    assert set(SireneEtablissement.objects.values_list("siret", flat=True)) == {"73282932000074", "50388427200017"}
    assert (report.etablissements.rows_read, report.rows_imported, report.rows_skipped) == (8, 2, 6)


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_quoted_fields_line_breaks_and_crlf(tmp_path, full):
    text = csv_text(
        ETABLISSEMENT_HEADER,
        [
            {**SIEGE, "complementAdresseEtablissement": 'BAT A, "LE PHARE"'},  # line 2
            {**SALON, "enseigne1Etablissement": "SALON\nCAMILLE"},  # lines 3 and 4
            {**SECONDAIRE, "enseigne1Etablissement": "[ND]"},  # line 5
        ],
    )
    unquoted = {**SALON, "siren": "417293180", "nic": "00010", "siret": "41729318000010"}
    unquoted["enseigne1Etablissement"] = 'AU "PAIN" DORE'  # a quote inside an unquoted field: kept
    text += ",".join(unquoted.get(name, "") for name in ETABLISSEMENT_HEADER) + "\n"  # line 6
    text += csv_text(ETABLISSEMENT_HEADER, [{**SALON, "siret": "1234"}]).splitlines()[1] + "\n"  # line 7
    header, body = text.split("\n", 1)
    etab = tmp_path / "etab.csv"
    etab.write_bytes((header + "\n" + body.replace("\n", "\r\n")).encode())

    report = run(etablissements_path=etab, full=full)

    assert etablissement("73282932000074")["complement_adresse"] == 'BAT A, "LE PHARE"'
    assert etablissement("50388427200017")["enseigne"] == "SALON\nCAMILLE"
    assert etablissement("73282932000041")["enseigne"] == ""
    assert etablissement("41729318000010")["enseigne"] == 'AU "PAIN" DORE'
    assert [(error.line, error.reason) for error in report.errors] == [(7, "SIRET invalide « 1234 »")]


def test_a_zipped_and_a_gzipped_file(tmp_path):
    text = csv_text(ETABLISSEMENT_HEADER, [SIEGE, SALON])
    archive = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("StockEtablissement_utf8.csv", text)
    gzipped = tmp_path / "StockUniteLegale_utf8.csv.gz"
    gzipped.write_bytes(gzip.compress(csv_text(UNITE_LEGALE_HEADER, [MENUCA]).encode()))

    report = run(unites_legales_path=gzipped, etablissements_path=archive)

    assert set(SireneEtablissement.objects.values_list("siret", flat=True)) == {"73282932000074", "50388427200017"}
    assert etablissement("73282932000074")["denomination"] == "ATELIERS MENUCA"
    assert report.rows_imported == 3


def test_a_reimport_updates_the_rows(tmp_path):
    ul, etab = stock_files(tmp_path)
    run(unites_legales_path=ul, etablissements_path=etab)
    moved = {
        **SIEGE,
        "numeroVoieEtablissement": "31",
        "indiceRepetitionEtablissement": "",
        "typeVoieEtablissement": "RUE",
    }
    ul, etab = stock_files(
        tmp_path,
        etablissements=[moved, SECONDAIRE, SALON],
        unites_legales=[{**MENUCA, "denominationUniteLegale": "MENUCA INDUSTRIES"}, FOURNIER],
    )

    report = run(unites_legales_path=ul, etablissements_path=etab)

    row = etablissement("73282932000074")
    assert (row["numero_voie"], row["indice_repetition"], row["type_voie"]) == ("31", "", "RUE")
    assert row["denomination"] == "MENUCA INDUSTRIES"
    assert SireneEtablissement.objects.get(pk="73282932000041").denomination == "MENUCA INDUSTRIES"
    assert (SireneEtablissement.objects.count(), SireneUniteLegale.objects.count()) == (3, 2)
    if connection.vendor == "postgresql":  # only the rows that differ are rewritten
        assert (report.unites_legales.rows_changed, report.etablissements.rows_changed) == (1, 2)


def test_a_siret_twice_in_a_file_keeps_the_last_line(tmp_path):
    etab = write(
        tmp_path / "etab.csv",
        csv_text(ETABLISSEMENT_HEADER, [SIEGE, SALON, {**SIEGE, "libelleVoieEtablissement": "OBERKAMPF"}]),
    )

    report = run(etablissements_path=etab)

    assert etablissement("73282932000074")["libelle_voie"] == "OBERKAMPF"
    assert SireneEtablissement.objects.count() == 2
    assert report.rows_skipped == 0


def test_establishments_alone_are_named_after_the_known_unites_legales(tmp_path):
    ul, etab = stock_files(tmp_path)
    run(unites_legales_path=ul)
    unknown = {
        **SALON,
        "siren": "417293180",
        "nic": "00010",
        "siret": "41729318000010",
        "denominationUsuelleEtablissement": "AU PAIN DORE",
    }
    enseigne_only = {**SALON, "siren": "812067346", "nic": "00013", "siret": "81206734600013"}
    etab = write(tmp_path / "etab.csv", csv_text(ETABLISSEMENT_HEADER, [SIEGE, SALON, unknown, enseigne_only]))

    run(etablissements_path=etab)

    assert dict(SireneEtablissement.objects.values_list("siret", "denomination")) == {
        "73282932000074": "ATELIERS MENUCA",
        "50388427200017": "CAMILLE FOURNIER",
        "41729318000010": "AU PAIN DORE",  # no unité légale: the establishment's usual name
        "81206734600013": "SALON CAMILLE",  # then its enseigne
    }


def test_unites_legales_alone_rename_the_known_establishments(tmp_path):
    ul, etab = stock_files(tmp_path, unites_legales=[FOURNIER])
    run(unites_legales_path=ul, etablissements_path=etab)
    assert SireneEtablissement.objects.get(pk="73282932000074").denomination == "MENUCA PARIS"  # its enseigne
    ul = write(tmp_path / "ul.csv", csv_text(UNITE_LEGALE_HEADER, [MENUCA, {**MENUCA, "siren": "417293180"}]))

    report = run(unites_legales_path=ul)

    assert dict(SireneEtablissement.objects.values_list("siret", "denomination")) == {
        "73282932000074": "ATELIERS MENUCA",
        "73282932000041": "ATELIERS MENUCA",
        "50388427200017": "CAMILLE FOURNIER",
    }
    assert report.unites_legales.denominations_refreshed == 2


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_a_ceased_unite_legale_is_stored_closed(tmp_path, full):
    ul = write(tmp_path / "ul.csv", csv_text(UNITE_LEGALE_HEADER, [{**MENUCA, "etatAdministratifUniteLegale": "C"}]))

    run(unites_legales_path=ul, full=full)

    assert SireneUniteLegale.objects.get().etat_administratif == "F"


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_names_with_commas_quotes_and_accents(tmp_path, full):
    quoted = {**MENUCA, "denominationUniteLegale": 'ATELIERS "MENUCA", PARIS'}
    accents = {**SALON, "libelleCommuneEtablissement": "É" * 100}  # 100 characters, 200 bytes: not too long
    too_long = {**SECONDAIRE, "libelleCommuneEtablissement": "É" * 101}
    ul, etab = stock_files(tmp_path, etablissements=[SIEGE, accents, too_long], unites_legales=[quoted, FOURNIER])

    report = run(unites_legales_path=ul, etablissements_path=etab, full=full)

    assert etablissement("73282932000074")["denomination"] == 'ATELIERS "MENUCA", PARIS'
    assert etablissement("50388427200017")["libelle_commune"] == "É" * 100
    assert [(error.line, error.reason) for error in report.errors] == [
        (4, "valeur trop longue pour libelleCommuneEtablissement (101 caractères, 100 au plus)")
    ]


def test_the_demo_files_import(tmp_path):
    report = run(
        unites_legales_path=DEMO_DIR / "StockUniteLegale_demo.csv",
        etablissements_path=DEMO_DIR / "StockEtablissement_demo.csv",
    )

    assert (report.unites_legales_imported, report.etablissements_imported, report.rows_skipped) == (14, 66, 0)
    assert SireneEtablissement.objects.count() == 66
    lines = (DEMO_DIR / "StockEtablissement_demo.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == ETABLISSEMENT_HEADER
    assert [line.split(",")[2] for line in lines[1:3]] == ["73282932000074", "73282932000041"]
    sirets = [line.split(",")[2] for line in lines[1:]]
    assert all(siret_number.is_valid(siret) for siret in sirets)
    assert (DEMO_DIR / "StockUniteLegale_demo.csv").read_text(encoding="utf-8").splitlines()[0].split(
        ","
    ) == UNITE_LEGALE_HEADER
    employer = SireneEtablissement.objects.filter(siren="732829320")
    assert set(employer.values_list("denomination", flat=True)) == {"ATELIERS MENUCA"}
    assert len(employer.get(pk="73282932000041").libelle_voie) > 28
    assert len(employer.get(pk="73282932000041").complement_adresse) > 38
    assert SireneEtablissement.objects.filter(etat_administratif="F").count() == 2
    assert SireneEtablissement.objects.get(siren="356000000").denomination == "LA POSTE"
    assert SireneEtablissement.objects.get(siren="503884272").denomination == "CAMILLE FOURNIER"
    assert SireneEtablissement.objects.get(indice_repetition="B").indice_repetition_label == "bis"
    hidden = SireneEtablissement.objects.get(siren="309751840")
    assert (hidden.libelle_voie, hidden.numero_voie, hidden.code_postal) == ("", "", "75011")
    assert set(SireneEtablissement.objects.values_list("type_voie", flat=True)) >= {
        "RUE",
        "AV",
        "BD",
        "CHE",
        "IMP",
        "PL",
        "QUAI",
        "ALL",
    }

    again = run(
        unites_legales_path=DEMO_DIR / "StockUniteLegale_demo.csv",
        etablissements_path=DEMO_DIR / "StockEtablissement_demo.csv",
    )
    assert again.etablissements_imported == 66 and SireneEtablissement.objects.count() == 66


def test_the_command(tmp_path):
    ul, etab = stock_files(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    call_command("import_sirene", "--unites-legales", ul, "--etablissements", etab, stdout=out, stderr=err)

    assert SireneEtablissement.objects.count() == 3
    assert "Établissements : 3 lignes importées, 0 ignorées" in out.getvalue()
    assert "Total : 5 lignes importées, 0 ignorées, en " in out.getvalue()
    assert "lignes/s." in out.getvalue()


def test_the_command_needs_a_file():
    with pytest.raises(CommandError, match="Indiquez au moins un fichier : --unites-legales FICHIER et/ou"):
        call_command("import_sirene")
    with pytest.raises(SireneImportError, match="Indiquez au moins un fichier"):
        sirene_import()


def test_the_command_refuses_a_file_without_its_key_column(tmp_path):
    ul, _ = stock_files(tmp_path)
    with pytest.raises(CommandError, match="colonne « siret » absente"):
        call_command("import_sirene", "--etablissements", ul)
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_sirene", "--etablissements", tmp_path / "absent.zip")
    assert SireneEtablissement.objects.count() == 0


@pytest.mark.postgres
def test_postgresql_copies_then_upserts(tmp_path):
    ul, etab = stock_files(tmp_path)

    report = run(unites_legales_path=ul, etablissements_path=etab)

    assert report.method == "copy"
    assert set(report.etablissements.timings) >= {"copy", "contrôles", "upsert"}
    assert report.etablissements.rows_changed == 3
    assert "PostgreSQL, COPY puis INSERT … ON CONFLICT" in report.summary()
    assert SireneEtablissement.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_imports_the_unites_legales_on_a_second_connection(tmp_path):
    ul, etab = stock_files(tmp_path)

    report = run(unites_legales_path=ul, etablissements_path=etab, parallel=True)

    assert report.method == "copy"
    assert "attente des unités légales" in report.etablissements.timings
    assert dict(SireneEtablissement.objects.values_list("siret", "denomination")) == {
        "73282932000074": "ATELIERS MENUCA",
        "73282932000041": "ATELIERS MENUCA",
        "50388427200017": "CAMILLE FOURNIER",
    }
    assert SireneUniteLegale.objects.count() == 2


@pytest.mark.parametrize("full", [False, True], ids=["upsert", "full"])
def test_line_numbers_hold_across_chunks_of_odd_lines(tmp_path, monkeypatch, full):
    """Tiny chunks, so that quoted line breaks, blank and bad lines fall across chunk boundaries."""
    monkeypatch.setattr("referentiels.sirene_import.reading.CHUNK_SIZE", 97)
    lines, expected, errors, line = [], {}, [], 1
    for n in range(60):
        siret = f"732829320{n:04d}0"  # 14 digits: the Luhn key is not an import check
        row = {**SIEGE, "nic": siret[9:], "siret": siret, "libelleVoieEtablissement": f"VOIE {n}"}
        kind = n % 6
        if kind == 1:
            row["complementAdresseEtablissement"] = f"BAT {n},\nESCALIER {n}"
        elif kind == 2:
            lines.append("")
            line += 1
        elif kind == 3:
            row["siret"] = f"X{n}"
            errors.append((line + 1, f"SIRET invalide « X{n} »"))
        elif kind == 4:
            lines.append("732829320,1,2")
            line += 1
            errors.append((line, "nombre de champs incorrect (3 au lieu de 54)"))
        elif n == 11:  # a quote never closed: only its line is lost, the lines after it are read again
            lines.append('732829320,"2,3')
            line += 1
            errors.append((line, "guillemet non fermé"))
        text = csv_text(ETABLISSEMENT_HEADER, [row]).split("\n", 1)[1].rstrip("\n")
        lines.append(text)
        line += 1 + text.count("\n")
        if kind != 3:
            expected[siret] = row["complementAdresseEtablissement"]
    etab = write(tmp_path / "etab.csv", ",".join(ETABLISSEMENT_HEADER) + "\n" + "\n".join(lines))  # no final newline

    report = run(etablissements_path=etab, full=full)

    assert [(error.line, error.reason) for error in report.errors] == sorted(errors)
    assert dict(SireneEtablissement.objects.values_list("siret", "complement_adresse")) == expected


# --- Full reload (`--full`): the tables' contents replaced by the files' ------------------------


def test_a_full_reload_replaces_the_contents(tmp_path):
    ul, etab = stock_files(tmp_path)
    run(unites_legales_path=ul, etablissements_path=etab)
    renamed = {**MENUCA, "denominationUniteLegale": "MENUCA ET FILS"}
    nouveau = {**SIEGE, "nic": "00090", "siret": "73282932000090"}
    reload_dir = tmp_path / "reload"
    reload_dir.mkdir()
    ul, etab = stock_files(reload_dir, etablissements=[SIEGE, nouveau], unites_legales=[renamed])

    report = run(unites_legales_path=ul, etablissements_path=etab, full=True)

    assert dict(SireneEtablissement.objects.values_list("siret", "denomination")) == {
        "73282932000074": "MENUCA ET FILS",
        "73282932000090": "MENUCA ET FILS",
    }
    assert list(SireneUniteLegale.objects.values_list("siren", flat=True)) == ["732829320"]
    assert (report.unites_legales_imported, report.etablissements_imported, report.rows_skipped) == (1, 2, 0)
    assert "rechargement complet" in report.out


def test_a_full_reload_reports_bad_rows_and_keeps_the_last_of_a_duplicate(tmp_path):
    bad = {**SALON, "siret": "5038842720001X"}
    later = {**SIEGE, "libelleVoieEtablissement": "VOLTAIRE"}
    ul, etab = stock_files(tmp_path, etablissements=[SIEGE, bad, SECONDAIRE, later])

    report = run(unites_legales_path=ul, etablissements_path=etab, full=True)

    assert [(error.line, error.reason) for error in report.errors] == [(3, "SIRET invalide « 5038842720001X »")]
    assert SireneEtablissement.objects.count() == 2
    assert etablissement(SIEGE["siret"])["libelle_voie"] == "VOLTAIRE"


def test_a_full_reload_of_the_unites_legales_alone_renames_the_establishments(tmp_path):
    ul, etab = stock_files(tmp_path)
    run(unites_legales_path=ul, etablissements_path=etab)
    ul, _ = stock_files(tmp_path, unites_legales=[{**MENUCA, "denominationUniteLegale": "MENUCA SA"}])

    report = run(unites_legales_path=ul, full=True)

    assert list(SireneUniteLegale.objects.values_list("denomination", flat=True)) == ["MENUCA SA"]
    assert SireneEtablissement.objects.get(pk="73282932000074").denomination == "MENUCA SA"
    assert SireneEtablissement.objects.count() == 3  # the establishments are kept
    assert report.unites_legales.denominations_refreshed == 2


def test_a_full_reload_that_fails_in_the_middle_leaves_the_tables_intact(tmp_path):
    ul, etab = stock_files(tmp_path)
    run(unites_legales_path=ul, etablissements_path=etab)
    before = list(SireneEtablissement.objects.order_by("pk").values())
    rows = [{**SIEGE, "nic": f"{n:05d}", "siret": f"732829320{n:05d}"} for n in range(20_000)]
    whole = gzip.compress(csv_text(ETABLISSEMENT_HEADER, rows).encode())
    truncated = tmp_path / "StockEtablissement_utf8.csv.gz"
    truncated.write_bytes(whole[: len(whole) // 2])  # a download cut short: the end of the stream is missing

    with pytest.raises(EOFError):
        run(unites_legales_path=ul, etablissements_path=truncated, full=True)

    assert list(SireneEtablissement.objects.order_by("pk").values()) == before
    assert SireneUniteLegale.objects.count() == 2


def test_the_command_s_full_option(tmp_path):
    ul, etab = stock_files(tmp_path)
    call_command("import_sirene", "--unites-legales", ul, "--etablissements", etab, stdout=io.StringIO())
    _, etab = stock_files(tmp_path, etablissements=[SALON])
    out = io.StringIO()

    call_command("import_sirene", "--etablissements", etab, "--full", stdout=out)

    assert list(SireneEtablissement.objects.values_list("siret", "denomination")) == [
        ("50388427200017", "CAMILLE FOURNIER")
    ]
    assert "Établissements : 1 lignes importées, 0 ignorées" in out.getvalue()


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.postgres
def test_postgresql_full_reload_rebuilds_the_indexes_and_swaps_the_tables(tmp_path):
    tables = [SireneUniteLegale._meta.db_table, SireneEtablissement._meta.db_table]
    indexes = {table: _indexes(table) for table in tables}
    assert "sirene_etab_siren_idx" in indexes[tables[1]]
    ul, etab = stock_files(tmp_path)

    report = run(unites_legales_path=ul, etablissements_path=etab, full=True)

    assert report.method == "copy_full"
    assert {table: _indexes(table) for table in tables} == indexes  # same names, rebuilt on the new tables
    assert set(report.etablissements.timings) >= {"copy", "index", "échange des tables"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", ["%rechargement%"])
        assert cursor.fetchone() == (0,)  # nothing left behind
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [tables[1]])
        assert cursor.fetchone() == ("habilitations_sireneetablissement_pkey",)
    assert SireneEtablissement.objects.get(pk="73282932000074").denomination == "ATELIERS MENUCA"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_readers_see_the_old_or_the_new_table_never_half(tmp_path):
    import threading

    from django.db import connections

    old = [{**SIEGE, "nic": f"{n:05d}", "siret": f"732829320{n:05d}"} for n in range(3000)]
    new = [{**SIEGE, "nic": f"{n:05d}", "siret": f"732829320{n:05d}"} for n in range(1000, 8000)]
    ul = write(tmp_path / "StockUniteLegale_utf8.csv", csv_text(UNITE_LEGALE_HEADER, [MENUCA]))
    first = write(tmp_path / "first.csv", csv_text(ETABLISSEMENT_HEADER, old))
    second = write(tmp_path / "second.csv", csv_text(ETABLISSEMENT_HEADER, new))
    run(unites_legales_path=ul, etablissements_path=first)
    counts, reading, done, failures = [], threading.Event(), threading.Event(), []

    def reader():
        try:
            while not done.is_set():
                counts.append(SireneEtablissement.objects.count())
                reading.set()
        except BaseException as exc:  # noqa: BLE001 — reported by the test
            failures.append(exc)
            reading.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        reading.wait(10)
        run(unites_legales_path=ul, etablissements_path=second, full=True)
        after = len(counts)
        while len(counts) < after + 5 and thread.is_alive():  # a few reads of the new table too
            done.wait(0.01)
    finally:
        done.set()
        thread.join()

    assert failures == []
    assert set(counts) <= {3000, 7000} and counts[0] == 3000 and counts[-1] == 7000
    assert len(counts) > 10


def test_the_columns_read_are_cut_out_of_each_record():
    from referentiels.sirene_import.reading import StockReader

    rows = [
        ["1", "a", "x", "2"],
        ["3", "b,c", 'le "q"', "4"],  # quoted: a comma and quotes
        ["5", "ligne\ncoupée", "", "6"],  # a quoted line break
        ["7", "", "z", "8"],
        ["9", "[ND]", "", ""],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([["w", "x", "y", "z"], *rows])
    data = buffer.getvalue().encode() + b"bad,line\n\n10,b,c,d\n"

    for keep in ([0, 1, 3], [1, 2], [0, 3]):
        errors = []
        reader = StockReader(
            io.BytesIO(data), name="f.csv", on_error=lambda line, reason, errors=errors: errors.append((line, reason))
        )
        cut = [
            [value.decode() for value in row]
            for columns, _parsed in reader.cut(keep)
            for row in zip(*columns, strict=True)
        ]
        assert cut == [[row[i] for i in keep] for row in [*rows, ["10", "b", "c", "d"]]]
        assert errors == [(8, "nombre de champs incorrect (2 au lieu de 4)")]
        assert [reader.line_of(seq) for seq in range(1, 7)] == [2, 3, 4, 6, 7, 10]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_full_reload_loads_the_unites_legales_on_a_second_connection(tmp_path):
    ul, etab = stock_files(tmp_path)
    run(unites_legales_path=ul, etablissements_path=etab)
    ul, etab = stock_files(tmp_path, etablissements=[SALON], unites_legales=[FOURNIER])

    report = run(unites_legales_path=ul, etablissements_path=etab, full=True, parallel=True)

    assert "attente des unités légales" in report.etablissements.timings
    assert list(SireneEtablissement.objects.values_list("siret", "denomination")) == [
        ("50388427200017", "CAMILLE FOURNIER")
    ]
    assert list(SireneUniteLegale.objects.values_list("siren", flat=True)) == ["503884272"]
    assert _indexes(SireneUniteLegale._meta.db_table) == {"habilitations_sireneunitelegale_pkey"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_full_reload_on_two_connections_that_fails_leaves_nothing_behind(tmp_path):
    ul, etab = stock_files(tmp_path)
    run(unites_legales_path=ul, etablissements_path=etab)
    truncated = tmp_path / "StockEtablissement_utf8.csv.gz"
    rows = [{**SIEGE, "nic": f"{n:05d}", "siret": f"732829320{n:05d}"} for n in range(20_000)]
    whole = gzip.compress(csv_text(ETABLISSEMENT_HEADER, rows).encode())
    truncated.write_bytes(whole[: len(whole) // 2])
    new_ul = tmp_path / "reload"
    new_ul.mkdir()
    new_ul, _ = stock_files(new_ul, unites_legales=[FOURNIER])

    with pytest.raises(EOFError):
        run(unites_legales_path=new_ul, etablissements_path=truncated, full=True, parallel=True)

    assert SireneUniteLegale.objects.count() == 2 and SireneEtablissement.objects.count() == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", ["%rechargement%"])
        assert cursor.fetchone() == (0,)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_full_reload_in_worker_processes_reads_the_same_lines(tmp_path, monkeypatch):
    """Outside a transaction, worker processes read blocks of the file: same rows, same skipped lines."""
    from referentiels.sirene_import import reload

    pools = []
    monkeypatch.setattr(
        reload, "_pool", lambda: pools.append(reload.multiprocessing.get_context("fork").Pool(2)) or pools[-1]
    )
    monkeypatch.setattr(reload, "CHUNK_SIZE", 97)  # blocks of a line or two: records across their ends

    test_line_numbers_hold_across_chunks_of_odd_lines(tmp_path, monkeypatch, full=True)

    assert len(pools) == 1
