"""Full reload (`import_sirene --full`): the stock loaded into fresh tables, swapped in at the end.

PostgreSQL, in ONE transaction (so a failure anywhere leaves the old tables as they were, and no reader
ever sees a half-loaded table):

1. each file is COPied into a temporary staging table (as for the upsert), then written by one
   `INSERT … SELECT` into a fresh table `CREATE TABLE … (LIKE real_table)`: no index, no constraint yet,
   so the rows are appended without any index maintenance (the invalid rows are left out and reported);
2. the real table's constraints (primary key) and indexes are rebuilt on the fresh table after the load
   (one sort each, parallel workers allowed), from their definitions in the catalog, so that an index
   added by a later migration is rebuilt too; the fresh table is ANALYZEd;
3. the swap: `LOCK` the real tables, `DROP` them, rename the fresh ones (and their indexes and
   constraints) to the real names, commit. Readers wait only for these few catalog changes; no table
   references the SIRENE tables by foreign key, so they can be dropped.

With both files the establishments are named after the fresh unités légales, and both tables are swapped
together. Other databases (SQLite for `make run`): the rows are deleted, then imported as usual, in one
transaction.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import operator
import re
import threading
import time
from pathlib import Path

from django.db import connections, transaction

from ..models import SireneEtablissement, SireneUniteLegale
from .layouts import ETABLISSEMENTS, UNITES_LEGALES, Stock, row_error
from .reading import open_stock, read_stock
from .report import FileReport, Output, Progress
from .upsert import import_bulk, refresh_denominations_sql, selected_sql

FRESH_SUFFIX = "_rechargement"  # the fresh table, and its indexes and constraints, until the swap


def _fresh(name: str) -> str:
    return name[: 63 - len(FRESH_SUFFIX)] + FRESH_SUFFIX  # PostgreSQL's identifiers: 63 bytes


def project(chunk: bytes, keep: list[int]) -> bytes:
    """The CSV records of `chunk` (whole records, as StockReader yields them) cut down to the columns `keep`.

    A stock file has 35 to 54 columns, of which the import reads 8 to 13: PostgreSQL's COPY then parses and
    stores a quarter of the fields. The lines without quotes (nearly all) are cut with bytes.split, without a
    Python loop over the lines when the chunk has no quote at all; the quoted records go through the csv module.
    """
    pick = operator.itemgetter(*keep) if len(keep) > 1 else lambda fields: (fields[keep[0]],)

    def cut(lines: list[bytes]):
        return map(b",".join, map(pick, map(bytes.split, lines, itertools.repeat(b","))))

    lines = chunk.split(b"\n")
    lines.pop()  # the chunk ends with a newline
    if b'"' not in chunk:
        return b"\n".join(cut(lines)) + b"\n"
    # The lines holding a quote, found without a Python loop over the others.
    newlines = list(map(operator.add, itertools.accumulate(map(len, lines)), itertools.count()))
    quoted, found = [], chunk.find(b'"')
    while found >= 0:
        i = bisect.bisect_left(newlines, found)
        quoted.append(i)
        found = chunk.find(b'"', newlines[i] + 1)
    out, position, count = [], 0, len(lines)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")  # "\n" in a field: quoted
    for i in quoted:
        if i < position:
            continue  # the end of a record spanning several lines, already taken
        out.extend(cut(lines[position:i]))
        record, position = lines[i], i + 1
        while record.count(b'"') % 2 and position < count:  # a quoted line break: the record goes on
            record += b"\n" + lines[position]
            position += 1
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(pick(next(csv.reader(io.StringIO(record.decode("utf-8"), newline="")))))
        out.append(buffer.getvalue()[:-1].encode())
    out.extend(cut(lines[position:]))
    return b"\n".join(out) + b"\n"


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
    the fresh unités légales are loaded and committed, under their temporary name, on a second connection while
    the establishments are copied; the swap of both tables stays in the main transaction, and the fresh table is
    dropped if anything fails.
    """
    connection = connections[using]
    parallel = bool(ul_path and etab_path) and (parallel if parallel is not None else not connection.in_atomic_block)
    reports: list[FileReport | None] = [None, None]
    fresh_units = _fresh(_table(UNITES_LEGALES))
    thread, outcome = (
        _start_unites_legales(ul_path, using=using, out=out, progress=progress) if parallel else (None, {})
    )

    def wait_for_unites_legales():
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        reports[0] = outcome["report"]

    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            pg = cursor.cursor
            _settings(pg)
            if ul_path and not parallel:
                reports[0], ul_columns = _load(pg, UNITES_LEGALES, ul_path, using=using, out=out, progress=progress)
            if etab_path:
                reports[1], _ = _load(
                    pg,
                    ETABLISSEMENTS,
                    etab_path,
                    using=using,
                    out=out,
                    progress=progress,
                    units=fresh_units if ul_path else None,
                    before_insert=wait_for_unites_legales if parallel else None,
                )
            step = time.perf_counter()
            _swap(
                pg, [_table(stock) for stock, path in ((UNITES_LEGALES, ul_path), (ETABLISSEMENTS, etab_path)) if path]
            )
            last = reports[1] or reports[0]
            last.timed("échange des tables", step)
            if ul_path and not etab_path:  # the establishments kept are renamed after the new unités légales
                step = time.perf_counter()
                stage = f"sirene_import_{UNITES_LEGALES.kind}"
                reports[0].denominations_refreshed = refresh_denominations_sql(pg, ul_columns, stage)
                reports[0].timed("dénominations", step)
            for report in reports:
                if report:
                    pg.execute(f"DROP TABLE IF EXISTS pg_temp.sirene_import_{report.kind}")
            step = time.perf_counter()
        last.timed("commit", step)
    except BaseException:
        if thread is not None:
            thread.join()  # then its fresh table, committed under its temporary name, goes
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {fresh_units}")
        raise
    for report in reports:
        if report:
            out.end_of_file(report)
    return reports


def _start_unites_legales(path: Path, *, using: str, out: Output, progress: bool):
    """The fresh unités légales loaded and committed on a second connection (thread); (thread, outcome)."""
    outcome = {}

    def unites_legales():
        try:
            with transaction.atomic(using=using), connections[using].cursor() as cursor:
                _settings(cursor.cursor)
                outcome["report"], _ = _load(
                    cursor.cursor, UNITES_LEGALES, path, using=using, out=out, progress=progress, position=1
                )
        except BaseException as exc:  # re-raised in the main thread
            outcome["error"] = exc
        finally:
            connections[using].close()

    thread = threading.Thread(target=unites_legales, name="rechargement-sirene-unites-legales", daemon=True)
    thread.start()
    return thread, outcome


def _settings(pg) -> None:
    pg.execute("SET LOCAL synchronous_commit = off")
    pg.execute("SET LOCAL work_mem = '256MB'")
    pg.execute("SET LOCAL maintenance_work_mem = '512MB'")  # the index sorts


def _load(
    pg,
    stock: Stock,
    path: Path,
    *,
    using: str,
    out: Output,
    progress: bool,
    units: str | None = None,
    position: int = 0,
    before_insert=None,
):
    """COPY the file into a staging table, then INSERT … SELECT it into the fresh table, indexed after."""
    report = FileReport(kind=stock.kind, path=path)
    started = time.perf_counter()
    table, fresh = _table(stock), _fresh(_table(stock))
    stage = f"sirene_import_{stock.kind}"
    with open_stock(path) as (stream, raw), Progress(raw, path, progress, position) as bar:
        reader, columns = read_stock(
            stock, stream, path, on_error=lambda line, reason: out.error(report, line, reason), on_progress=bar.update
        )
        # Only the columns read are staged (see `project`); the positions now refer to the staging table.
        keep = sorted({position for position in columns.positions.values() if position is not None})
        columns.positions = {
            source: None if position is None else keep.index(position) for source, position in columns.positions.items()
        }
        pg.execute(f"DROP TABLE IF EXISTS pg_temp.{stage}")
        staged = ", ".join(f"c{i}" for i in range(len(keep)))
        pg.execute(
            f"CREATE TEMP TABLE {stage} (seq bigint GENERATED ALWAYS AS IDENTITY, "
            + ", ".join(f"c{i} text" for i in range(len(keep)))
            + ") ON COMMIT DROP"
        )
        step = time.perf_counter()
        try:
            with pg.copy(f"COPY {stage} ({staged}) FROM STDIN (FORMAT csv)") as copy:
                for chunk in reader.chunks():
                    copy.write(project(chunk, keep))
        finally:
            bar.close(then="lu ; chargement de la nouvelle table…")
        report.rows_read = reader.rows_read
        step = report.timed("copy", step)
        if before_insert:
            before_insert()
            step = report.timed("attente des unités légales", step)

    # The fresh table: the real one's columns, no index, no constraint (NOT NULL excepted) until loaded.
    pg.execute(f"DROP TABLE IF EXISTS {fresh}")
    pg.execute(f"CREATE TABLE {fresh} (LIKE {table} INCLUDING DEFAULTS)")
    selected, source = selected_sql(stock, columns, stage, units_table=units)
    names = ", ".join(selected)
    expressions = ", ".join(f"{expression} AS {name}" for name, expression in selected.items())
    # The invalid rows go first, each reported with its line (the reason computed as on other databases): a
    # filter in the INSERT would hide the staging table's size from the planner (then a nested loop join).
    returned = ", ".join(columns.value(name) for name in stock.sources)
    for seq, *values in pg.stream(f"DELETE FROM {stage} s WHERE NOT ({columns.valid()}) RETURNING s.seq, {returned}"):
        reason = row_error(stock, dict(zip(stock.sources, values, strict=True))) or "ligne invalide"
        out.error(report, reader.line_of(seq), reason)
    pg.execute(f"ANALYZE {stage}")  # a sample: its size and join keys for the plan
    pg.execute(f"INSERT INTO {fresh} ({names}) SELECT {expressions} FROM {source}")
    inserted = pg.rowcount
    report.rows_imported = inserted
    step = report.timed("insertion", step)

    # The constraints and indexes of the real table, rebuilt on the loaded one.
    pg.execute(
        "SELECT conname, pg_get_constraintdef(oid), conindid FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'c', 'x') ORDER BY contype <> 'p', conname",
        [table],
    )
    constraints = pg.fetchall()
    for name, definition, _ in constraints:
        try:
            with transaction.atomic(using=using):
                pg.execute(f'ALTER TABLE {fresh} ADD CONSTRAINT "{_fresh(name)}" {definition}')
        except _unique_violation():  # a key twice in the file: the last line wins, as with the upsert
            key = stock.key
            pg.execute(f"TRUNCATE {fresh}")
            pg.execute(
                f"INSERT INTO {fresh} ({names}) SELECT DISTINCT ON ({key}) {names} FROM "
                f"(SELECT s.seq, {expressions} FROM {source}) n ORDER BY {key}, seq DESC"
            )
            report.rows_imported = pg.rowcount
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
    step = report.timed("index", step)
    pg.execute(f"ANALYZE {fresh}")
    report.timed("analyze", step)
    report.duration = time.perf_counter() - started
    return report, columns


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


def _unique_violation():
    import psycopg

    return psycopg.errors.UniqueViolation
