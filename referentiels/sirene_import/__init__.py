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

`full=True` (`import_sirene --full`, for the monthly stock files): a full reload instead of the upsert, the
tables' contents replaced by the files' (on PostgreSQL, each file COPied straight into a fresh table, checked,
cut and named in Python, by worker processes outside a transaction; indexed after, and swapped in one
transaction: see reload.py).

Rows that cannot be imported (wrong number of fields, SIRET not 14 digits, SIREN not 9 digits, SIREN not
the first 9 digits of the SIRET, value too long for its column, undecodable line) are reported with their
line number and skipped. When a SIRET (or SIREN) appears twice in a file, the last line wins.

The état administratif of a unité légale is stored as given, except INSEE's "C" (cessée), stored "F" so
that the values stay within EtatAdministratif (A actif / F fermé).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO

from django.db import connections

from .layouts import (
    ETABLISSEMENTS,
    STOCK_ETABLISSEMENT_COLUMNS,
    STOCK_ETABLISSEMENT_COLUMNS_2019,
    STOCK_UNITE_LEGALE_COLUMNS,
    STOCK_UNITE_LEGALE_COLUMNS_2019,
    UNITES_LEGALES,
    SireneImportError,
)
from .reading import check_header
from .reload import reload_bulk, reload_postgres
from .report import ImportReport, Output
from .staging import import_postgres, import_postgres_parallel
from .upsert import import_bulk

__all__ = [
    "STOCK_ETABLISSEMENT_COLUMNS",
    "STOCK_ETABLISSEMENT_COLUMNS_2019",
    "STOCK_UNITE_LEGALE_COLUMNS",
    "STOCK_UNITE_LEGALE_COLUMNS_2019",
    "ImportReport",
    "SireneImportError",
    "sirene_import",
]


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
    full: bool = False,
) -> ImportReport:
    """Import a StockUniteLegale and/or a StockEtablissement file (see the module's docstring).

    With only establishments, they are named after the unités légales already in the database; with only
    unités légales, the known establishments of these SIRENs are renamed. Skipped lines go to `stderr`,
    the summary to `stdout` (with the time of each step if `verbose`), when given. `parallel` (PostgreSQL, both
    files): import the unités légales on a second connection while the establishments are copied; by
    default when not inside a transaction (a second connection would not see it). `full`: a full reload
    (the tables' contents replaced by the files', see reload.py) instead of the upsert.
    """
    if not unites_legales_path and not etablissements_path:
        raise SireneImportError(
            "Indiquez au moins un fichier : --unites-legales FICHIER et/ou --etablissements FICHIER."
        )
    ul_path = Path(unites_legales_path) if unites_legales_path else None
    etab_path = Path(etablissements_path) if etablissements_path else None
    for stock, path in ((UNITES_LEGALES, ul_path), (ETABLISSEMENTS, etab_path)):
        if path:
            check_header(stock, path)

    connection = connections[using]
    postgres = connection.vendor == "postgresql"
    report = ImportReport(method=("copy" if postgres else "bulk_create") + ("_full" if full else ""))
    out = Output(stderr)
    started = time.perf_counter()
    refresh = etab_path is None
    if full:
        reload = reload_postgres if postgres else reload_bulk
        report.unites_legales, report.etablissements = reload(
            ul_path, etab_path, using=using, out=out, progress=progress, parallel=parallel
        )
    elif not postgres:
        if ul_path:
            report.unites_legales = import_bulk(
                UNITES_LEGALES, ul_path, using=using, out=out, progress=progress, refresh_denominations=refresh
            )
        if etab_path:
            report.etablissements = import_bulk(ETABLISSEMENTS, etab_path, using=using, out=out, progress=progress)
    elif ul_path and etab_path and (parallel if parallel is not None else not connection.in_atomic_block):
        report.unites_legales, report.etablissements = import_postgres_parallel(
            ul_path, etab_path, using=using, out=out, progress=progress
        )
    else:
        if ul_path:
            report.unites_legales = import_postgres(
                UNITES_LEGALES, ul_path, using=using, out=out, progress=progress, refresh_denominations=refresh
            )
        if etab_path:
            report.etablissements = import_postgres(ETABLISSEMENTS, etab_path, using=using, out=out, progress=progress)
    report.duration = time.perf_counter() - started
    if stdout is not None:
        stdout.write(report.summary(verbose=verbose) + "\n")
    return report
