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
    erreurs: dict[str, str] = {}
    salaire = salarie.salaire_brut_mensuel
    if not _est_nombre(salaire) or salaire <= 0:
        erreurs["salaire_brut_mensuel"] = "Le salaire brut mensuel doit être positif."
    elif salaire > SALAIRE_MAXIMUM:
        erreurs["salaire_brut_mensuel"] = (
            f"Le salaire brut mensuel ne peut pas dépasser {format_euros(SALAIRE_MAXIMUM)}."
        )
    elif salaire.as_tuple().exponent < -2:
        erreurs["salaire_brut_mensuel"] = "Le salaire brut mensuel s'écrit avec deux décimales au plus."

    duree = salarie.duree_hebdomadaire
    duree_valide = False
    if not _est_nombre(duree) or duree <= 0 or duree > DUREE_HEBDOMADAIRE_MAXIMALE:
        erreurs["duree_hebdomadaire"] = (
            "La durée hebdomadaire du contrat doit être comprise entre 0 et "
            f"{format_nombre(DUREE_HEBDOMADAIRE_MAXIMALE, 0)} heures."
        )
    elif duree.as_tuple().exponent < -2:
        erreurs["duree_hebdomadaire"] = "La durée hebdomadaire s'écrit avec deux décimales au plus."
    else:
        duree_valide = True

    heures = salarie.heures_chomees
    if not _est_nombre(heures) or heures < 0:
        erreurs["heures_chomees"] = "Les heures chômées doivent être un nombre positif ou nul."
    elif heures.as_tuple().exponent < -2:
        erreurs["heures_chomees"] = "Les heures chômées s'écrivent avec deux décimales au plus."
    elif duree_valide:
        mensuelles = _heures_du_contrat(duree)
        if heures > mensuelles:
            erreurs["heures_chomees"] = (
                "Les heures chômées ne peuvent pas dépasser les heures du contrat dans le mois "
                f"({format_heures(mensuelles)})."
            )
        elif heures > HEURES_LEGALES_MENSUELLES:
            erreurs["heures_chomees"] = (
                f"Au-delà de la durée légale ({format_heures(HEURES_LEGALES_MENSUELLES)} par mois), "
                "les heures chômées ne sont pas indemnisées."
            )

    if salarie.contrat not in _CONTRATS:
        erreurs["contrat"] = "Choisissez le type de contrat : " + ", ".join(LIBELLES_CONTRAT.values()) + "."
    return erreurs


def calculer_salarie(bareme: BaremeMois, salarie: Salarie) -> ResultatSalarie:
    """One employee's month. The caller has checked `erreurs_salarie(salarie)` is empty (ValueError otherwise)."""
    erreurs = erreurs_salarie(salarie)
    if erreurs:
        raise ValueError("; ".join(erreurs.values()))
    return _calculer(_Contexte(bareme), salarie)


def calculer(bareme: BaremeMois, salaries: Sequence[Salarie]) -> Resultat:
    """Every employee's month and the total (the sum of the rows)."""
    contexte = _Contexte(bareme)
    lignes = []
    for salarie in salaries:
        erreurs = erreurs_salarie(salarie)
        if erreurs:
            raise ValueError("; ".join(erreurs.values()))
        lignes.append(_calculer(contexte, salarie))
    indemnite = sum((ligne.indemnite for ligne in lignes), Decimal("0.00"))
    allocation = sum((ligne.allocation for ligne in lignes), Decimal("0.00"))
    return Resultat(
        bareme=bareme,
        salaries=tuple(lignes),
        total=Total(indemnite=indemnite, allocation=allocation, reste_a_charge=indemnite - allocation),
    )


# --- The rules -------------------------------------------------------------------------------------------------

# The legal duration: 35 h a week, 151.67 h a month (Code du travail L3121-27); hours chômées beyond it are not
# indemnified (L5122-1: the allocation counts hours up to the legal duration).
HEURES_LEGALES_MENSUELLES = heures_mensuelles(Decimal(35))
# The absolute maximum weekly duration (Code du travail L3121-20): a longer contract is a typing error.
DUREE_HEBDOMADAIRE_MAXIMALE = Decimal(48)
# Far above any pay the cap (4.5 SMIC) lets through; a safeguard against typing errors, not a rule of law.
SALAIRE_MAXIMUM = Decimal("1000000.00")
_CONTRATS = frozenset(Contrat)
# The same few weekly durations come back row after row: their monthly hours, computed once each.
_HEURES_PAR_DUREE: dict[Decimal, Decimal] = {}
_SANS_PLANCHER_ALLOCATION = {
    Contrat.APPRENTI: "aux apprentis",
    Contrat.CONTRAT_PROFESSIONNALISATION: "aux contrats de professionnalisation",
}


def _heures_du_contrat(duree: Decimal) -> Decimal:
    mensuelles = _HEURES_PAR_DUREE.get(duree)
    if mensuelles is None:
        if len(_HEURES_PAR_DUREE) > 10_000:  # any duration may be typed: the memo stays small
            _HEURES_PAR_DUREE.clear()
        mensuelles = _HEURES_PAR_DUREE[duree] = heures_mensuelles(duree)
    return mensuelles


def _est_nombre(value) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


class _Contexte:
    """What every row of one calculation shares, formatted once: the barème's rates, floors, cap and texts."""

    __slots__ = (
        "bareme",
        "texte_taux_indemnite",
        "texte_taux_allocation",
        "texte_plancher_indemnite",
        "texte_plancher_allocation",
        "sources_taux",
        "plafond_applique",
        "contrats",
    )

    def __init__(self, bareme: BaremeMois):
        sources = {valeur.nom: _premiere_minuscule(valeur.source.reference) for valeur in bareme.valeurs}

        def texte(nom: str) -> str:
            return f" ({sources[nom]})" if nom in sources else ""

        self.bareme = bareme
        self.texte_taux_indemnite = f"Indemnité horaire : {format_taux(bareme.taux_indemnite)} × "
        self.texte_taux_allocation = f"Allocation horaire : {format_taux(bareme.taux_allocation)} × "
        self.texte_plancher_indemnite = (
            f"Plancher de l'indemnité appliqué : {format_euros(bareme.plancher_indemnite)}"
            f"{texte('plancher_indemnite')}."
        )
        self.texte_plancher_allocation = (
            f"Plancher de l'allocation appliqué : {format_euros(bareme.plancher_allocation)}"
            f"{texte('plancher_allocation')}."
        )
        multiple = format_nombre(bareme_plafond_smic(bareme), 1)
        smic = f" ; SMIC horaire : {sources['smic_horaire']}" if "smic_horaire" in sources else ""
        self.plafond_applique = (
            f"Plafond de {multiple} SMIC appliqué : {format_euros(bareme.plafond_horaire)} "
            f"({multiple} × {format_euros(bareme.smic_horaire)}{smic})."
        )
        self.sources_taux = (texte("taux_indemnite"), texte("taux_allocation"))
        self.contrats: dict[Decimal, tuple[Decimal, str, str]] = {}


def _premiere_minuscule(texte: str) -> str:
    return texte[:1].lower() + texte[1:]


def _fr(value: Decimal) -> str:
    """format_nombre for a Decimal already at two decimals (everything the engine formats): the fast path."""
    texte = str(value)
    if len(texte) > 6:
        texte = f"{value:,}".replace(",", " ")
    return texte.replace(".", ",")


def _calculer(contexte: _Contexte, salarie: Salarie) -> ResultatSalarie:
    bareme = contexte.bareme
    # Inputs have two decimals at most (erreurs_salarie): quantized, they format as "105,00", never "105".
    duree = salarie.duree_hebdomadaire
    contrat = contexte.contrats.get(duree)
    if contrat is None:  # the same few weekly durations come back row after row: computed once each
        heures_contrat = heures_mensuelles(duree)
        contrat = contexte.contrats[duree] = (
            heures_contrat,
            _fr(heures_contrat),
            f"Heures du contrat dans le mois : {_fr(duree.quantize(CENT))} h × 52 ÷ 12 = {_fr(heures_contrat)} h.",
        )
    heures_contrat, texte_heures_contrat, phrase_contrat = contrat
    salaire = salarie.salaire_brut_mensuel.quantize(CENT)
    heures = salarie.heures_chomees.quantize(CENT)
    texte_heures = str(heures).replace(".", ",")  # below 1000: no thousands separator
    taux = (salaire / heures_contrat).quantize(CENT, ROUND_HALF_UP)
    texte_taux = str(taux).replace(".", ",")
    explications = [
        phrase_contrat,
        f"Taux horaire de référence : {_fr(salaire)} € ÷ {texte_heures_contrat} h = {texte_taux} €.",
    ]
    plafond = bareme.plafond_horaire
    if taux > plafond:
        taux = plafond
        texte_taux = str(taux).replace(".", ",")
        explications.append(contexte.plafond_applique)

    # The indemnity: the rate, raised to its floor; 100 % of the taux horaire when that is below the floor.
    plancher_indemnite = bareme.plancher_indemnite
    indemnite_horaire = (taux * bareme.taux_indemnite).quantize(CENT, ROUND_HALF_UP)
    texte_indemnite_horaire = str(indemnite_horaire).replace(".", ",")
    explications.append(
        f"{contexte.texte_taux_indemnite}{texte_taux} € = {texte_indemnite_horaire} €{contexte.sources_taux[0]}."
    )
    if taux < plancher_indemnite:
        indemnite_horaire = taux
        texte_indemnite_horaire = texte_taux
        explications.append(
            f"Taux horaire inférieur au plancher de l'indemnité ({_fr(plancher_indemnite)} €) : "
            f"l'indemnité horaire est égale à 100 % du taux horaire, {texte_taux} €."
        )
    elif indemnite_horaire < plancher_indemnite:
        indemnite_horaire = plancher_indemnite
        texte_indemnite_horaire = _fr(plancher_indemnite)
        explications.append(contexte.texte_plancher_indemnite)

    # The allocation: the rate, raised to its floor (not for apprentices and contrats de professionnalisation),
    # never above the indemnity.
    plancher_allocation = bareme.plancher_allocation
    allocation_horaire = (taux * bareme.taux_allocation).quantize(CENT, ROUND_HALF_UP)
    texte_allocation_horaire = str(allocation_horaire).replace(".", ",")
    explications.append(
        f"{contexte.texte_taux_allocation}{texte_taux} € = {texte_allocation_horaire} €{contexte.sources_taux[1]}."
    )
    if allocation_horaire < plancher_allocation:
        sans_plancher = _SANS_PLANCHER_ALLOCATION.get(salarie.contrat)
        if sans_plancher:
            explications.append(f"Le plancher de l'allocation ne s'applique pas {sans_plancher}.")
        else:
            allocation_horaire = plancher_allocation
            explications.append(contexte.texte_plancher_allocation)
    if allocation_horaire > indemnite_horaire:
        allocation_horaire = indemnite_horaire
        explications.append(f"L'allocation horaire ne dépasse pas l'indemnité horaire : {_fr(indemnite_horaire)} €.")

    indemnite = arrondi(indemnite_horaire * heures)
    allocation = arrondi(allocation_horaire * heures)
    reste_a_charge = indemnite - allocation
    explications.append(
        f"Indemnité due au salarié : {_fr(indemnite_horaire)} € × {texte_heures} h = {_fr(indemnite)} €."
    )
    explications.append(
        f"Allocation versée à l'employeur : {_fr(allocation_horaire)} € × {texte_heures} h = {_fr(allocation)} €."
    )
    explications.append(f"Reste à charge de l'employeur : {_fr(reste_a_charge)} €.")
    return ResultatSalarie(
        heures_mensuelles=heures_contrat,
        taux_horaire=taux,
        indemnite_horaire=indemnite_horaire,
        allocation_horaire=allocation_horaire,
        indemnite=indemnite,
        allocation=allocation,
        reste_a_charge=reste_a_charge,
        explications=tuple(explications),
    )


def mention_bareme(bareme: BaremeMois) -> str:
    """The sentence a result shows about its barème: "Barème en vigueur au 1er janvier 2026." — and, after the last
    known text, that the last values were applied."""
    phrase = f"Barème en vigueur au {format_date(bareme.en_vigueur_au)}"
    if bareme.apres_dernier_texte:
        return f"{phrase} : aucun texte plus récent n'est connu, ses valeurs s'appliquent à {format_mois(bareme.mois)}."
    return f"{phrase}."


def bareme_plafond_smic(bareme: BaremeMois) -> Decimal:
    """The multiple of the SMIC the taux horaire is capped at (4.5), as the barème says."""
    for valeur in bareme.valeurs:
        if valeur.nom == "plafond_smic":
            return valeur.valeur
    return Decimal("4.5")


# --- French formatting -----------------------------------------------------------------------------------------

MOIS_FRANCAIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def format_nombre(value: Decimal, decimales: int = 2) -> str:
    """A number the French way: "1 234,56" (a space between thousands, a comma before the decimals)."""
    texte = f"{value.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP):,.{decimales}f}"
    return texte.replace(",", " ").replace(".", ",")


def format_euros(value: Decimal) -> str:
    """An amount the French way: "1 234,56 €"."""
    return f"{format_nombre(value)} €"


def format_heures(value: Decimal) -> str:
    """Hours the French way: "151,67 h"."""
    return f"{format_nombre(value)} h"


def format_taux(value: Decimal) -> str:
    """A rate as a percentage: Decimal("0.36") → "36 %", Decimal("0.525") → "52,5 %"."""
    pourcent = (value * 100).normalize()
    decimales = max(0, -pourcent.as_tuple().exponent)
    return f"{format_nombre(pourcent, decimales)} %"


def format_date(value: datetime.date) -> str:
    """A date the French way: "1er janvier 2026", "16 avril 2025"."""
    jour = "1er" if value.day == 1 else str(value.day)
    return f"{jour} {MOIS_FRANCAIS[value.month - 1]} {value.year}"


def format_mois(value: datetime.date) -> str:
    """A month the French way: "mars 2020"."""
    return f"{MOIS_FRANCAIS[value.month - 1]} {value.year}"


def format_de_mois(value: datetime.date) -> str:
    """ "de mars 2020", elided before a vowel: "d'avril 2026", "d'août 2026", "d'octobre 2026"."""
    mois = format_mois(value)
    return f"d'{mois}" if mois[0] in "aeiouéà" else f"de {mois}"
