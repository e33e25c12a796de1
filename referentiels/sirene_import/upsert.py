"""Writing the rows: one INSERT … ON CONFLICT from the staging table (PostgreSQL), or bulk_create in batches."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

from django.db import connections, transaction

from ..models import SireneEtablissement, SireneUniteLegale
from .layouts import (
    ETABLISSEMENT_FIELDS,
    ETABLISSEMENT_UPDATED,
    UNITE_LEGALE_UPDATED,
    UNITES_LEGALES,
    Stock,
    etablissement_fields,
    row_error,
    unite_legale_fields,
)
from .reading import Columns, open_stock, read_stock
from .report import FileReport, Output, Progress

BULK_BATCH_SIZE = 2000  # rows per bulk_create on databases other than PostgreSQL


def unite_legale_name_sql(alias: str) -> str:
    """SireneUniteLegale.display_name in SQL."""
    return (
        f"CASE WHEN {alias}.denomination <> '' THEN {alias}.denomination "
        f"ELSE concat_ws(' ', nullif({alias}.prenom, ''), nullif({alias}.nom, '')) END"
    )


def selected_sql(stock: Stock, columns: Columns, stage: str) -> tuple[dict, str]:
    """The model's columns as SQL expressions on the staging table `s`, and the FROM clause (the
    establishments are named after the unités légales of the model's table)."""
    v = columns.value
    if stock is UNITES_LEGALES:
        selected = {
            "siren": v("siren"),
            "denomination": v("denominationUniteLegale"),
            "sigle": v("sigleUniteLegale"),
            "prenom": f"coalesce(nullif({v('prenomUsuelUniteLegale')}, ''), {v('prenom1UniteLegale')})",
            "nom": f"coalesce(nullif({v('nomUsageUniteLegale')}, ''), {v('nomUniteLegale')})",
            "etat_administratif": f"CASE {v('etatAdministratifUniteLegale')} WHEN 'C' THEN 'F' "
            f"ELSE {v('etatAdministratifUniteLegale')} END",
        }
        return selected, f"{stage} s"
    units = SireneUniteLegale._meta.db_table
    selected = {
        "siret": v("siret"),
        "siren": v("siren"),
        "denomination": f"coalesce(nullif({unite_legale_name_sql('u')}, ''), "
        f"nullif({v('denominationUsuelleEtablissement')}, ''), {v('enseigne1Etablissement')})",
        **{name: v(insee) for name, insee in ETABLISSEMENT_FIELDS},
    }
    return selected, f"{stage} s LEFT JOIN {units} u ON u.siren = {columns.raw('siren')}"


def upsert_sql(stock: Stock, columns: Columns, stage: str, skip_unchanged: bool = True) -> str:
    selected, source = selected_sql(stock, columns, stage)
    if stock is UNITES_LEGALES:
        table, key, updated = SireneUniteLegale._meta.db_table, "siren", UNITE_LEGALE_UPDATED
    else:
        table, key, updated = SireneEtablissement._meta.db_table, "siret", ETABLISSEMENT_UPDATED
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


def refresh_denominations_sql(pg, columns: Columns | None = None, stage: str | None = None) -> int:
    """Rename the known establishments of the unités légales just imported (those of the staging table `stage`,
    or all of them without one); how many changed."""
    imported = f" WHERE u.siren IN (SELECT {columns.raw('siren')} FROM {stage} s)" if stage else ""
    pg.execute(
        f"UPDATE {SireneEtablissement._meta.db_table} e SET denomination = n.name "
        f"FROM (SELECT u.siren, {unite_legale_name_sql('u')} AS name "
        f"FROM {SireneUniteLegale._meta.db_table} u{imported}) n "
        f"WHERE e.siren = n.siren AND n.name <> '' AND e.denomination <> n.name"
    )
    return pg.rowcount


# --- Other databases: the same checks in Python, bulk_create(update_conflicts=True) ---------------


def import_bulk(
    stock: Stock, path: Path, *, using: str, out: Output, progress: bool, refresh_denominations: bool = False
) -> FileReport:
    report = FileReport(kind=stock.kind, path=path)
    started = time.perf_counter()
    with open_stock(path) as (stream, raw), Progress(raw, path, progress, 0) as bar:
        reader, columns = read_stock(
            stock, stream, path, on_error=lambda line, reason: out.error(report, line, reason), on_progress=bar.update
        )
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
        units, update_fields=list(UNITE_LEGALE_UPDATED), **_upsert_options(using, "siren")
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
        update_fields=list(ETABLISSEMENT_UPDATED),
        **_upsert_options(using, "siret"),
    )
