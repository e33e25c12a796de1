"""Full reload (`import_sirene --full`): the stock loaded into fresh tables, swapped in at the end.

PostgreSQL, in ONE transaction (so a failure anywhere leaves the old tables as they were, and no reader
ever sees a half-loaded table):

1. each file is COPied straight into a fresh table `CREATE TABLE … (LIKE real_table)` (no index, no constraint
   but NOT NULL yet, `COPY … FREEZE`): no staging table, no `INSERT … SELECT`. Python reads the file as published,
   cuts out the columns used (StockReader.cut: no Python loop over the lines nor the fields for the lines without
   quote), checks them column by column (the rows `row_error` rejects are reported with their line and left
   out), blanks `[ND]`, and names each establishment after its unité légale, the names of a chunk's SIRENs being
   read by one query on the unités légales already loaded;
2. the real table's constraints (primary key) and indexes are rebuilt on the fresh table after the load
   (one sort each, parallel workers allowed), from their definitions in the catalog, so that an index
   added by a later migration is rebuilt too; the fresh table is ANALYZEd;
3. the swap: `LOCK` the real tables, `DROP` them, rename the fresh ones (and their indexes and
   constraints) to the real names, commit. Readers wait only for these few catalog changes; no table
   references the SIRENE tables by foreign key, so they can be dropped.

With both files the unités légales are loaded first and the establishments named after them; both tables are
swapped together. Outside a transaction, WORKERS forked processes read, check and name the blocks of the file
(about 1 MB each, a few in flight, in the file's order), each reading the names on its own connection: the fresh
unités légales are then committed under their temporary name on a second connection first (dropped if anything
fails); this process decompresses and COPies. Inside a transaction (a second connection would not see its rows),
this process does it all, one COPY per chunk, the names read between them on the same connection. Other
databases (SQLite for `make run`): the rows are deleted, then imported as usual, in one transaction.
"""

from __future__ import annotations

import collections
import csv
import functools
import io
import itertools
import multiprocessing
import os
import re
import threading
import time
from pathlib import Path

from django.db import connections, transaction

from ..models import SireneEtablissement, SireneUniteLegale
from .background import OnSecondConnection
from .layouts import ETABLISSEMENT_FIELDS, ETABLISSEMENTS, NON_DIFFUSIBLE, UNITES_LEGALES, Stock, row_error
from .reading import CHUNK_SIZE, MAX_RECORD_LINES, StockReader, open_stock, read_stock
from .report import FileReport, Output, Progress
from .upsert import import_bulk, refresh_denominations_sql, unite_legale_name_sql

FRESH_SUFFIX = "_rechargement"  # the fresh table, and its indexes and constraints, until the swap
ND = NON_DIFFUSIBLE.encode()
QUOTED = (b",", b'"', b"\n", b"\r")  # a value holding one of these is quoted for COPY


def _fresh(name: str) -> str:
    return name[: 63 - len(FRESH_SUFFIX)] + FRESH_SUFFIX  # PostgreSQL's identifiers: 63 bytes


def _table(stock: Stock) -> str:
    return (SireneUniteLegale if stock is UNITES_LEGALES else SireneEtablissement)._meta.db_table


def reload_bulk(
    ul_path: Path | None, etab_path: Path | None, *, using: str, out: Output, progress: bool, parallel=None
):
    """Other databases: everything deleted then imported, in one transaction (`parallel`: ignored)."""
    reports = [None, None]
    with transaction.atomic(using=using):
        if ul_path:  # alone, the establishments kept are renamed after the new unités légales
            SireneUniteLegale.objects.using(using).all().delete()
            reports[0] = import_bulk(
                UNITES_LEGALES, ul_path, using=using, out=out, progress=progress, refresh_denominations=not etab_path
            )
        if etab_path:
            SireneEtablissement.objects.using(using).all().delete()
            reports[1] = import_bulk(ETABLISSEMENTS, etab_path, using=using, out=out, progress=progress)
    return reports


def reload_postgres(
    ul_path: Path | None,
    etab_path: Path | None,
    *,
    using: str,
    out: Output,
    progress: bool,
    parallel: bool | None = None,
):
    """PostgreSQL: fresh tables loaded, indexed, analysed, then swapped in (see the module's docstring).

    `parallel` (both files; by default when not inside a transaction, which a second connection would not see):
    the fresh unités légales are loaded and committed, under their temporary name, on a second connection (a
    thread) before the establishments, whose names the worker processes then read from it; the swap of both
    tables stays in the main transaction, and the fresh table is dropped if anything fails.
    """
    connection = connections[using]
    parallel = bool(ul_path and etab_path) and (parallel if parallel is not None else not connection.in_atomic_block)
    reports: list[FileReport | None] = [None, None]
    fresh_units = _fresh(_table(UNITES_LEGALES))
    # Worker processes read, check and name the rows, outside a transaction (their own connections read the names:
    # the unités légales must be committed) and when no other thread runs (they are forked, before any thread).
    workers = not connection.in_atomic_block and threading.active_count() == 1
    pool = _pool() if workers else None
    unites_legales = (
        OnSecondConnection(
            functools.partial(_load_committed, ul_path, using=using, out=out, progress=progress, pool=pool),
            using=using,
            name="rechargement-sirene-unites-legales",
        )
        if parallel
        else None
    )

    def wait_for_unites_legales():
        reports[0] = unites_legales.result()

    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            pg = cursor.cursor
            _settings(pg)
            if ul_path and not parallel:
                reports[0] = _load(pg, UNITES_LEGALES, ul_path, out=out, progress=progress, pool=pool, using=using)
            if etab_path:
                reports[1] = _load(
                    pg,
                    ETABLISSEMENTS,
                    etab_path,
                    out=out,
                    progress=progress,
                    units=fresh_units if ul_path else _table(UNITES_LEGALES),
                    pool=pool if parallel or not ul_path else None,
                    using=using,
                    before_copy=wait_for_unites_legales if parallel else None,
                )
            step = time.perf_counter()
            _swap(
                pg, [_table(stock) for stock, path in ((UNITES_LEGALES, ul_path), (ETABLISSEMENTS, etab_path)) if path]
            )
            last = reports[1] or reports[0]
            last.timed("échange des tables", step)
            if ul_path and not etab_path:  # the establishments kept are renamed after the new unités légales
                step = time.perf_counter()
                reports[0].denominations_refreshed = refresh_denominations_sql(pg)
                reports[0].timed("dénominations", step)
            step = time.perf_counter()
        last.timed("commit", step)
    except BaseException:
        if unites_legales is not None:
            unites_legales.join()  # then its fresh table, committed under its temporary name, goes
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {fresh_units}")
        raise
    finally:
        if pool is not None:
            pool.terminate()
    for report in reports:
        if report:
            out.end_of_file(report)
    return reports


def _load_committed(path: Path, *, using: str, out: Output, progress: bool, pool=None) -> FileReport:
    """The fresh unités légales loaded and committed, under their temporary name, in a transaction of their own."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        _settings(cursor.cursor)
        return _load(
            cursor.cursor, UNITES_LEGALES, path, out=out, progress=progress, position=1, pool=pool, using=using
        )


def _settings(pg) -> None:
    pg.execute("SET LOCAL synchronous_commit = off")
    pg.execute("SET LOCAL work_mem = '256MB'")
    pg.execute("SET LOCAL maintenance_work_mem = '512MB'")  # the index sorts


class _Names:
    """The names of unités légales (display_name, as the upsert computes it) by SIREN, read from `table`."""

    def __init__(self, pg, table: str):
        self.pg, self.table = pg, table

    def __call__(self, sirens: set[bytes]) -> dict[bytes, bytes]:
        if not sirens:
            return {}
        self.pg.execute(
            f"SELECT u.siren, {unite_legale_name_sql('u')} FROM {self.table} u "
            "WHERE u.siren = ANY(string_to_array(%s, ','))",
            [b",".join(sirens).decode()],
        )
        return {siren.encode(): name.encode() for siren, name in self.pg.fetchall() if name}


def _target(stock: Stock) -> list[str]:
    """The fresh table's columns, in the order of the rows written by `_csv`."""
    if stock is UNITES_LEGALES:
        return ["siren", "denomination", "sigle", "prenom", "nom", "etat_administratif"]
    return ["siret", "siren", "denomination", *(name for name, _ in ETABLISSEMENT_FIELDS)]


def _load(
    pg,
    stock: Stock,
    path: Path,
    *,
    out: Output,
    progress: bool,
    units: str | None = None,
    pool=None,
    using: str = "default",
    position: int = 0,
    before_copy=None,
):
    """COPY the file straight into the fresh table (checked and named on the way), then index it.

    `units`: the table of unités légales the establishments are named after. `pool`: worker processes that read,
    check and name the rows (their own connections read the names: `units` must be committed); without it, this
    process does, reading the names on this connection between one COPY per chunk.
    """
    report = FileReport(kind=stock.kind, path=path)
    started = time.perf_counter()
    table, fresh = _table(stock), _fresh(_table(stock))
    target = ", ".join(_target(stock))
    copy_sql = f"COPY {fresh} ({target}) FROM STDIN (FORMAT csv, FREEZE, FORCE_NOT_NULL ({target}))"
    # The fresh table: the real one's columns, no index, no constraint (NOT NULL excepted) until loaded.
    pg.execute(f"DROP TABLE IF EXISTS {fresh}")
    pg.execute(f"CREATE TABLE {fresh} (LIKE {table} INCLUDING DEFAULTS)")
    with open_stock(path) as (stream, raw), Progress(raw, path, progress, position) as bar:
        reader, columns = read_stock(
            stock, stream, path, on_error=lambda line, reason: out.error(report, line, reason), on_progress=bar.update
        )
        sources = [source for source in stock.sources if columns.positions[source] is not None]
        keep = [columns.positions[source] for source in sources]
        step = time.perf_counter()
        if before_copy:
            before_copy()
            step = report.timed("attente des unités légales", step)
        try:
            if pool is not None:
                task = (stock.kind, reader.width, keep, sources, units if stock is ETABLISSEMENTS else None, using)
                with pg.copy(copy_sql) as copy:
                    for data in _rows_in_workers(pool, task, stream, report, out, bar):
                        copy.write(data)
            else:
                names = _Names(pg, units) if stock is ETABLISSEMENTS else None
                rows = _rows_here(stock, reader, keep, sources, names, functools.partial(out.error, report))
                _copy_here(pg, copy_sql, rows, report, one=names is None)
        finally:
            bar.close(then="lu ; index de la nouvelle table…")
        if pool is None:
            report.rows_read = reader.rows_read
        step = report.timed("copy", step)

    _rebuild_indexes(pg, stock, report)
    step = report.timed("index", step)
    pg.execute(f"ANALYZE {fresh}")
    report.timed("analyze", step)
    report.duration = time.perf_counter() - started
    return report


def _copy_here(pg, sql: str, rows, report: FileReport, *, one: bool) -> None:
    """`rows` ((CSV rows, how many) per chunk) COPied: in one COPY (`one`), else one per chunk, the next chunk's
    names being read on this connection between two."""
    if one:
        with pg.copy(sql) as copy:
            for data, count in rows:
                copy.write(data)
                report.rows_imported += count
        return
    for data, count in rows:
        with pg.copy(sql) as copy:
            copy.write(data)
        report.rows_imported += count


def _rows_here(stock: Stock, reader, keep, sources, names, error):
    """(CSV rows, how many) of each chunk, read, checked and named in this process; `error(line, reason)`."""
    for cut in reader.cut(keep, blank=ND):
        first = reader.records - len(cut[0][0]) + 1  # the sequence number of the chunk's first record
        checked = _checked(stock, sources, cut, first, error=lambda seq, reason: error(reader.line_of(seq), reason))
        data, count = _csv(stock, *checked, names(set(checked[0]["siren"])) if names and checked[1] else {})
        if data:
            yield data, count


# --- Worker processes ----------------------------------------------------------------------------

WORKERS = max(2, min(4, os.cpu_count() or 2))


def _pool():
    """Worker processes, forked (they find Django set up, and open their own connections)."""
    return multiprocessing.get_context("fork").Pool(WORKERS)


def _blocks(stream, bar):
    """(line of its first line, block of whole lines, the lines after it) for the rest of the file: about
    CHUNK_SIZE bytes each. The MAX_RECORD_LINES lines after a block, which a record with a quoted line break may
    take, are also the start of the next block."""
    line, carry = 2, b""  # after the header
    while data := carry + stream.read(CHUNK_SIZE):
        if not data.endswith(b"\n"):
            data += stream.readline()
            if not data.endswith(b"\n"):
                data += b"\n"
        carry = b"".join(itertools.islice(iter(stream.readline, b""), MAX_RECORD_LINES))
        bar.update()
        yield line, data, carry
        line += data.count(b"\n")


def _rows_in_workers(pool, task, stream, report: FileReport, out: Output, bar):
    """The CSV rows of each block, read, checked and named by the worker processes, in the file's order; a few
    blocks in flight at most (the memory stays flat). When a block's last record took lines of the next one (a
    quoted line break across their ends, rare), the next block is read again without them."""
    pending = collections.deque()
    taken = 0  # lines of the next block taken by the previous one

    def result():
        nonlocal taken
        (line, block, after), outcome = pending.popleft()
        data, count, rows_read, errors, consumed = outcome.get()
        if taken:
            start = 0
            for _ in range(taken):
                start = block.index(b"\n", start) + 1
            data, count, rows_read, errors, consumed = pool.apply(
                _worker_rows, (*task, line + taken, block[start:], after)
            )
        taken = consumed
        for number, reason in errors:
            out.error(report, number, reason)
        report.rows_read += rows_read
        report.rows_imported += count
        return data

    for line, block, after in _blocks(stream, bar):
        pending.append(((line, block, after), pool.apply_async(_worker_rows, (*task, line, block, after))))
        if len(pending) > 2 * WORKERS:
            yield result()
    while pending:
        yield result()


class _Block:
    """A block of lines as a stream, then the lines after it for `readline` only (a record going on), counted."""

    def __init__(self, block: bytes, after: bytes):
        self._block, self._after = io.BytesIO(block), io.BytesIO(after)
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        return self._block.read(size)

    def readline(self) -> bytes:
        if line := self._block.readline():
            return line
        if line := self._after.readline():
            self.consumed += 1
        return line


_worker_connections: dict = {}


def _worker_rows(kind: str, width: int, keep, sources, units, using: str, line: int, block: bytes, after: bytes):
    """In a worker process: a block's rows as CSV rows of `_target(stock)`, how many, the records read, the
    skipped lines (line, reason), and how many of the lines `after` it its last record took."""
    stock = UNITES_LEGALES if kind == UNITES_LEGALES.kind else ETABLISSEMENTS
    errors = []
    offset = line - 2  # the block is read after a header line: its first line is the reader's line 2

    def error(number: int, reason: str):
        errors.append((number + offset, reason))

    stream = _Block(b"x," * (width - 1) + b"x\n" + block, after)
    reader = StockReader(stream, name="", on_error=error)
    names = None
    if units:
        if using not in _worker_connections:  # its own: the parent's, inherited by the fork, is never used here
            connection = connections[using]
            _worker_connections[using] = connection.get_new_connection(connection.get_connection_params())
            _worker_connections[using].autocommit = True
        names = _Names(_worker_connections[using].cursor(), units)
    parts, count = [], 0
    for data, rows in _rows_here(stock, reader, keep, sources, names, error):
        parts.append(data)
        count += rows
    return b"".join(parts), count, reader.rows_read, errors, stream.consumed


def _rebuild_indexes(pg, stock: Stock, report: FileReport) -> None:
    """The constraints and indexes of the real table, rebuilt on the loaded one."""
    table, fresh = _table(stock), _fresh(_table(stock))
    pg.execute(
        "SELECT conname, pg_get_constraintdef(oid), conindid FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'c', 'x') ORDER BY contype <> 'p', conname",
        [table],
    )
    constraints = pg.fetchall()
    for name, definition, _ in constraints:
        try:
            with _savepoint(pg):
                pg.execute(f'ALTER TABLE {fresh} ADD CONSTRAINT "{_fresh(name)}" {definition}')
        except _unique_violation():  # a key twice in the file: the last line wins, as with the upsert
            # The rows are in the file's order (one COPY into a new table): the last copy of a key has the
            # highest ctid.
            pg.execute(
                f"DELETE FROM {fresh} WHERE ctid = ANY(ARRAY(SELECT ctid FROM (SELECT ctid, row_number() OVER "
                f"(PARTITION BY {stock.key} ORDER BY ctid DESC) AS n FROM {fresh}) d WHERE n > 1))"
            )
            report.rows_imported -= pg.rowcount
            pg.execute(f'ALTER TABLE {fresh} ADD CONSTRAINT "{_fresh(name)}" {definition}')
    pg.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) "
        "ORDER BY 1",
        [table],
    )
    for name, definition in pg.fetchall():
        bare = name.split(".")[-1].strip('"')
        pg.execute(
            re.sub(
                r"^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)",
                lambda m, bare=bare: f'{m[1]}"{_fresh(bare)}"{m[3]}{fresh}',
                definition,
                count=1,
            )
        )


def _checked(stock: Stock, sources: list[str], cut, first: int, *, error) -> tuple[dict, int, set[int]]:
    """A chunk's records (cut to `sources`, `[ND]` read as empty), checked: (the valid rows' values by INSEE
    column, how many, the indexes of those to quote). The checks are `row_error`'s, done column by column (C
    loops); only the rows that fail are looked at one by one, to report them with the same reason."""
    values, parsed = cut
    count = len(values[0])
    columns = dict(zip(sources, values, strict=True))
    for source in stock.sources:  # the optional columns missing from an older layout
        if source not in columns:
            columns[source] = [siret[:9] for siret in columns["siret"]] if source == "siren" else [b""] * count
    invalid = _invalid(stock, columns)
    if invalid:
        for i in sorted(invalid):
            row = {source: columns[source][i].decode() for source in stock.sources}
            error(first + i, row_error(stock, row) or "ligne invalide")
        kept = [i for i in range(count) if i not in invalid]
        columns = {source: [column[i] for i in kept] for source, column in columns.items()}
        renumbered = {i: n for n, i in enumerate(kept)}
        parsed = [renumbered[i] for i in parsed if i in renumbered]
        count = len(kept)
    return columns, count, set(parsed)


def _csv(stock: Stock, columns: dict, count: int, quoted: set[int], names: dict[bytes, bytes]) -> tuple[bytes, int]:
    """The checked rows as CSV rows of `_target(stock)` (values as `unite_legale_fields` and
    `etablissement_fields` make them, establishments named from `names`), and how many."""
    if not count:
        return b"", 0
    if stock is UNITES_LEGALES:
        etat = columns["etatAdministratifUniteLegale"]
        rows = [
            columns["siren"],
            columns["denominationUniteLegale"],
            columns["sigleUniteLegale"],
            [
                usuel or prenom
                for usuel, prenom in zip(columns["prenomUsuelUniteLegale"], columns["prenom1UniteLegale"], strict=True)
            ],
            [
                usage or nom
                for usage, nom in zip(columns["nomUsageUniteLegale"], columns["nomUniteLegale"], strict=True)
            ],
            [b"F" if value == b"C" else value for value in etat] if b"C" in etat else etat,
        ]
    else:
        sirens = columns["siren"]
        get = names.get
        rows = [
            columns["siret"],
            sirens,
            [
                get(siren) or usuelle or enseigne
                for siren, usuelle, enseigne in zip(
                    sirens, columns["denominationUsuelleEtablissement"], columns["enseigne1Etablissement"], strict=True
                )
            ],
            *(columns[insee] for _, insee in ETABLISSEMENT_FIELDS),
        ]
        every = b"\x00".join(names.values())
        if any(char in every for char in QUOTED):  # a name to quote (rare): its rows
            special = {siren for siren, name in names.items() if any(char in name for char in QUOTED)}
            quoted = quoted | {i for i, siren in enumerate(sirens) if siren in special}
    lines = list(map(b",".join, zip(*rows, strict=True)))
    if quoted:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")  # "\n" in a value: quoted
        for i in quoted:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([row[i].decode() for row in rows])
            lines[i] = buffer.getvalue()[:-1].encode()
    return b"\n".join(lines) + b"\n", count


def _invalid(stock: Stock, columns: dict[str, list[bytes]]) -> set[int]:
    """The indexes of the rows that `row_error` rejects (found column by column)."""
    invalid = set()
    for source, length in (("siret", 14), ("siren", 9)) if stock is ETABLISSEMENTS else (("siren", 9),):
        column = columns[source]
        if set(map(len, column)) != {length} or not b"".join(column).isdigit():
            invalid.update(i for i, value in enumerate(column) if len(value) != length or not value.isdigit())
    if stock is ETABLISSEMENTS and not all(map(bytes.startswith, columns["siret"], columns["siren"])):
        invalid.update(
            i for i, (t, r) in enumerate(zip(columns["siret"], columns["siren"], strict=True)) if not t.startswith(r)
        )
    for source, max_length in stock.lengths:
        column = columns[source]
        if max(map(len, column)) > max_length:  # bytes: a longer value may still be short enough in characters
            invalid.update(
                i for i, value in enumerate(column) if len(value) > max_length and len(value.decode()) > max_length
            )
    return invalid


def _swap(pg, tables: list[str]) -> None:
    """The fresh tables take the real ones' names, their indexes and constraints too: catalog changes only."""
    pg.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
    for table in tables:
        fresh = _fresh(table)
        pg.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'c', 'x')",
            [table],
        )
        constraints = [name for (name,) in pg.fetchall()]
        pg.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)",
            [table],
        )
        indexes = [name for (name,) in pg.fetchall()]
        pg.execute(f"DROP TABLE {table}")
        pg.execute(f"ALTER TABLE {fresh} RENAME TO {table}")
        for name in constraints:  # renames the index of a primary key or unique constraint with it
            pg.execute(f'ALTER TABLE {table} RENAME CONSTRAINT "{_fresh(name)}" TO "{name}"')
        for name in indexes:
            pg.execute(f'ALTER INDEX "{_fresh(name)}" RENAME TO "{name}"')


class _savepoint:
    """A savepoint on the psycopg cursor's connection (the load may run on a connection Django does not manage)."""

    def __init__(self, pg):
        self.pg = pg

    def __enter__(self):
        self.pg.execute("SAVEPOINT sirene_rechargement")

    def __exit__(self, kind, exc, traceback):
        self.pg.execute(("ROLLBACK TO" if kind else "RELEASE") + " SAVEPOINT sirene_rechargement")
        return False


def _unique_violation():
    import psycopg

    return psycopg.errors.UniqueViolation
