"""Reading a stock file: streamed, decompressed, checked line by line, and where its columns are."""

from __future__ import annotations

import array
import bisect
import codecs
import csv
import gzip
import io
import itertools
import operator
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .layouts import ETABLISSEMENTS, NON_DIFFUSIBLE, SireneImportError, Stock

CHUNK_SIZE = 1 << 20  # bytes read at once (whole lines are added to complete the last one)
MAX_RECORD_LINES = 20  # a quoted field may span lines; beyond this, the quote is taken as unclosed

# --- Reading the files ---------------------------------------------------------------------------


@contextmanager
def open_stock(path: Path) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
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


class StockReader:
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
        self._blank = b""
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

    def _blocks(self) -> Iterator[bytes]:
        """The file in blocks of about CHUNK_SIZE bytes, each ending at the end of a line (one is added to the last)."""
        stream = self._stream
        while True:
            data = stream.read(CHUNK_SIZE)
            if not data:
                return
            if not data.endswith(b"\n"):
                data += stream.readline()
                if not data.endswith(b"\n"):
                    data += b"\n"
            yield data

    def chunks(self) -> Iterator[bytes]:
        for data in self._blocks():
            chunk = self._check(data)
            if self._on_progress:
                self._on_progress()
            if chunk:
                yield chunk

    def cut(self, keep: list[int], blank: bytes = b"") -> Iterator[tuple[list[list[bytes]], list[int]]]:
        """The records chunk by chunk, cut down to the fields `keep` (positions in the header), as one list of
        values per field: (columns, parsed). Same checks, skipped lines and numbering as chunks(); the first
        record of a chunk has the sequence number `records + 1` of before it was read.

        The lines without quote (nearly all) are cut without a Python loop over the lines or the fields: a run
        of them is split once on its commas, each line's end marked, and the markers found every width + 1
        fields exactly when every line has the header's width (else the lines of another width are taken one by
        one). `parsed`: the indexes of the records read by the csv module (quotes, line breaks, odd lines),
        whose values may hold a comma, a quote or a line break. A value equal to `blank` (`[ND]`) is read as empty.
        """
        self._blank = blank
        for data in self._blocks():
            cut = self._cut(data, keep)
            if self._on_progress:
                self._on_progress()
            if cut[0] and cut[0][0]:
                yield cut

    def _cut(self, data: bytes, keep: list[int]) -> tuple[list[list[bytes]], list[int]]:
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        columns: list[list[bytes]] = [[] for _ in keep]
        parsed: list[int] = []
        odd = _odd_lines(data, 0)
        position, k = 0, 0
        while position < len(data):
            while k < len(odd) and odd[k] < position:
                k += 1  # taken by a record spanning several lines
            stop = odd[k] if k < len(odd) else len(data)
            if stop > position:
                wrong = self._cut_plain(data[position:stop], keep, columns)
                if wrong:  # lines of another width: each taken on its own below
                    odd[k:k] = [position + start for start in wrong]
                    continue
                position = stop
            if k < len(odd):
                size = len(data)
                data, position = self._cut_record(data, odd[k], keep, columns, parsed)
                if len(data) > size:  # lines read past the chunk's end: checked too
                    odd.extend(_odd_lines(data, size))
        return columns, parsed

    def _cut_plain(self, lines: bytes, keep: list[int], columns: list[list[bytes]]) -> list[int]:
        """Cut whole lines without quote; or, when some are not of the header's width, their starts (nothing cut)."""
        count = lines.count(b"\n")
        width = self.width
        blank, source = self._blank, lines
        if blank and blank in lines:  # twice: of two values in a row, the first pass takes only one
            lines = b"\n" + lines
            for before, after in ((b"\n", b","), (b",", b","), (b",", b","), (b",", b"\n")):
                lines = lines.replace(before + blank + after, before + after)
            lines = lines[1:]
        fields = lines.replace(b"\n", b",\n,").split(b",")
        fields.pop()  # after the last marker
        if len(fields) == count * (width + 1) and fields[width :: width + 1].count(b"\n") == count:
            for column, position in zip(columns, keep, strict=True):
                column += fields[position :: width + 1]
            if self.lines - self.records != self._deltas[-1]:
                self._set_delta(self.records + 1, self.lines - self.records)
            self.lines += count
            self.records += count
            self.rows_read += count
            return []
        wrong, start = [], 0
        for line in source.split(b"\n")[:-1]:
            if line.count(b",") != self._commas:
                wrong.append(start)
            start += len(line) + 1
        return wrong

    def _cut_record(self, data: bytes, start: int, keep: list[int], columns, parsed) -> tuple[bytes, int]:
        """The record whose first line starts at `start`, read by the csv module (see _record): (data, next)."""
        end = data.find(b"\n", start)
        self.lines += 1
        number = self.lines
        quotes = data.count(b'"', start, end)
        stop, parts = end, 1
        while quotes % 2 and parts < MAX_RECORD_LINES:
            if stop + 1 >= len(data):
                more = self._stream.readline()
                if not more:
                    break
                data += more.removesuffix(b"\n").removesuffix(b"\r") + b"\n"
            following = data.find(b"\n", stop + 1)
            quotes += data.count(b'"', stop + 1, following)
            stop, parts = following, parts + 1
        record = data[start:end]
        if parts > 1 and not quotes % 2:
            try:
                if len(self._parse(data[start:stop])) == self.width:
                    record = data[start:stop]
                    self.lines += parts - 1
            except _BadLine:
                pass
        following = start + len(record) + 1
        if not record.strip():
            return data, following  # blank lines are not rows
        fields = self._row_fields(record, number)
        if fields is None:
            return data, following
        self.records += 1
        if number - self.records != self._deltas[-1]:
            self._set_delta(self.records, number - self.records)
        parsed.append(len(columns[0]))
        for column, position in zip(columns, keep, strict=True):
            column.append(
                b"" if self._blank and fields[position] == self._blank.decode() else fields[position].encode()
            )
        return data, following

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
            fields = self._row_fields(record, start)
            if fields is None:
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

    def _row_fields(self, record: bytes, number: int) -> list[str] | None:
        """The fields of a row read by the csv module (counted as read), or None when it is reported as bad: it
        cannot be read, or has not the header's number of fields."""
        self.rows_read += 1
        try:
            fields = self._parse(record)
            if len(fields) != self.width:
                raise _BadLine(f"nombre de champs incorrect ({len(fields)} au lieu de {self.width})")
        except _BadLine as exc:
            self._on_error(number, str(exc))
            return None
        return fields

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


def _odd_lines(data: bytes, begin: int) -> list[int]:
    """The starts of the lines of data[begin:] that the fast cut cannot take: a quote, a carriage return, a nul
    character or bytes that are not UTF-8 (found without a Python loop over the others)."""
    starts = set()
    for needle in (b'"', b"\r", b"\x00"):
        found = data.find(needle, begin)
        while found >= 0:
            starts.add(data.rfind(b"\n", 0, found) + 1)
            found = data.find(needle, data.find(b"\n", found) + 1)
    if not data.isascii() and not _is_utf8(data[begin:]):
        start = begin
        for line in data[begin:].split(b"\n")[:-1]:
            if not line.isascii() and not _is_utf8(line):
                starts.add(start)
            start += len(line) + 1
    return sorted(starts)


def _is_utf8(data: bytes) -> bool:
    try:
        codecs.utf_8_decode(data, "strict", True)
    except UnicodeDecodeError:
        return False
    return True


def _nd(value: str) -> str:
    return "" if value == NON_DIFFUSIBLE else value


class Columns:
    """Where the INSEE columns used are in the file's header (missing optional columns read as blank)."""

    def __init__(self, stock: Stock, reader: StockReader, path: Path):
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


def read_stock(
    stock: Stock, stream: IO[bytes], path: Path, *, on_error, on_progress=None
) -> tuple[StockReader, Columns]:
    """The reader of an open stock file and where the stock's columns are in its header."""
    reader = StockReader(stream, name=path.name, on_error=on_error, on_progress=on_progress)
    return reader, Columns(stock, reader, path)


def check_header(stock: Stock, path: Path) -> None:
    with open_stock(path) as (stream, _raw):
        read_stock(stock, stream, path, on_error=None)
