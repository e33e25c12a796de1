"""PostgreSQL: the file COPied into a temporary staging table, checked in SQL, then upserted."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import connections, transaction

from ..models import SireneEtablissement, SireneUniteLegale
from .background import OnSecondConnection
from .layouts import ETABLISSEMENTS, UNITES_LEGALES, Stock, row_error
from .reading import open_stock, read_stock
from .report import FileReport, Output, Progress
from .upsert import refresh_denominations_sql, upsert_sql


def import_postgres(
    stock: Stock,
    path: Path,
    *,
    using: str,
    out: Output,
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
    with open_stock(path) as (stream, raw), Progress(raw, path, progress, position) as bar:
        reader, columns = read_stock(
            stock, stream, path, on_error=lambda line, reason: out.error(report, line, reason), on_progress=bar.update
        )
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
            upsert = upsert_sql(stock, columns, stage)
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
                report.denominations_refreshed = refresh_denominations_sql(pg, columns, stage)
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


def import_postgres_parallel(ul_path: Path, etab_path: Path, *, using: str, out: Output, progress: bool):
    """The unités légales on a second connection (thread) while the establishments are copied and checked;
    the establishments' upsert waits for the unités légales to be committed (it reads their names)."""
    unites_legales = OnSecondConnection(
        lambda: import_postgres(UNITES_LEGALES, ul_path, using=using, out=out, progress=progress, position=1),
        using=using,
        name="import-sirene-unites-legales",
    )
    try:
        etablissements = import_postgres(
            ETABLISSEMENTS, etab_path, using=using, out=out, progress=progress, before_upsert=unites_legales.result
        )
    except KeyboardInterrupt:
        raise  # the thread is a daemon: its connection closes, its transaction is rolled back
    except BaseException:
        unites_legales.join()  # the unités légales are independent: let them finish
        raise
    return unites_legales.result(), etablissements
