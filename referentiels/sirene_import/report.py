"""What an import did: per file and in all, with the skipped lines; the progress bar."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .layouts import ETABLISSEMENTS, UNITES_LEGALES

MAX_REPORTED_ERRORS = 1000  # skipped lines printed and kept in the report (all are counted)

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


def fr(number: float, decimals: int = 0) -> str:
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\N{NO-BREAK SPACE}").replace(".", ",")


@dataclass
class ImportReport:
    method: str  # "copy" (PostgreSQL COPY + one upsert) or "bulk_create"; "…_full" for a full reload
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
        method = {
            "copy": "PostgreSQL, COPY puis INSERT … ON CONFLICT",
            "copy_full": "rechargement complet, PostgreSQL : COPY dans une nouvelle table, index, échange des tables",
            "bulk_create_full": "rechargement complet : lignes supprimées puis bulk_create par lots",
        }.get(self.method, "bulk_create par lots")
        lines = [f"Import SIRENE terminé ({method})."]
        for report in self.files:
            label = UNITES_LEGALES.label if report.kind == UNITES_LEGALES.kind else ETABLISSEMENTS.label
            line = (
                f"{label.capitalize()} : {fr(report.rows_imported)} lignes importées, "
                f"{fr(report.rows_skipped)} ignorées ({fr(report.duration, 1)} s)"
            )
            if report.rows_changed is not None:
                line += f", dont {fr(report.rows_changed)} créées ou modifiées"
            if report.denominations_refreshed is not None:
                line += f" ; dénomination mise à jour pour {fr(report.denominations_refreshed)} établissements"
            lines.append(line + ".")
            if verbose and report.timings:
                lines.append("  " + ", ".join(f"{step} {fr(seconds, 2)} s" for step, seconds in report.timings.items()))
        lines.append(
            f"Total : {fr(self.rows_imported)} lignes importées, {fr(self.rows_skipped)} ignorées, "
            f"en {fr(self.duration, 1)} s, soit {fr(self.rows_per_second)} lignes/s."
        )
        return "\n".join(lines)


# --- Output --------------------------------------------------------------------------------------


class Output:
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
                self.stderr.write(f"… et {fr(hidden)} autres lignes ignorées dans {report.path.name}.\n")


class Progress:
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

    def __enter__(self) -> Progress:
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
