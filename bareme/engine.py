"""The calculation of activité partielle, per employee and month: pure functions on `Decimal`, no ORM.

The barème of a month (`BaremeMois`) comes from `bareme.selectors.bareme_du_mois`; the simulator, its API and the
demandes d'indemnisation all call `calculer` with it, so they can never disagree. Every amount is rounded to the
cent, half up (ROUND_HALF_UP), at each step the rules name.

INTERFACE FIXED FOR ISSUE 11 (the simulator and the engine are built in parallel against it): names, fields and
signatures below do not change; bodies are filled in by the engine's author.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")


def arrondi(value: Decimal) -> Decimal:
    """Rounded to the cent, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Dispositif(StrEnum):
    # The API's codes (issue 11); French labels in LIBELLES_DISPOSITIF.
    DROIT_COMMUN = "droit_commun"
    SECTEUR_PROTEGE = "secteur_protege"
    APLD = "apld"
    APLD_REBOND = "apld_rebond"


LIBELLES_DISPOSITIF = {
    Dispositif.DROIT_COMMUN: "Droit commun",
    Dispositif.SECTEUR_PROTEGE: "Secteur protégé (taux majoré)",
    Dispositif.APLD: "Activité partielle de longue durée (APLD)",
    Dispositif.APLD_REBOND: "APLD rebond",
}


class Contrat(StrEnum):
    STANDARD = "standard"
    APPRENTI = "apprenti"
    CONTRAT_PROFESSIONNALISATION = "contrat_professionnalisation"


LIBELLES_CONTRAT = {
    Contrat.STANDARD: "CDI / CDD",
    Contrat.APPRENTI: "Apprenti",
    Contrat.CONTRAT_PROFESSIONNALISATION: "Contrat de professionnalisation",
}


@dataclass(frozen=True)
class Source:
    """A text a value comes from, e.g. "Décret n° 2020-325 du 25 mars 2020", with its Légifrance address."""

    reference: str
    url: str = ""


@dataclass(frozen=True)
class ValeurDatee:
    """One value of the barème as used for a month: what it is, its amount, since when, from which text."""

    nom: str  # "smic_horaire", "taux_indemnite", "taux_allocation", "plancher_indemnite", "plancher_allocation",
    # "plafond_smic" (4.5), "quota_annuel_heures"
    valeur: Decimal
    date_effet: datetime.date
    source: Source


@dataclass(frozen=True)
class BaremeMois:
    """The values in force on the first day of `mois` for `dispositif`."""

    mois: datetime.date  # the first day of the month
    dispositif: Dispositif
    smic_horaire: Decimal
    taux_indemnite: Decimal  # e.g. Decimal("0.60")
    taux_allocation: Decimal  # e.g. Decimal("0.36")
    plancher_indemnite: Decimal
    plancher_allocation: Decimal
    plafond_horaire: Decimal  # 4.5 × SMIC horaire, rounded to the cent (54.09 in January 2026)
    quota_annuel_heures: int
    en_vigueur_au: datetime.date  # the latest date d'effet among the values used
    apres_dernier_texte: bool  # the month is after the last known text: "barème en vigueur au <en_vigueur_au>"
    valeurs: tuple[ValeurDatee, ...]  # every value used, with its source (for the explanation and the table)

    @property
    def sources(self) -> tuple[Source, ...]:
        seen: dict[str, Source] = {}
        for valeur in self.valeurs:
            seen.setdefault(valeur.source.reference, valeur.source)
        return tuple(seen.values())


@dataclass(frozen=True)
class Salarie:
    salaire_brut_mensuel: Decimal
    duree_hebdomadaire: Decimal  # hours a week in the contract
    heures_chomees: Decimal  # hours not worked in the month
    contrat: Contrat = Contrat.STANDARD


@dataclass(frozen=True)
class ResultatSalarie:
    heures_mensuelles: Decimal  # duree_hebdomadaire × 52 / 12, rounded to the cent
    taux_horaire: Decimal  # taux horaire de référence, after the cap
    indemnite_horaire: Decimal
    allocation_horaire: Decimal
    indemnite: Decimal
    allocation: Decimal
    reste_a_charge: Decimal
    explications: tuple[str, ...]  # French sentences: which rate, floor or cap applied, from which text


@dataclass(frozen=True)
class Total:
    indemnite: Decimal
    allocation: Decimal
    reste_a_charge: Decimal


@dataclass(frozen=True)
class Resultat:
    bareme: BaremeMois
    salaries: tuple[ResultatSalarie, ...]
    total: Total


def heures_mensuelles(duree_hebdomadaire: Decimal) -> Decimal:
    """Monthly contract hours: weekly hours × 52 / 12, rounded to the cent (35 h → 151.67)."""
    return arrondi(duree_hebdomadaire * 52 / 12)


def erreurs_salarie(salarie: Salarie) -> dict[str, str]:
    """What is wrong with one employee's figures, as French messages keyed by field name
    ("salaire_brut_mensuel", "duree_hebdomadaire", "heures_chomees", "contrat"); empty when they can be computed.
    The simulator's form and the API both show these messages."""
    raise NotImplementedError


def calculer_salarie(bareme: BaremeMois, salarie: Salarie) -> ResultatSalarie:
    """One employee's month. The caller has checked `erreurs_salarie(salarie)` is empty (ValueError otherwise)."""
    raise NotImplementedError


def calculer(bareme: BaremeMois, salaries: Sequence[Salarie]) -> Resultat:
    """Every employee's month and the total (the sum of the rows)."""
    raise NotImplementedError
