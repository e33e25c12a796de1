"""Reads of the barème (the dated values in the database).

INTERFACE FIXED FOR ISSUE 11: names and signatures below do not change; bodies are filled in by the engine's author.
"""

from __future__ import annotations

import datetime

from .engine import BaremeMois, Dispositif

PREMIER_MOIS = datetime.date(2020, 3, 1)


class HorsBareme(Exception):
    """A month or a dispositif the barème cannot answer: `champ` is the field at fault ("mois" or "dispositif"),
    `message` the French sentence shown next to it."""

    def __init__(self, champ: str, message: str):
        super().__init__(message)
        self.champ = champ
        self.message = message


def bareme_du_mois(*, mois: datetime.date, dispositif: Dispositif | str) -> BaremeMois:
    """The values in force on the first day of `mois` (any day of the month may be given) for `dispositif`.
    Raises HorsBareme for a month before March 2020 or a dispositif not in force that month."""
    raise NotImplementedError


def dispositifs_en_vigueur(*, mois: datetime.date) -> list[Dispositif]:
    """The dispositifs a simulation may choose for `mois`, in the order of Dispositif."""
    raise NotImplementedError
