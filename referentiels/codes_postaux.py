"""The postal codes table (CodePostalCommune): loading the shipped file, and the communes of a code postal.

The file ``data/codes_postaux.csv.gz`` is built from the npm package ``codes-postaux`` (Base Adresse
Nationale) by ``data/build_codes_postaux.py``; see ``data/CODES_POSTAUX.md``.
"""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

from django.db import transaction

from apart.normalization import strip_accents

from .models import CodePostalCommune

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "codes_postaux.csv.gz"
FIELDS = ("code_postal", "code_commune", "nom_commune", "libelle_acheminement")
BATCH_SIZE = 2000  # Django lowers it further where the backend needs (SQLite's variable limit)
CODE_POSTAL_RE = re.compile(r"[0-9]{5}")
CODE_COMMUNE_RE = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{3}")


class CodesPostauxFileError(ValueError):
    """The file is not a codes postaux CSV this module can load; nothing was written."""


def read_codes_postaux(path: Path) -> list[CodePostalCommune]:
    """The rows of a codes postaux file, checked (CodesPostauxFileError), unsaved."""
    max_lengths = {field: CodePostalCommune._meta.get_field(field).max_length for field in FIELDS}
    objects = []
    seen = set()
    try:
        with gzip.open(path, mode="rt", encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or tuple(header) != FIELDS:
                raise CodesPostauxFileError(f"{path} : en-tête {header!r}, attendu {','.join(FIELDS)}")
            for row in reader:
                line = reader.line_num
                if len(row) != len(FIELDS):
                    raise CodesPostauxFileError(f"{path}, ligne {line} : {len(FIELDS)} colonnes attendues")
                values = dict(zip(FIELDS, row, strict=True))
                if not CODE_POSTAL_RE.fullmatch(values["code_postal"]):
                    raise CodesPostauxFileError(
                        f"{path}, ligne {line} : code postal invalide {values['code_postal']!r}"
                    )
                if not CODE_COMMUNE_RE.fullmatch(values["code_commune"]):
                    raise CodesPostauxFileError(
                        f"{path}, ligne {line} : code commune invalide {values['code_commune']!r}"
                    )
                for field in ("nom_commune", "libelle_acheminement"):
                    if not 0 < len(values[field]) <= max_lengths[field]:
                        raise CodesPostauxFileError(f"{path}, ligne {line} : {field} vide ou trop long")
                key = (values["code_postal"], values["code_commune"], values["libelle_acheminement"])
                if key in seen:
                    raise CodesPostauxFileError(f"{path}, ligne {line} : doublon {key}")
                seen.add(key)
                objects.append(CodePostalCommune(**values))
    except (csv.Error, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise CodesPostauxFileError(f"{path} : fichier illisible ({exc})") from exc
    if not objects:
        raise CodesPostauxFileError(f"{path} : aucune ligne")
    return objects


def codes_postaux_load(*, path: Path | str = DEFAULT_PATH) -> int:
    """Replace the whole CodePostalCommune table with the rows of ``path``; return how many were loaded.

    The file is read and checked in full before the database is touched, then the old rows are deleted and
    the new ones inserted in one transaction: a bad file (CodesPostauxFileError, OSError) leaves the table
    as it was, and loading the same file again gives the same table.
    """
    objects = read_codes_postaux(Path(path))
    with transaction.atomic():
        CodePostalCommune.objects.all().delete()
        CodePostalCommune.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    return len(objects)


def communes_for_code_postal(code_postal: str) -> list[CodePostalCommune]:
    """The communes served by a 5-digit code postal, by name; an empty list for anything else."""
    if not isinstance(code_postal, str) or not CODE_POSTAL_RE.fullmatch(code_postal):
        return []
    return list(
        CodePostalCommune.objects.filter(code_postal=code_postal).order_by(
            "nom_commune", "code_commune", "libelle_acheminement"
        )
    )


def comparable_name(name: str) -> str:
    """A commune's name as compared: without accents, case, hyphens or apostrophes."""
    return " ".join(strip_accents(name).casefold().replace("-", " ").replace("'", " ").split())


def commune_name(communes: list[CodePostalCommune], *, code_commune: str = "", name: str = "") -> str:
    """The one way a "Ville" is written: the commune's name in this table (Paris 11e Arrondissement, not
    PARIS 11), found among `communes` (those of the code postal) by its INSEE code or by its name in any case;
    a commune the table does not know keeps `name`.
    """
    for commune in communes:
        if code_commune and commune.code_commune == code_commune:
            return commune.nom_commune
    wanted = comparable_name(name)
    for commune in communes:
        if wanted in (comparable_name(commune.nom_commune), comparable_name(commune.libelle_acheminement)):
            return commune.nom_commune
    return " ".join(name.split())


# La Poste's file has no Saint-Barthélemy, Saint-Martin (971xx served apart), Saint-Pierre-et-Miquelon, Monaco or
# the Pacific: a code of these ranges that the table does not know is accepted as typed.
UNLISTED_PREFIXES = ("97", "98")


def code_postal_unknown(code_postal: str, communes: list[CodePostalCommune]) -> bool:
    """True when `code_postal` (5 digits) serves no commune, as far as the loaded table can tell (an empty table,
    as on a machine where it was never loaded, tells nothing)."""
    if communes or code_postal.startswith(UNLISTED_PREFIXES):
        return False
    return CodePostalCommune.objects.exists()
