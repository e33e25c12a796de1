"""INSEE's stock files: their layouts, the columns read, and the rules a row must meet."""

from __future__ import annotations

from dataclasses import dataclass

# --- INSEE's layouts ("dessin de fichier" of the stock files), in their official order ---------------

STOCK_UNITE_LEGALE_COLUMNS = (
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
)
# Before 2023: no societeMissionUniteLegale, no activitePrincipaleNAF25UniteLegale.
STOCK_UNITE_LEGALE_COLUMNS_2019 = tuple(
    name
    for name in STOCK_UNITE_LEGALE_COLUMNS
    if name not in {"societeMissionUniteLegale", "activitePrincipaleNAF25UniteLegale"}
)

STOCK_ETABLISSEMENT_COLUMNS = (
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
)
# Before 2023 (48 columns): no last street number, no BAN address identifier, no Lambert coordinates,
# no NAF 2025 activity.
STOCK_ETABLISSEMENT_COLUMNS_2019 = tuple(
    name
    for name in STOCK_ETABLISSEMENT_COLUMNS
    if name
    not in {
        "dernierNumeroVoieEtablissement",
        "indiceRepetitionDernierNumeroVoieEtablissement",
        "identifiantAdresseEtablissement",
        "coordonneeLambertAbscisseEtablissement",
        "coordonneeLambertOrdonneeEtablissement",
        "activitePrincipaleNAF25Etablissement",
    }
)

NON_DIFFUSIBLE = "[ND]"


class SireneImportError(Exception):
    """The import cannot run (no file, unreadable file, missing column): message in French."""


# --- What is read from each file -----------------------------------------------------------------


@dataclass(frozen=True)
class Stock:
    kind: str
    label: str  # French, plural
    key: str  # the column that identifies a row
    sources: tuple[str, ...]  # the INSEE columns used
    lengths: tuple[tuple[str, int], ...]  # INSEE column → the longest value its model column holds


UNITES_LEGALES = Stock(
    kind="unites_legales",
    label="unités légales",
    key="siren",
    sources=(
        "siren",
        "denominationUniteLegale",
        "sigleUniteLegale",
        "prenom1UniteLegale",
        "prenomUsuelUniteLegale",
        "nomUniteLegale",
        "nomUsageUniteLegale",
        "etatAdministratifUniteLegale",
    ),
    lengths=(
        ("denominationUniteLegale", 255),
        ("sigleUniteLegale", 50),
        ("prenom1UniteLegale", 100),
        ("prenomUsuelUniteLegale", 100),
        ("nomUniteLegale", 100),
        ("nomUsageUniteLegale", 100),
        ("etatAdministratifUniteLegale", 1),
    ),
)

ETABLISSEMENTS = Stock(
    kind="etablissements",
    label="établissements",
    key="siret",
    sources=(
        "siret",
        "siren",
        "numeroVoieEtablissement",
        "indiceRepetitionEtablissement",
        "typeVoieEtablissement",
        "libelleVoieEtablissement",
        "complementAdresseEtablissement",
        "codePostalEtablissement",
        "libelleCommuneEtablissement",
        "codeCommuneEtablissement",
        "etatAdministratifEtablissement",
        "enseigne1Etablissement",
        "denominationUsuelleEtablissement",
    ),
    lengths=(
        ("numeroVoieEtablissement", 10),
        ("indiceRepetitionEtablissement", 10),
        ("typeVoieEtablissement", 10),
        ("libelleVoieEtablissement", 255),
        ("complementAdresseEtablissement", 255),
        ("codePostalEtablissement", 10),
        ("libelleCommuneEtablissement", 100),
        ("codeCommuneEtablissement", 5),
        ("etatAdministratifEtablissement", 1),
        ("enseigne1Etablissement", 100),
        ("denominationUsuelleEtablissement", 255),
    ),
)

# SireneEtablissement field ← INSEE column, for the fields copied as they are.
ETABLISSEMENT_FIELDS = (
    ("enseigne", "enseigne1Etablissement"),
    ("numero_voie", "numeroVoieEtablissement"),
    ("indice_repetition", "indiceRepetitionEtablissement"),
    ("type_voie", "typeVoieEtablissement"),
    ("libelle_voie", "libelleVoieEtablissement"),
    ("complement_adresse", "complementAdresseEtablissement"),
    ("code_postal", "codePostalEtablissement"),
    ("libelle_commune", "libelleCommuneEtablissement"),
    ("code_commune", "codeCommuneEtablissement"),
    ("etat_administratif", "etatAdministratifEtablissement"),
)
UNITE_LEGALE_UPDATED = ("denomination", "sigle", "prenom", "nom", "etat_administratif")
ETABLISSEMENT_UPDATED = ("siren", "denomination", *(name for name, _ in ETABLISSEMENT_FIELDS))


def _digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


def row_error(stock: Stock, values: dict[str, str]) -> str | None:
    """Why a row cannot be imported (French), or None. `values`: INSEE column → value, [ND] already blank."""
    if stock is ETABLISSEMENTS:
        siret = values["siret"]
        if not _digits(siret, 14):
            return f"SIRET invalide « {siret} »"
        siren = values["siren"]
        if not _digits(siren, 9):
            return f"SIREN invalide « {siren} »"
        if siren != siret[:9]:
            return f"le SIREN « {siren} » n'est pas le début du SIRET « {siret} »"
    elif not _digits(values["siren"], 9):
        return f"SIREN invalide « {values['siren']} »"
    for source, max_length in stock.lengths:
        if len(values[source]) > max_length:
            return f"valeur trop longue pour {source} ({len(values[source])} caractères, {max_length} au plus)"
    return None


def unite_legale_fields(values: dict[str, str]) -> dict[str, str]:
    """The SireneUniteLegale fields of a valid StockUniteLegale row."""
    etat = values["etatAdministratifUniteLegale"]
    return {
        "siren": values["siren"],
        "denomination": values["denominationUniteLegale"],
        "sigle": values["sigleUniteLegale"],
        "prenom": values["prenomUsuelUniteLegale"] or values["prenom1UniteLegale"],
        "nom": values["nomUsageUniteLegale"] or values["nomUniteLegale"],
        "etat_administratif": "F" if etat == "C" else etat,
    }


def etablissement_fields(values: dict[str, str], unite_legale_name: str = "") -> dict[str, str]:
    """The SireneEtablissement fields of a valid StockEtablissement row, named after its unité légale."""
    return {
        "siret": values["siret"],
        "siren": values["siren"],
        "denomination": unite_legale_name
        or values["denominationUsuelleEtablissement"]
        or values["enseigne1Etablissement"],
        **{name: values[source] for name, source in ETABLISSEMENT_FIELDS},
    }
