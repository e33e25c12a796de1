#!/usr/bin/env python3
"""Build ``codes_postaux.csv.gz`` from the npm package ``codes-postaux`` (Base Adresse Nationale).

Usage::

    python habilitations/data/build_codes_postaux.py PACKAGE [--output PATH]

PACKAGE is the unpacked package (the ``package/`` folder of ``npm pack codes-postaux``, or
``node_modules/codes-postaux``) or directly its ``codes-postaux.json``. The output is a UTF-8 CSV
(header ``code_postal,code_commune,nom_commune,libelle_acheminement``, ``\\n`` line ends) sorted and
deduplicated on (code_postal, code_commune, libelle_acheminement), gzipped with a fixed mtime and no
file name in the header, so the same package always gives the same bytes.

Standard library only: it runs without the project's virtualenv. See CODES_POSTAUX.md.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
from pathlib import Path

DATA_FILE = "codes-postaux.json"  # what the package's index.js serves; the -full file is per street
FIELDS = ("code_postal", "code_commune", "nom_commune", "libelle_acheminement")
SOURCE_KEYS = {
    "codePostal": "code_postal",
    "codeCommune": "code_commune",
    "nomCommune": "nom_commune",
    "libelleAcheminement": "libelle_acheminement",
}
# La Poste's "ligne 5" (lieu-dit, ancienne commune): not in codes-postaux 4.x, ignored if a version has
# it; rows that differ only by it fold into one on the unique key.
IGNORED_KEYS = {"ligne5"}
CODE_POSTAL_RE = re.compile(r"[0-9]{5}")
CODE_COMMUNE_RE = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{3}")
MAX_LENGTH = 100  # CodePostalCommune.nom_commune and .libelle_acheminement
GZIP_MTIME = 0


class BuildError(Exception):
    pass


def clean(value: object) -> str:
    """The string with surrounding whitespace removed and inner runs collapsed ("LA  ROCHE" → "LA ROCHE")."""
    if not isinstance(value, str):
        raise BuildError(f"valeur inattendue : {value!r}")
    return " ".join(value.split())


def read_entries(source: Path) -> tuple[list[dict], str | None]:
    """The package's entries and its version (None when given the JSON file alone)."""
    version = None
    if source.is_dir():
        package_json = source / "package.json"
        if package_json.is_file():
            meta = json.loads(package_json.read_text(encoding="utf-8"))
            if meta.get("name") != "codes-postaux":
                raise BuildError(f"{package_json} n'est pas celui du paquet codes-postaux")
            version = meta.get("version")
        source = source / DATA_FILE
    entries = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise BuildError(f"{source} : une liste JSON est attendue")
    return entries, version


def to_rows(entries: list[dict]) -> tuple[list[tuple[str, str, str, str]], int]:
    """Validated, deduplicated rows sorted on the unique key, and how many duplicates were dropped."""
    by_key: dict[tuple[str, str, str], str] = {}
    duplicates = 0
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise BuildError(f"entrée {index} : un objet est attendu")
        missing = SOURCE_KEYS.keys() - entry.keys()
        unknown = entry.keys() - SOURCE_KEYS.keys() - IGNORED_KEYS
        if missing or unknown:
            raise BuildError(f"entrée {index} : clés manquantes {sorted(missing)}, inconnues {sorted(unknown)}")
        row = {field: clean(entry[key]) for key, field in SOURCE_KEYS.items()}
        if not CODE_POSTAL_RE.fullmatch(row["code_postal"]):
            raise BuildError(f"entrée {index} : code postal invalide {row['code_postal']!r}")
        if not CODE_COMMUNE_RE.fullmatch(row["code_commune"]):
            raise BuildError(f"entrée {index} : code commune invalide {row['code_commune']!r}")
        for field in ("nom_commune", "libelle_acheminement"):
            if not 0 < len(row[field]) <= MAX_LENGTH:
                raise BuildError(f"entrée {index} : {field} vide ou trop long {row[field]!r}")
        key = (row["code_postal"], row["code_commune"], row["libelle_acheminement"])
        if key in by_key:
            duplicates += 1
            if by_key[key] != row["nom_commune"]:
                raise BuildError(f"entrée {index} : {key} porte deux noms, {by_key[key]!r} et {row['nom_commune']!r}")
            continue
        by_key[key] = row["nom_commune"]
    rows = [(cp, cc, nom, libelle) for (cp, cc, libelle), nom in by_key.items()]
    rows.sort(key=lambda row: (row[0], row[1], row[3]))
    return rows, duplicates


def to_gzip_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows(rows)
    raw = io.BytesIO()
    # filename="" keeps the output path out of the gzip header; mtime is fixed: identical bytes on rebuild.
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=GZIP_MTIME) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return raw.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="dossier du paquet codes-postaux déballé, ou son codes-postaux.json")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(__file__).resolve().parent / "codes_postaux.csv.gz",
        help="fichier à écrire (par défaut : codes_postaux.csv.gz à côté de ce script)",
    )
    args = parser.parse_args(argv)
    try:
        entries, version = read_entries(args.package)
        rows, duplicates = to_rows(entries)
    except (OSError, ValueError, BuildError) as exc:
        print(f"erreur : {exc}", file=sys.stderr)
        return 1
    data = to_gzip_csv(rows)
    args.output.write_bytes(data)
    print(
        f"codes-postaux {version or '(version inconnue)'} : {len(entries)} entrées, {duplicates} doublons, "
        f"{len(rows)} lignes écrites dans {args.output} ({len(data)} octets)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
