"""Reads of the barème (the dated values in the database).

INTERFACE FIXED FOR ISSUE 11: names and signatures below do not change; bodies are filled in by the engine's author.

The whole barème (a hundred rows) is read once per process and kept in memory; a row added anywhere changes a
version token in the shared cache (Redis) after its commit, and every process reloads on its next read.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
import uuid
from decimal import Decimal

from django.core.cache import cache

from .engine import BaremeMois, Dispositif, Source, ValeurDatee, arrondi, format_mois

PREMIER_MOIS = datetime.date(2020, 3, 1)

VERSION_KEY = "bareme:version"
MEMO_MAXIMUM = 2000
# The values a month needs, besides the dispositif's opening ("ouverture").
NOMS_DU_MOIS = (
    "smic_horaire",
    "taux_indemnite",
    "taux_allocation",
    "plancher_indemnite",
    "plancher_allocation",
    "plafond_smic",
    "quota_annuel_heures",
)


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
    mois = _premier_jour(mois)
    if mois < PREMIER_MOIS:
        raise HorsBareme("mois", "Le barème commence en mars 2020 : choisissez un mois à partir de mars 2020.")
    try:
        dispositif = Dispositif(dispositif)
    except ValueError:
        raise HorsBareme("dispositif", "Ce dispositif n'existe pas.") from None
    etat = _etat()
    cle = (mois, dispositif)
    bareme = etat.memo.get(cle)
    if bareme is None:
        bareme = _composer(etat, mois, dispositif)
        if len(etat.memo) >= MEMO_MAXIMUM:  # any future month is accepted: the memo must not grow without end
            etat.memo.clear()
        etat.memo[cle] = bareme
    return bareme


def dispositifs_en_vigueur(*, mois: datetime.date) -> list[Dispositif]:
    """The dispositifs a simulation may choose for `mois`, in the order of Dispositif."""
    mois = _premier_jour(mois)
    if mois < PREMIER_MOIS:
        return []
    etat = _etat()
    return [dispositif for dispositif in Dispositif if _ouvert(etat, mois, dispositif)]


def bareme_modifie() -> None:
    """A row was added: this process reloads at once, the others after the commit (the shared version token)."""
    from django.db import transaction

    _ETAT.index = None
    transaction.on_commit(_nouvelle_version)


def _premier_jour(mois: datetime.date) -> datetime.date:
    if isinstance(mois, datetime.datetime):
        mois = mois.date()
    return mois.replace(day=1)


# --- The in-memory barème -------------------------------------------------------------------------------------


class _Etat(threading.local):
    token: str | None = None
    index: dict[tuple[str, str], list[ValeurDatee]] | None = None
    dernier_texte: datetime.date | None = None
    memo: dict

    def __init__(self):
        self.memo = {}


_ETAT = _Etat()


def _nouvelle_version() -> None:
    # The cache down: this process reloaded already, the others keep their copy until it is back.
    with contextlib.suppress(Exception):
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _version() -> str | None:
    try:
        token = cache.get(VERSION_KEY)
        if token is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(VERSION_KEY)
        return token
    except Exception:  # noqa: BLE001 — the cache down: keep the copy in memory
        return _ETAT.token


def _etat() -> _Etat:
    token = _version()
    if _ETAT.index is None or token != _ETAT.token:
        _charger(_ETAT)
        _ETAT.token = token
    return _ETAT


def _charger(etat: _Etat) -> None:
    from .models import ValeurBareme

    lignes = ValeurBareme.objects.values_list(
        "nom", "dispositif", "date_effet", "valeur", "source_reference", "source_url"
    )
    etat.index, etat.dernier_texte = indexer(lignes)
    etat.memo = {}


def indexer(lignes) -> tuple[dict[tuple[str, str], list[ValeurDatee]], datetime.date | None]:
    """The barème's rows (nom, dispositif, date_effet, valeur, source_reference, source_url) by (nom, dispositif),
    each list in date order; and the latest date d'effet of a value (the dispositifs' openings aside)."""
    index: dict[tuple[str, str], list[ValeurDatee]] = {}
    dernier = None
    for nom, dispositif, date_effet, valeur, reference, url in sorted(lignes, key=lambda ligne: ligne[2]):
        index.setdefault((nom, dispositif), []).append(
            ValeurDatee(nom=nom, valeur=_propre(valeur), date_effet=date_effet, source=Source(reference, url))
        )
        if nom != "ouverture" and (dernier is None or date_effet > dernier):
            dernier = date_effet
    return index, dernier


def bareme_hors_base(lignes, *, mois: datetime.date, dispositif: Dispositif | str) -> BaremeMois:
    """`bareme_du_mois` on rows given (the data file's, for the engine's bench and the property tests), without
    the database."""
    etat = _Etat()
    etat.index, etat.dernier_texte = indexer(lignes)
    return _composer(etat, mois.replace(day=1), Dispositif(dispositif))


def dispositifs_hors_base(lignes, *, mois: datetime.date) -> list[Dispositif]:
    """`dispositifs_en_vigueur` on rows given, without the database."""
    etat = _Etat()
    etat.index, etat.dernier_texte = indexer(lignes)
    return [dispositif for dispositif in Dispositif if _ouvert(etat, mois.replace(day=1), dispositif)]


def _en_vigueur(etat: _Etat, nom: str, dispositif: Dispositif, mois: datetime.date) -> ValeurDatee | None:
    """The latest value with a date d'effet on or before the month's first day; the dispositif's own value wins
    over a common one of the same date."""
    trouvee = None
    for cle in ((nom, ""), (nom, dispositif.value)):
        for valeur in etat.index.get(cle, ()):
            if valeur.date_effet > mois:
                break
            if trouvee is None or valeur.date_effet >= trouvee.date_effet:
                trouvee = valeur
    return trouvee


def _ouvert(etat: _Etat, mois: datetime.date, dispositif: Dispositif) -> bool:
    ouverture = _en_vigueur(etat, "ouverture", dispositif, mois)
    return ouverture is not None and ouverture.valeur == 1


def _composer(etat: _Etat, mois: datetime.date, dispositif: Dispositif) -> BaremeMois:
    if not _ouvert(etat, mois, dispositif):
        raise HorsBareme("dispositif", f"Ce dispositif n'est pas en vigueur en {format_mois(mois)}.")
    valeurs = {}
    for nom in NOMS_DU_MOIS:
        valeur = _en_vigueur(etat, nom, dispositif, mois)
        if valeur is None:
            raise HorsBareme("mois", f"Le barème de {format_mois(mois)} est incomplet ({nom}).")
        valeurs[nom] = valeur
    en_vigueur_au = max(valeur.date_effet for valeur in valeurs.values())
    smic = valeurs["smic_horaire"].valeur
    return BaremeMois(
        mois=mois,
        dispositif=dispositif,
        smic_horaire=smic,
        taux_indemnite=valeurs["taux_indemnite"].valeur,
        taux_allocation=valeurs["taux_allocation"].valeur,
        plancher_indemnite=valeurs["plancher_indemnite"].valeur,
        plancher_allocation=valeurs["plancher_allocation"].valeur,
        plafond_horaire=arrondi(valeurs["plafond_smic"].valeur * smic),
        quota_annuel_heures=int(valeurs["quota_annuel_heures"].valeur),
        en_vigueur_au=en_vigueur_au,
        apres_dernier_texte=etat.dernier_texte is not None and mois > etat.dernier_texte,
        valeurs=tuple(valeurs.values()),
    )


def _propre(valeur: Decimal) -> Decimal:
    """The database's 4 decimals trimmed: 10.1500 → 10.15, 0.7000 → 0.70, 1607.0000 → 1607 (never an exponent)."""
    if valeur == valeur.to_integral_value():
        return valeur.quantize(Decimal(1))
    decimales = max(2, -valeur.normalize().as_tuple().exponent)
    return valeur.quantize(Decimal(1).scaleb(-decimales))
