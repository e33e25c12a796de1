"""Import of INSEE's SIRENE stock files (StockUniteLegale, StockEtablissement) into the local copy.

The files are read as published (CSV, comma-separated, UTF-8, header row; zipped, gzipped or plain) and
streamed: the memory used does not depend on the size of the file. Columns are found by name, so both the
current layout (54 columns for the establishments since the NAF 2025 column, 35 for the unités légales)
and older ones (48 and 33 before 2023) import. `[ND]` (non diffusible) values count as empty.

PostgreSQL: the file is passed almost untouched to `COPY … FROM STDIN` into a temporary staging table (the
Python side only checks each line's number of fields and re-quotes the rare lines with quotes); the rows
are then validated in SQL and written by ONE `INSERT … SELECT … ON CONFLICT DO UPDATE`, whose SELECT leaves
out the rows already stored as they are (a monthly re-import rewrites only what changed). With both files,
the unités légales are imported on a second connection while the establishments are being copied.
Other databases (SQLite for `make run`): the same checks in Python and `bulk_create(update_conflicts=True)`
in batches. The results are the same.

Rows that cannot be imported (wrong number of fields, SIRET not 14 digits, SIREN not 9 digits, SIREN not
the first 9 digits of the SIRET, value too long for its column, undecodable line) are reported with their
line number and skipped. When a SIRET (or SIREN) appears twice in a file, the last line wins.

The état administratif of a unité légale is stored as given, except INSEE's "C" (cessée), stored "F" so
that the values stay within EtatAdministratif (A actif / F fermé).
"""

from __future__ import annotations

import array
import bisect
import codecs
import csv
import gzip
import io
import itertools
import operator
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.db import connections, transaction

from .models import SireneEtablissement, SireneUniteLegale

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
CHUNK_SIZE = 1 << 20  # bytes read at once (whole lines are added to complete the last one)
BULK_BATCH_SIZE = 2000  # rows per bulk_create on databases other than PostgreSQL
MAX_REPORTED_ERRORS = 1000  # skipped lines printed and kept in the report (all are counted)
MAX_RECORD_LINES = 20  # a quoted field may span lines; beyond this, the quote is taken as unclosed


class SireneImportError(Exception):
    """The import cannot run (no file, unreadable file, missing column): message in French."""


# --- What is read from each file -----------------------------------------------------------------


@dataclass(frozen=True)
class _Stock:
    kind: str
    label: str  # French, plural
    key: str  # the column that identifies a row
    sources: tuple[str, ...]  # the INSEE columns used
    lengths: tuple[tuple[str, int], ...]  # INSEE column → the longest value its model column holds


UNITES_LEGALES = _Stock(
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

ETABLISSEMENTS = _Stock(
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
_ETABLISSEMENT_FIELDS = (
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
_UNITE_LEGALE_UPDATED = ("denomination", "sigle", "prenom", "nom", "etat_administratif")
_ETABLISSEMENT_UPDATED = ("siren", "denomination", *(name for name, _ in _ETABLISSEMENT_FIELDS))


def _digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


def row_error(stock: _Stock, values: dict[str, str]) -> str | None:
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
        **{name: values[source] for name, source in _ETABLISSEMENT_FIELDS},
    }


# --- The report ----------------------------------------------------------------------------------


@dataclass
class RowError:
    kind: str  # "unites_legales" or "etablissements"
    line: int
    reason: str

    def __str__(self) -> str:
        return f"Ligne {self.line} ignorée : {self.reason}"


@dataclass
class FileReport:
    kind: str
    path: Path
    rows_read: int = 0
    rows_imported: int = 0
    rows_skipped: int = 0
    rows_changed: int | None = None  # rows created or modified (PostgreSQL only)
    denominations_refreshed: int | None = None  # establishments renamed (unités légales imported alone)
    duration: float = 0.0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    def timed(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[step] = self.timings.get(step, 0.0) + now - since
        return now


def _fr(number: float, decimals: int = 0) -> str:
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\N{NO-BREAK SPACE}").replace(".", ",")


@dataclass
class ImportReport:
    method: str  # "copy" (PostgreSQL COPY + one upsert) or "bulk_create"
    unites_legales: FileReport | None = None
    etablissements: FileReport | None = None
    duration: float = 0.0

    @property
    def files(self) -> list[FileReport]:
        return [report for report in (self.unites_legales, self.etablissements) if report]

    @property
    def rows_imported(self) -> int:
        return sum(report.rows_imported for report in self.files)

    @property
    def unites_legales_imported(self) -> int:
        return self.unites_legales.rows_imported if self.unites_legales else 0

    @property
    def etablissements_imported(self) -> int:
        return self.etablissements.rows_imported if self.etablissements else 0

    @property
    def rows_skipped(self) -> int:
        return sum(report.rows_skipped for report in self.files)

    @property
    def rows_per_second(self) -> float:
        return self.rows_imported / self.duration if self.duration else 0.0

    @property
    def errors(self) -> list[RowError]:
        return [error for report in self.files for error in report.errors]

    def summary(self, verbose: bool = False) -> str:
        method = "PostgreSQL, COPY puis INSERT … ON CONFLICT" if self.method == "copy" else "bulk_create par lots"
        lines = [f"Import SIRENE terminé ({method})."]
        for report in self.files:
            label = UNITES_LEGALES.label if report.kind == UNITES_LEGALES.kind else ETABLISSEMENTS.label
            line = (
                f"{label.capitalize()} : {_fr(report.rows_imported)} lignes importées, "
                f"{_fr(report.rows_skipped)} ignorées ({_fr(report.duration, 1)} s)"
            )
            if report.rows_changed is not None:
                line += f", dont {_fr(report.rows_changed)} créées ou modifiées"
            if report.denominations_refreshed is not None:
                line += f" ; dénomination mise à jour pour {_fr(report.denominations_refreshed)} établissements"
            lines.append(line + ".")
            if verbose and report.timings:
                lines.append(
                    "  " + ", ".join(f"{step} {_fr(seconds, 2)} s" for step, seconds in report.timings.items())
                )
        lines.append(
            f"Total : {_fr(self.rows_imported)} lignes importées, {_fr(self.rows_skipped)} ignorées, "
            f"en {_fr(self.duration, 1)} s, soit {_fr(self.rows_per_second)} lignes/s."
        )
        return "\n".join(lines)


# --- Reading the files ---------------------------------------------------------------------------


@contextmanager
def _open_stock(path: Path) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """(decompressed stream, raw file) of a .zip (one .csv inside), .gz or plain CSV file, streamed."""
    path = Path(path)
    if not path.is_file():
        raise SireneImportError(f"Fichier introuvable : {path}")
    with open(path, "rb") as raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(b"PK\x03\x04"):
            try:
                archive = zipfile.ZipFile(raw)
            except zipfile.BadZipFile as exc:
                raise SireneImportError(f"Archive ZIP illisible : {path} ({exc})") from None
            with archive:
                members = [info for info in archive.infolist() if not info.is_dir()]
                csv_members = [info for info in members if info.filename.lower().endswith(".csv")] or members
                if len(csv_members) != 1:
                    raise SireneImportError(f"L'archive {path} doit contenir un seul fichier CSV.")
                with archive.open(csv_members[0]) as stream:
                    yield stream, raw
        elif magic.startswith(b"\x1f\x8b"):
            with gzip.GzipFile(fileobj=raw) as stream:
                yield stream, raw
        else:
            yield raw, raw


class _StockReader:
    """Reads a stock file as chunks of whole CSV records, ready for COPY … (FORMAT csv).

    Lines are passed through untouched when they hold the header's number of fields and no quote; the
    others are parsed with the csv module and re-written (quotes doubled), or reported and dropped.
    Each record kept gets the next sequence number (1, 2, …); `line_of(seq)` gives its line in the file.
    """

    def __init__(self, stream: IO[bytes], *, name: str, on_error, on_progress=None):
        self._stream = stream
        self._on_error = on_error
        self._on_progress = on_progress
        header = stream.readline()
        if not header.strip():
            raise SireneImportError(f"{name} : fichier vide (en-tête absent).")
        try:
            text = header.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SireneImportError(f"{name} : en-tête illisible (UTF-8 attendu).") from None
        self.columns = [column.strip() for column in next(csv.reader([text.rstrip("\r\n")]))]
        self.width = len(self.columns)
        self._commas = self.width - 1
        self.lines = 1  # physical lines consumed so far
        self.records = 0  # records kept so far (the last sequence number)
        self.rows_read = 0  # records read, kept or not (blank lines excepted)
        # line = seq + delta, from seq_starts[i] on: an entry only where lines were dropped or merged.
        self._seq_starts = array.array("q", [1])
        self._deltas = array.array("q", [1])
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def index(self, column: str) -> int | None:
        try:
            return self.columns.index(column)
        except ValueError:
            return None

    def line_of(self, seq: int) -> int:
        position = bisect.bisect_right(self._seq_starts, seq) - 1
        return seq + self._deltas[position]

    def chunks(self) -> Iterator[bytes]:
        stream = self._stream
        while True:
            data = stream.read(CHUNK_SIZE)
            if not data:
                return
            if not data.endswith(b"\n"):
                data += stream.readline()
                if not data.endswith(b"\n"):
                    data += b"\n"
            chunk = self._check(data)
            if self._on_progress:
                self._on_progress()
            if chunk:
                yield chunk

    def _check(self, data: bytes) -> bytes:
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        lines = data.split(b"\n")
        lines.pop()  # data ends with a newline
        count = len(lines)
        commas = self._commas
        counts = list(map(bytes.count, lines, itertools.repeat(b",")))
        utf8 = data.isascii() or _is_utf8(data)
        if counts.count(commas) == count and b'"' not in data and b"\r" not in data and b"\x00" not in data and utf8:
            self.lines += count
            self.records += count
            self.rows_read += count
            return data
        # The odd lines, found without a Python loop over the others.
        odd = set(itertools.compress(range(count), map(commas.__ne__, counts)))
        newlines = None  # offset of the newline that ends each line
        for needle in (b'"', b"\r", b"\x00"):
            found = data.find(needle)
            if found >= 0 and newlines is None:
                newlines = list(map(operator.add, itertools.accumulate(map(len, lines)), range(count)))
            while found >= 0:
                i = bisect.bisect_left(newlines, found)
                odd.add(i)
                found = data.find(needle, newlines[i] + 1)
        if not utf8:
            odd.update(i for i, line in enumerate(lines) if not line.isascii() and not _is_utf8(line))
        return self._check_lines(lines, sorted(odd))

    def _check_lines(self, lines: list[bytes], odd: list[int]) -> bytes:
        """The slow path, for a chunk with odd lines (indexes in `odd`): the others pass untouched."""
        out = []
        seq, number, position = self.records, self.lines, 0  # records kept, lines read, next line to see
        delta = self._deltas[-1]
        known, k = len(lines), 0
        while k < len(odd):
            i = odd[k]
            k += 1
            if i < position:
                continue  # already taken by a record spanning several lines
            if i > position:  # ordinary lines
                if number - seq != delta:
                    delta = number - seq
                    self._set_delta(seq + 1, delta)
                out.extend(lines[position:i])
                seq += i - position
                number += i - position
                self.rows_read += i - position
            number += 1
            start = number
            record, extra = self._record(lines, i + 1)
            if len(lines) > known:  # lines read past the chunk's end, then not all taken: check them too
                odd.extend(range(known, len(lines)))
                known = len(lines)
            number += extra
            position = i + 1 + extra
            if not record.strip():
                continue  # blank lines are not rows
            self.rows_read += 1
            try:
                fields = self._parse(record)
                if len(fields) != self.width:
                    raise _BadLine(f"nombre de champs incorrect ({len(fields)} au lieu de {self.width})")
            except _BadLine as exc:
                self._on_error(start, str(exc))
                continue
            self._buffer.seek(0)
            self._buffer.truncate()
            self._writer.writerow(fields)
            out.append(self._buffer.getvalue()[:-1].encode())
            seq += 1
            if start - seq != delta:
                delta = start - seq
                self._set_delta(seq, delta)
        if position < len(lines):
            if number - seq != delta:
                self._set_delta(seq + 1, number - seq)
            out.extend(lines[position:])
            seq += len(lines) - position
            self.rows_read += len(lines) - position
            number += len(lines) - position
        self.records, self.lines = seq, number
        return b"\n".join(out) + b"\n" if out else b""

    def _record(self, lines: list[bytes], i: int) -> tuple[bytes, int]:
        """The record whose first line is lines[i - 1], and how many more lines it takes.

        A quoted field may hold line breaks: while the quotes are unbalanced, the next lines are added (read
        from the file when the chunk ends there), up to MAX_RECORD_LINES. The lines are taken together only
        if they make one record of the header's width; else a quote was left open on the first line, which
        alone is dropped (so that one stray quote does not swallow the records after it).
        """
        first = lines[i - 1]
        quotes = first.count(b'"')
        parts = [first]
        while quotes % 2 and len(parts) < MAX_RECORD_LINES:
            if i + len(parts) - 1 >= len(lines):
                more = self._stream.readline()
                if not more:
                    break
                lines.append(more.removesuffix(b"\n").removesuffix(b"\r"))
            following = lines[i + len(parts) - 1]
            parts.append(following)
            quotes += following.count(b'"')
        if len(parts) == 1 or quotes % 2:
            return first, 0
        record = b"\n".join(parts)
        try:
            if len(self._parse(record)) == self.width:
                return record, len(parts) - 1
        except _BadLine:
            pass
        return first, 0

    def _parse(self, record: bytes) -> list[str]:
        try:
            text = record.decode("utf-8")
        except UnicodeDecodeError:
            raise _BadLine("encodage invalide (UTF-8 attendu)") from None
        if "\x00" in text:
            raise _BadLine("caractère nul dans la ligne")
        if text.count('"') % 2:
            raise _BadLine("guillemet non fermé")
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise _BadLine(f"ligne mal formée ({exc})") from None
        if len(rows) != 1:
            raise _BadLine("ligne mal formée (retour à la ligne hors guillemets)")
        return rows[0]

    def _set_delta(self, seq: int, delta: int) -> None:
        """From record `seq` on, line = seq + delta (one entry per change: only odd lines add one)."""
        if self._seq_starts[-1] == seq:
            self._deltas[-1] = delta
        else:
            self._seq_starts.append(seq)
            self._deltas.append(delta)


class _BadLine(Exception):
    pass


def _is_utf8(data: bytes) -> bool:
    try:
        codecs.utf_8_decode(data, "strict", True)
    except UnicodeDecodeError:
        return False
    return True


def _nd(value: str) -> str:
    return "" if value == NON_DIFFUSIBLE else value


# --- Output --------------------------------------------------------------------------------------


class _Output:
    """Skipped lines on stderr (the first MAX_REPORTED_ERRORS of each file), thread-safe."""

    def __init__(self, stderr: IO[str] | None):
        self.stderr = stderr
        self._lock = threading.Lock()

    def error(self, report: FileReport, line: int, reason: str) -> None:
        with self._lock:
            report.rows_skipped += 1
            if len(report.errors) >= MAX_REPORTED_ERRORS:
                return
            error = RowError(report.kind, line, reason)
            report.errors.append(error)
            if self.stderr is not None:
                self.stderr.write(f"{error} ({report.path.name})\n")

    def end_of_file(self, report: FileReport) -> None:
        report.errors.sort(key=lambda error: error.line)  # the field counts are checked before the values
        hidden = report.rows_skipped - len(report.errors)
        if hidden > 0 and self.stderr is not None:
            with self._lock:
                self.stderr.write(f"… et {_fr(hidden)} autres lignes ignorées dans {report.path.name}.\n")


class _Progress:
    """A tqdm bar (stderr) on the bytes of the file read so far, compressed bytes for an archive."""

    def __init__(self, raw: IO[bytes], path: Path, enabled: bool, position: int):
        self._raw, self._bar = raw, None
        if enabled:
            import os
            import sys

            from tqdm import tqdm

            self._bar = tqdm(
                total=os.fstat(raw.fileno()).st_size,
                desc=path.name,
                unit="o",
                unit_scale=True,
                position=position,
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def update(self) -> None:
        if self._bar is not None:
            self._bar.update(self._raw.tell() - self._bar.n)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self, then: str = "") -> None:
        if self._bar is not None:
            self._bar.update(self._bar.total - self._bar.n)
            if then:
                self._bar.set_postfix_str(then, refresh=False)
            self._bar.close()
            self._bar = None


class _Columns:
    """Where the INSEE columns used are in the file's header (missing optional columns read as blank)."""

    def __init__(self, stock: _Stock, reader: _StockReader, path: Path):
        self.stock = stock
        self.positions: dict[str, int | None] = {source: reader.index(source) for source in stock.sources}
        if self.positions[stock.key] is None:
            raise SireneImportError(
                f"{path.name} : colonne « {stock.key} » absente de l'en-tête ; est-ce bien un fichier "
                f"{'StockEtablissement' if stock is ETABLISSEMENTS else 'StockUniteLegale'} ?"
            )

    def values(self, row: list[str]) -> dict[str, str]:
        values = {source: ("" if i is None else _nd(row[i])) for source, i in self.positions.items()}
        if self.stock is ETABLISSEMENTS and self.positions["siren"] is None:
            values["siren"] = values["siret"][:9]
        return values

    # SQL, on the staging table `s` whose columns are c0, c1, … in the file's order.
    def raw(self, source: str) -> str:
        position = self.positions[source]
        if position is None:
            if source == "siren" and self.stock is ETABLISSEMENTS:
                return f"left({self.raw('siret')}, 9)"
            return "''"
        return f"s.c{position}"

    def value(self, source: str) -> str:
        """The value with [ND] blanked and NULL (unquoted empty field) as ''."""
        if self.positions[source] is None:
            return self.raw(source)
        return f"coalesce(nullif({self.raw(source)}, '{NON_DIFFUSIBLE}'), '')"

    def valid(self) -> str:
        """SQL: FALSE for a row that `row_error` rejects (NULL, i.e. kept, when only blank values are unknown)."""
        identifiers = (("siret", 14), ("siren", 9)) if self.stock is ETABLISSEMENTS else (("siren", 9),)
        checks = []
        for source, length in identifiers:
            checks += [f"octet_length({self.raw(source)}) = {length}", f"{self.raw(source)} !~ '[^0-9]'"]
        if self.stock is ETABLISSEMENTS:
            checks.append(f"left({self.raw('siret')}, 9) = {self.raw('siren')}")
        conditions = [f"coalesce({' AND '.join(checks)}, false)"]
        for source, max_length in self.stock.lengths:
            if self.positions[source] is not None:
                # octet_length is free, char_length counts: only the long values are counted.
                value = self.raw(source)
                counted = value if max_length >= len(NON_DIFFUSIBLE) else f"nullif({value}, '{NON_DIFFUSIBLE}')"
                conditions.append(f"(octet_length({value}) <= {max_length} OR char_length({counted}) <= {max_length})")
        return " AND ".join(conditions)


def _unite_legale_name_sql(alias: str) -> str:
    """SireneUniteLegale.display_name in SQL."""
    return (
        f"CASE WHEN {alias}.denomination <> '' THEN {alias}.denomination "
        f"ELSE concat_ws(' ', nullif({alias}.prenom, ''), nullif({alias}.nom, '')) END"
    )


def _check_header(stock: _Stock, path: Path) -> None:
    with _open_stock(path) as (stream, _raw):
        _Columns(stock, _StockReader(stream, name=path.name, on_error=None), path)


# --- PostgreSQL: COPY into a staging table, then one INSERT … ON CONFLICT ------------------------


def _import_postgres(
    stock: _Stock,
    path: Path,
    *,
    using: str,
    out: _Output,
    progress: bool,
    position: int = 0,
    refresh_denominations: bool = False,
    before_upsert=None,
) -> FileReport:
    import psycopg

    report = FileReport(kind=stock.kind, path=path)
    started = time.perf_counter()
    connection = connections[using]
    stage = f"sirene_import_{stock.kind}"
    with _open_stock(path) as (stream, raw), _Progress(raw, path, progress, position) as bar:
        reader = _StockReader(
            stream,
            name=path.name,
            on_error=lambda line, reason: out.error(report, line, reason),
            on_progress=bar.update,
        )
        columns = _Columns(stock, reader, path)
        with transaction.atomic(using=using), connection.cursor() as cursor:
            pg = cursor.cursor  # the psycopg cursor, for COPY and streaming
            pg.execute("SET LOCAL synchronous_commit = off")
            pg.execute("SET LOCAL work_mem = '256MB'")
            pg.execute(f"DROP TABLE IF EXISTS pg_temp.{stage}")
            staged = ", ".join(f"c{i}" for i in range(reader.width))
            pg.execute(
                f"CREATE TEMP TABLE {stage} (seq bigint GENERATED ALWAYS AS IDENTITY, "
                + ", ".join(f"c{i} text" for i in range(reader.width))
                + ") ON COMMIT DROP"
            )
            step = time.perf_counter()
            try:
                with pg.copy(f"COPY {stage} ({staged}) FROM STDIN (FORMAT csv)") as copy:
                    for chunk in reader.chunks():
                        copy.write(chunk)
            finally:
                bar.close(then="lu ; contrôles et écriture en base…")
            report.rows_read = reader.rows_read
            step = report.timed("copy", step)

            # The invalid rows go, each reported with its line (the reason computed as on other databases).
            invalid = 0
            returned = ", ".join(columns.value(source) for source in stock.sources)
            for seq, *values in pg.stream(
                f"DELETE FROM {stage} s WHERE NOT ({columns.valid()}) RETURNING s.seq, {returned}"
            ):
                invalid += 1
                reason = row_error(stock, dict(zip(stock.sources, values, strict=True))) or "ligne invalide"
                out.error(report, reader.line_of(seq), reason)
            report.rows_imported = reader.records - invalid
            # Its real size (and the join keys' statistics) for the plan of the upsert's joins.
            keys = {
                f"c{columns.positions[name]}" for name in ("siret", "siren") if columns.positions.get(name) is not None
            }
            pg.execute(f"ANALYZE {stage} ({', '.join(sorted(keys))})")
            step = report.timed("contrôles", step)

            if before_upsert:
                before_upsert()
                step = report.timed("attente des unités légales", step)
            upsert = _upsert_sql(stock, columns, stage)
            try:
                with transaction.atomic(using=using):
                    pg.execute(upsert)
            except psycopg.errors.CardinalityViolation:  # a key twice in the file: the last line wins
                key = f"c{columns.positions[stock.key]}"
                pg.execute(f"DELETE FROM {stage} a USING {stage} b WHERE a.{key} = b.{key} AND a.seq < b.seq")
                pg.execute(upsert)
            report.rows_changed = pg.rowcount
            step = report.timed("upsert", step)
            if refresh_denominations:
                report.denominations_refreshed = _refresh_denominations_sql(pg, columns, stage)
                step = report.timed("dénominations", step)
            pg.execute(f"DROP TABLE {stage}")
        step = report.timed("commit", step)
        with connection.cursor() as cursor:
            model = SireneUniteLegale if stock is UNITES_LEGALES else SireneEtablissement
            cursor.execute(f"ANALYZE {model._meta.db_table}")
            if report.denominations_refreshed:
                cursor.execute(f"ANALYZE {SireneEtablissement._meta.db_table}")
        report.timed("analyze", step)
    report.duration = time.perf_counter() - started
    out.end_of_file(report)
    return report


def _upsert_sql(stock: _Stock, columns: _Columns, stage: str, skip_unchanged: bool = True) -> str:
    v = columns.value
    if stock is UNITES_LEGALES:
        table = SireneUniteLegale._meta.db_table
        selected = {
            "siren": v("siren"),
            "denomination": v("denominationUniteLegale"),
            "sigle": v("sigleUniteLegale"),
            "prenom": f"coalesce(nullif({v('prenomUsuelUniteLegale')}, ''), {v('prenom1UniteLegale')})",
            "nom": f"coalesce(nullif({v('nomUsageUniteLegale')}, ''), {v('nomUniteLegale')})",
            "etat_administratif": f"CASE {v('etatAdministratifUniteLegale')} WHEN 'C' THEN 'F' "
            f"ELSE {v('etatAdministratifUniteLegale')} END",
        }
        source, key, updated = f"{stage} s", "siren", _UNITE_LEGALE_UPDATED
    else:
        table = SireneEtablissement._meta.db_table
        units = SireneUniteLegale._meta.db_table
        selected = {
            "siret": v("siret"),
            "siren": v("siren"),
            "denomination": f"coalesce(nullif({_unite_legale_name_sql('u')}, ''), "
            f"nullif({v('denominationUsuelleEtablissement')}, ''), {v('enseigne1Etablissement')})",
            **{name: v(insee) for name, insee in _ETABLISSEMENT_FIELDS},
        }
        source = f"{stage} s LEFT JOIN {units} u ON u.siren = {columns.raw('siren')}"
        key, updated = "siret", _ETABLISSEMENT_UPDATED
    names = ", ".join(selected)
    rows = f"SELECT {', '.join(f'{expression} AS {name}' for name, expression in selected.items())} FROM {source}"
    if skip_unchanged:
        # The rows already stored as they are go before the INSERT: ON CONFLICT … WHERE would still lock them.
        rows = (
            f"SELECT n.* FROM ({rows}) n LEFT JOIN {table} o ON o.{key} = n.{key} WHERE o.{key} IS NULL "
            f"OR ({', '.join(f'o.{name}' for name in updated)}) IS DISTINCT FROM ({', '.join(f'n.{name}' for name in updated)})"
        )
    return (
        f"INSERT INTO {table} AS t ({names}) {rows} "
        f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(f'{name} = EXCLUDED.{name}' for name in updated)} "
        f"WHERE ({', '.join(f't.{name}' for name in updated)}) "
        f"IS DISTINCT FROM ({', '.join(f'EXCLUDED.{name}' for name in updated)})"
    )


def _refresh_denominations_sql(pg, columns: _Columns, stage: str) -> int:
    """Rename the known establishments of the unités légales just imported; how many changed."""
    pg.execute(
        f"UPDATE {SireneEtablissement._meta.db_table} e SET denomination = n.name "
        f"FROM (SELECT u.siren, {_unite_legale_name_sql('u')} AS name "
        f"FROM {SireneUniteLegale._meta.db_table} u WHERE u.siren IN (SELECT {columns.raw('siren')} FROM {stage} s)) n "
        f"WHERE e.siren = n.siren AND n.name <> '' AND e.denomination <> n.name"
    )
    return pg.rowcount


# --- Other databases: the same checks in Python, bulk_create(update_conflicts=True) ---------------


def _import_bulk(
    stock: _Stock, path: Path, *, using: str, out: _Output, progress: bool, refresh_denominations: bool = False
) -> FileReport:
    report = FileReport(kind=stock.kind, path=path)
    started = time.perf_counter()
    with _open_stock(path) as (stream, raw), _Progress(raw, path, progress, 0) as bar:
        reader = _StockReader(
            stream,
            name=path.name,
            on_error=lambda line, reason: out.error(report, line, reason),
            on_progress=bar.update,
        )
        columns = _Columns(stock, reader, path)
        flush = _flush_unites_legales if stock is UNITES_LEGALES else _flush_etablissements
        if refresh_denominations:
            report.denominations_refreshed = 0
        seq, invalid, batch = 0, 0, {}
        with transaction.atomic(using=using):
            for chunk in reader.chunks():
                for row in csv.reader(io.StringIO(chunk.decode("utf-8"), newline="")):
                    seq += 1
                    values = columns.values(row)
                    reason = row_error(stock, values)
                    if reason:
                        invalid += 1
                        out.error(report, reader.line_of(seq), reason)
                        continue
                    batch[values[stock.key]] = values  # a key twice: the last line wins
                    if len(batch) >= BULK_BATCH_SIZE:
                        flush(batch.values(), using, report)
                        batch = {}
            if batch:
                flush(batch.values(), using, report)
        bar.close()
        report.rows_read = reader.rows_read
        report.rows_imported = reader.records - invalid
    report.duration = time.perf_counter() - started
    out.end_of_file(report)
    return report


def _upsert_options(using: str, key: str) -> dict:
    options = {"update_conflicts": True}
    if connections[using].features.supports_update_conflicts_with_target:  # not MySQL / MariaDB
        options["unique_fields"] = [key]
    return options


def _in_batches(values, size: int = 900):
    """`values` in lists small enough for any database's limit of query parameters (SQLite's 999)."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _flush_unites_legales(rows, using: str, report: FileReport) -> None:
    units = [SireneUniteLegale(**unite_legale_fields(values)) for values in rows]
    SireneUniteLegale.objects.using(using).bulk_create(
        units, update_fields=list(_UNITE_LEGALE_UPDATED), **_upsert_options(using, "siren")
    )
    if report.denominations_refreshed is None:
        return
    names = {unit.siren: unit.display_name for unit in units if unit.display_name}
    renamed = []
    for sirens in _in_batches(names):
        for etablissement in (
            SireneEtablissement.objects.using(using).filter(siren__in=sirens).only("siren", "denomination")
        ):
            if etablissement.denomination != names[etablissement.siren]:
                etablissement.denomination = names[etablissement.siren]
                renamed.append(etablissement)
    SireneEtablissement.objects.using(using).bulk_update(renamed, ["denomination"], batch_size=500)
    report.denominations_refreshed += len(renamed)


def _flush_etablissements(rows, using: str, report: FileReport) -> None:
    rows = list(rows)
    names = {}
    for sirens in _in_batches({values["siren"] for values in rows}):
        names.update(
            (unit.siren, unit.display_name)
            for unit in SireneUniteLegale.objects.using(using)
            .filter(siren__in=sirens)
            .only("siren", "denomination", "prenom", "nom")
        )
    SireneEtablissement.objects.using(using).bulk_create(
        [SireneEtablissement(**etablissement_fields(values, names.get(values["siren"], ""))) for values in rows],
        update_fields=list(_ETABLISSEMENT_UPDATED),
        **_upsert_options(using, "siret"),
    )


# --- Entry point ---------------------------------------------------------------------------------


def sirene_import(
    *,
    unites_legales_path: str | Path | None = None,
    etablissements_path: str | Path | None = None,
    progress: bool = False,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    verbose: bool = False,
    using: str = "default",
    parallel: bool | None = None,
) -> ImportReport:
    """Import a StockUniteLegale and/or a StockEtablissement file (see the module's docstring).

    With only establishments, they are named after the unités légales already in the database; with only
    unités légales, the known establishments of these SIRENs are renamed. Skipped lines go to `stderr`,
    the summary to `stdout` (with the time of each step if `verbose`), when given. `parallel` (PostgreSQL, both
    files): import the unités légales on a second connection while the establishments are copied; by
    default when not inside a transaction (a second connection would not see it).
    """
    if not unites_legales_path and not etablissements_path:
        raise SireneImportError(
            "Indiquez au moins un fichier : --unites-legales FICHIER et/ou --etablissements FICHIER."
        )
    ul_path = Path(unites_legales_path) if unites_legales_path else None
    etab_path = Path(etablissements_path) if etablissements_path else None
    for stock, path in ((UNITES_LEGALES, ul_path), (ETABLISSEMENTS, etab_path)):
        if path:
            _check_header(stock, path)

    connection = connections[using]
    postgres = connection.vendor == "postgresql"
    report = ImportReport(method="copy" if postgres else "bulk_create")
    out = _Output(stderr)
    started = time.perf_counter()
    refresh = etab_path is None
    if not postgres:
        if ul_path:
            report.unites_legales = _import_bulk(
                UNITES_LEGALES, ul_path, using=using, out=out, progress=progress, refresh_denominations=refresh
            )
        if etab_path:
            report.etablissements = _import_bulk(ETABLISSEMENTS, etab_path, using=using, out=out, progress=progress)
    elif ul_path and etab_path and (parallel if parallel is not None else not connection.in_atomic_block):
        report.unites_legales, report.etablissements = _import_postgres_parallel(
            ul_path, etab_path, using=using, out=out, progress=progress
        )
    else:
        if ul_path:
            report.unites_legales = _import_postgres(
                UNITES_LEGALES, ul_path, using=using, out=out, progress=progress, refresh_denominations=refresh
            )
        if etab_path:
            report.etablissements = _import_postgres(ETABLISSEMENTS, etab_path, using=using, out=out, progress=progress)
    report.duration = time.perf_counter() - started
    if stdout is not None:
        stdout.write(report.summary(verbose=verbose) + "\n")
    return report


def _import_postgres_parallel(ul_path: Path, etab_path: Path, *, using: str, out: _Output, progress: bool):
    """The unités légales on a second connection (thread) while the establishments are copied and checked;
    the establishments' upsert waits for the unités légales to be committed (it reads their names)."""
    outcome: dict = {}

    def unites_legales():
        try:
            outcome["report"] = _import_postgres(
                UNITES_LEGALES, ul_path, using=using, out=out, progress=progress, position=1
            )
        except BaseException as exc:  # re-raised in the main thread
            outcome["error"] = exc
        finally:
            connections[using].close()

    thread = threading.Thread(target=unites_legales, name="import-sirene-unites-legales", daemon=True)
    thread.start()

    def wait_for_unites_legales():
        thread.join()
        if "error" in outcome:
            raise outcome["error"]

    try:
        etablissements = _import_postgres(
            ETABLISSEMENTS, etab_path, using=using, out=out, progress=progress, before_upsert=wait_for_unites_legales
        )
    except KeyboardInterrupt:
        raise  # the thread is a daemon: its connection closes, its transaction is rolled back
    except BaseException:
        thread.join()  # the unités légales are independent: let them finish
        raise
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["report"], etablissements
