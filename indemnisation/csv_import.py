"""The employees of a DI from a payroll export: a CSV file, one employee a line, with a header.

A pure function of the file's bytes: it reads the rows and says what it could not read (the encoding, the header, a
line with more values than columns). The values themselves are checked by `checks.verifier_lignes`, through the
service, as when they are typed."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata

TAILLE_MAX = 5 * 1024 * 1024  # 5 Mo
LIGNES_MAX = 10_000

# The columns, in the template's order: the field, its name in the template, the other names a payroll export
# uses (compared without case, accents, punctuation nor spaces).
COLONNES = (
    ("nom", "Nom", ("nom", "nom de famille", "nom de naissance", "nom du salarie", "nom salarie")),
    ("prenom", "Prénom", ("prenom", "prenoms", "prenom du salarie", "prenom salarie")),
    (
        "nir",
        "NIR",
        (
            "nir",
            "n de securite sociale",
            "no de securite sociale",
            "numero de securite sociale",
            "n securite sociale",
            "numero securite sociale",
            "securite sociale",
            "nss",
        ),
    ),
    ("contrat", "Type de contrat", ("type de contrat", "contrat")),
    (
        "duree_hebdomadaire",
        "Durée hebdomadaire de travail",
        (
            "duree hebdomadaire de travail",
            "duree hebdomadaire",
            "duree hebdomadaire du contrat",
            "horaire hebdomadaire",
        ),
    ),
    (
        "salaire_brut_mensuel",
        "Salaire brut mensuel de référence",
        ("salaire brut mensuel de reference", "salaire brut mensuel", "salaire brut", "salaire de reference"),
    ),
    (
        "heures_chomees",
        "Heures chômées",
        ("heures chomees", "nombre d heures chomees", "nb heures chomees", "heures chomees du mois"),
    ),
)
LIBELLES = {field: libelle for field, libelle, _aliases in COLONNES}
# Without it every row is a CDI / CDD (checks.contrat_de of an empty value).
COLONNES_FACULTATIVES = frozenset({"contrat"})

FICHIER_TROP_GROS = "Le fichier dépasse 5 Mo : découpez-le ou retirez les colonnes inutiles."
FICHIER_VIDE = "Le fichier est vide : la première ligne doit donner le nom des colonnes (voir le modèle CSV)."
FICHIER_ILLISIBLE = "Le fichier ne peut pas être lu comme un fichier CSV : {detail}."
COLONNES_MANQUANTES = (
    "La ligne d'en-tête ne contient pas {colonnes}. Les colonnes attendues sont : {attendues} (voir le modèle CSV)."
)
TROP_DE_LIGNES = "Le fichier contient plus de 10 000 salariés : importez-le en plusieurs demandes."
TROP_DE_VALEURS = (
    "La ligne contient {valeurs} valeurs pour {colonnes} colonnes. Dans un fichier séparé par des virgules, "
    'écrivez les nombres avec un point (151.67) ou entre guillemets ("151,67").'
)

ENTETE = [libelle for _field, libelle, _aliases in COLONNES]
EXEMPLE = ["DUPONT", "Marie", "2 85 05 75 011 042 14", "CDI / CDD", "35", "2000,00", "20"]


def _normalise(name: str) -> str:
    """ "N° de sécurité sociale (*)" → "n de securite sociale"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_ALIASES = {alias: field for field, _libelle, aliases in COLONNES for alias in aliases}
# A longer header ("Salaire brut mensuel de référence en euros") matches an alias of several words it starts with.
_PREFIXES = sorted(((alias, field) for alias, field in _ALIASES.items() if " " in alias), key=lambda a: -len(a[0]))


def _champ(name: str) -> str | None:
    normalised = _normalise(name)
    if normalised in _ALIASES:
        return _ALIASES[normalised]
    for alias, field in _PREFIXES:
        if normalised.startswith(alias + " "):
            return field
    return None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without its BOM, as Excel writes it), UTF-16 with a BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    """The header's separator: no column name holds a `;`, a `,` or a tab."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def lire_csv(data: bytes) -> tuple[list[dict], list[tuple[int, str]]]:
    """The rows of the file (dicts of checks.LIGNE_FIELDS as strings, and "ligne": their line in the file) and the
    errors found reading it, as (line in the file, French message); line 1 is the header, 0 the whole file."""
    if len(data) > TAILLE_MAX:
        return [], [(0, FICHIER_TROP_GROS)]
    text = _decode(data)
    if not text.strip():
        return [], [(0, FICHIER_VIDE)]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next((cells for cells in reader if any(cell.strip() for cell in cells)), None)
        if header is None:
            return [], [(0, FICHIER_VIDE)]
        header_line = reader.line_num
        positions: dict[str, int] = {}
        for position, name in enumerate(header):
            field = _champ(name)
            if field is not None:
                positions.setdefault(field, position)
        manquantes = [
            libelle
            for field, libelle, _aliases in COLONNES
            if field not in positions and field not in COLONNES_FACULTATIVES
        ]
        if manquantes:
            colonnes = ", ".join(f"« {libelle} »" for libelle in manquantes)
            message = COLONNES_MANQUANTES.format(
                colonnes=("la colonne " if len(manquantes) == 1 else "les colonnes ") + colonnes,
                attendues=", ".join(f"« {libelle} »" for libelle in ENTETE),
            )
            return [], [(header_line, message)]
        rows: list[dict] = []
        erreurs: list[tuple[int, str]] = []
        width = len(header)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= LIGNES_MAX:
                return [], [(0, TROP_DE_LIGNES)]
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                erreurs.append((reader.line_num, TROP_DE_VALEURS.format(valeurs=len(cells), colonnes=width)))
                continue
            row = {
                field: (cells[position].strip() if position < len(cells) else "")
                for field, position in positions.items()
            }
            row["ligne"] = reader.line_num
            rows.append(row)
    except csv.Error as error:
        return [], [(reader.line_num, FICHIER_ILLISIBLE.format(detail=error))]
    return rows, erreurs


def modele_csv() -> bytes:
    """The template: the header and one example line, `;`-separated, UTF-8 with its BOM (Excel opens it so)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(ENTETE)
    writer.writerow(EXEMPLE)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
