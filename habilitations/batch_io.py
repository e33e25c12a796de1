"""The input of a « Demande d'habilitation en masse » (SIRETs typed one per line, or a CSV file) and its report.

Reading is strict on the shape (a CSV needs a `siret` column, at most HABILITATION_BATCH_MAX_LINES lines) and
lenient on each line: a SIRET that is not one, or a contact's bad courriel, becomes a refused line with its reason,
not an error of the whole file.
"""

import csv
import hashlib
import io
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from apart.normalization import strip_accents
from apart.validation import NAME_PATTERN, check_characters, clean_courriel, clean_phone
from referentiels.validators import clean_siret, validate_siret

from .models import BATCH_CONTACT_FIELDS as CONTACT_FIELDS
from .models import HABILITATION_BATCH_MAX_LINES

MAX_FILE_BYTES = 1_000_000  # 2 000 lines with a contact each weigh about 200 Ko

TOO_MANY_LINES = f"Une demande en masse compte au plus {HABILITATION_BATCH_MAX_LINES:,} lignes ({{count}} reçues) : découpez-la.".replace(
    ",", " "
)
NOTHING = "Saisissez au moins un numéro de Siret, un par ligne, ou choisissez un fichier CSV."
BOTH = "Saisissez les numéros de Siret ou choisissez un fichier CSV, pas les deux."
NO_SIRET_COLUMN = "Le fichier doit avoir une ligne d'en-tête avec une colonne « siret »."
NOT_CSV = "Le fichier doit être un fichier CSV (texte, colonnes séparées par « ; » ou « , »)."
FILE_TOO_BIG = "Le fichier dépasse 1 Mo."
EMPTY_FILE = "Le fichier ne contient aucune ligne de Siret."
DUPLICATE = "Ce Siret figure déjà ligne {line} : la ligne est ignorée."

# Column names, compared without accents, case, spaces nor punctuation.
COLUMNS = {
    "siret": "siret",
    "ndesiret": "siret",
    "numerodesiret": "siret",
    "numerosiret": "siret",
    "nom": "contact_nom",
    "nomcontact": "contact_nom",
    "prenom": "contact_prenom",
    "prenomcontact": "contact_prenom",
    "telephone": "contact_telephone",
    "tel": "contact_telephone",
    "telephonecontact": "contact_telephone",
    "courriel": "contact_courriel",
    "email": "contact_courriel",
    "mail": "contact_courriel",
    "courrielcontact": "contact_courriel",
}


class BatchInputError(Exception):
    """The input as a whole cannot be read; `field` is the form field the message goes next to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class BatchInputLine:
    line_number: int
    siret_typed: str
    siret: str = ""  # the 14 digits when the typed value is a valid SIRET
    error: str = ""  # the reason the line is refused before any processing
    contact_nom: str = ""
    contact_prenom: str = ""
    contact_telephone: str = ""
    contact_courriel: str = ""

    @property
    def contact(self) -> dict:
        return {name: getattr(self, name) for name in CONTACT_FIELDS}


@dataclass(frozen=True)
class BatchInput:
    source: str
    lines: list[BatchInputLine]

    @property
    def input_hash(self) -> str:
        """The same SIRETs and contacts in the same order, typed or in a file, however spaced: the same hash."""
        normalised = [[line.siret or line.siret_typed.strip(), *line.contact.values()] for line in self.lines]
        return hashlib.sha256(json.dumps(normalised, ensure_ascii=False).encode()).hexdigest()


def _column_key(name: str) -> str:
    return "".join(char for char in strip_accents(name or "").lower() if char.isalnum())


def _check_siret(line: BatchInputLine, seen: dict[str, int]) -> None:
    typed = line.siret_typed.strip()
    siret = clean_siret(typed).replace(".", "").replace("-", "")
    try:
        validate_siret(siret)
    except ValidationError as error:
        line.error = error.messages[0]
        return
    line.siret = siret
    if siret in seen:
        line.error = DUPLICATE.format(line=seen[siret])
    else:
        seen[siret] = line.line_number


def _check_contact(line: BatchInputLine) -> None:
    checks = (
        ("contact_nom", "Nom", lambda value: check_characters(value, label="Nom", pattern=NAME_PATTERN)),
        ("contact_prenom", "Prénom", lambda value: check_characters(value, label="Prénom", pattern=NAME_PATTERN)),
        ("contact_telephone", "Téléphone", clean_phone),
        ("contact_courriel", "Courriel", clean_courriel),
    )
    for name, label, clean in checks:
        value = " ".join((getattr(line, name) or "").split())
        if not value:
            continue
        try:
            setattr(line, name, clean(value)[:100])
        except ValidationError as error:
            line.error = line.error or f"Contact : {label.lower()} « {value} » refusé ({error.messages[0]})"


def _limit(lines: list, field: str) -> None:
    if len(lines) > HABILITATION_BATCH_MAX_LINES:
        raise BatchInputError(field, TOO_MANY_LINES.format(count=len(lines)))


def parse_text(text: str) -> BatchInput:
    """The textarea « N° de Siret »: one per line; blank lines are skipped (their numbers kept)."""
    seen: dict[str, int] = {}
    lines = [
        BatchInputLine(line_number=number, siret_typed=value.strip()[:100])
        for number, value in enumerate((text or "").splitlines(), start=1)
        if value.strip()
    ]
    if not lines:
        raise BatchInputError("sirets", NOTHING)
    _limit(lines, "sirets")
    for line in lines:
        _check_siret(line, seen)
    return BatchInput(source="Saisie", lines=lines)


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")  # Excel's "CSV (séparateur : point-virgule)" on Windows


def _read_text(fichier) -> str:
    if getattr(fichier, "size", 0) and fichier.size > MAX_FILE_BYTES:
        raise BatchInputError("fichier", FILE_TOO_BIG)
    if hasattr(fichier, "seek"):
        fichier.seek(0)
    raw = fichier.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise BatchInputError("fichier", FILE_TOO_BIG)
    if b"\x00" in raw:
        raise BatchInputError("fichier", NOT_CSV)
    try:
        return _decode(raw)
    except UnicodeDecodeError:
        raise BatchInputError("fichier", NOT_CSV) from None


def _columns(header: list[str]) -> dict[str, int]:
    columns = {}
    for position, cell in enumerate(header):
        target = COLUMNS.get(_column_key(cell))
        if target and target not in columns:
            columns[target] = position
    if "siret" not in columns:
        raise BatchInputError("fichier", NO_SIRET_COLUMN)
    return columns


def parse_file(fichier) -> BatchInput:
    """A CSV file: `;` or `,`, UTF-8 (with or without BOM) or Windows-1252, a header with a `siret` column and
    optionally nom, prénom, téléphone, courriel (the establishment's contact person)."""
    name = (getattr(fichier, "name", "") or "fichier.csv").rsplit("/", 1)[-1][:255]
    text = _read_text(fichier)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header_index = next((index for index, row in enumerate(rows) if any(cell.strip() for cell in row)), None)
    if header_index is None:
        raise BatchInputError("fichier", EMPTY_FILE)
    columns = _columns(rows[header_index])
    lines = []
    for index, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        values = {
            target: (row[position] if position < len(row) else "").strip() for target, position in columns.items()
        }
        if any(values.values()):
            lines.append(
                BatchInputLine(
                    line_number=index,
                    siret_typed=values["siret"][:100],
                    **{name: values.get(name, "") for name in CONTACT_FIELDS},
                )
            )
    if not lines:
        raise BatchInputError("fichier", EMPTY_FILE)
    _limit(lines, "fichier")
    seen: dict[str, int] = {}
    for line in lines:
        _check_siret(line, seen)
        _check_contact(line)
    return BatchInput(source=name, lines=lines)


def parse_input(*, sirets_text: str | None = None, fichier=None) -> BatchInput:
    has_text = bool((sirets_text or "").strip())
    if has_text and fichier:
        raise BatchInputError("__all__", BOTH)
    if fichier:
        return parse_file(fichier)
    if not has_text:
        raise BatchInputError("sirets", NOTHING)
    return parse_text(sirets_text)


REPORT_HEADER = ["ligne", "siret saisi", "siret", "résultat", "message", "établissement"]


def _cell(value) -> str:
    """A cell a spreadsheet shows as text: what the user typed could otherwise be read as a formula."""
    value = str(value)
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def batch_report_csv(batch) -> bytes:
    """The report: one row per line, `;`-separated, UTF-8 with a BOM (Excel opens it with its accents)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    for line in batch.lines.select_related("establishment").order_by("line_number"):
        writer.writerow(
            _cell(value)
            for value in [
                line.line_number,
                line.siret_typed,
                line.siret,
                line.get_result_display() if line.result else "Pas encore traitée",
                line.message,
                line.establishment.denomination if line.establishment else "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
