"""The barème and the engine the simulator's tests run on: the real ones when they are implemented, otherwise
simple stand-ins with the same interface (so the page and the API can be tested before the engine lands).

The tests compare the page and the API with what `bareme.engine` computes, whichever runs, and the published
examples are checked only against the real engine."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from bareme import engine, selectors
from bareme.engine import (
    BaremeMois,
    Contrat,
    Dispositif,
    ResultatSalarie,
    Salarie,
    Source,
    Total,
    ValeurDatee,
    arrondi,
    heures_mensuelles,
)
from bareme.selectors import PREMIER_MOIS, HorsBareme

DECRET = Source("Décret n° 2020-325 du 25 mars 2020", "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000041755940")
DECRET_2021 = Source("Décret n° 2021-674 du 28 mai 2021", "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000043574436")
SMIC_2026 = Source("Décret n° 2025-1228 du 17 décembre 2025")


def _dispositifs(mois: datetime.date) -> list[Dispositif]:
    dispositifs = [Dispositif.DROIT_COMMUN, Dispositif.SECTEUR_PROTEGE, Dispositif.APLD]
    if mois >= datetime.date(2022, 1, 1):
        dispositifs.remove(Dispositif.SECTEUR_PROTEGE)
    if mois >= datetime.date(2025, 3, 1):
        dispositifs.append(Dispositif.APLD_REBOND)
    return dispositifs


def fake_dispositifs_en_vigueur(*, mois):
    return _dispositifs(mois.replace(day=1))


def fake_bareme_du_mois(*, mois, dispositif):
    mois = mois.replace(day=1)
    if mois < PREMIER_MOIS:
        raise HorsBareme("mois", "Le simulateur couvre les mois à partir de mars 2020.")
    dispositif = Dispositif(dispositif)
    if dispositif not in _dispositifs(mois):
        raise HorsBareme("dispositif", "Ce dispositif n'est pas en vigueur ce mois-là.")
    if mois < datetime.date(2021, 1, 1):
        smic, effet_smic, source = Decimal("10.15"), datetime.date(2020, 1, 1), DECRET
        taux, plancher, effet = (Decimal("0.70"), Decimal("0.70")), Decimal("8.03"), datetime.date(2020, 3, 1)
    elif mois < datetime.date(2026, 1, 1):
        smic, effet_smic, source = Decimal("10.48"), datetime.date(2021, 10, 1), DECRET_2021
        taux, plancher, effet = (Decimal("0.60"), Decimal("0.36")), Decimal("7.47"), datetime.date(2021, 7, 1)
    else:
        smic, effet_smic, source = Decimal("12.02"), datetime.date(2026, 1, 1), SMIC_2026
        taux, plancher, effet = (Decimal("0.60"), Decimal("0.36")), Decimal("8.57"), datetime.date(2021, 7, 1)
    if dispositif in (Dispositif.APLD, Dispositif.APLD_REBOND):
        taux = (Decimal("0.70"), Decimal("0.60"))
    valeurs = (
        ValeurDatee("smic_horaire", smic, effet_smic, source),
        ValeurDatee("taux_indemnite", taux[0], effet, DECRET),
        ValeurDatee("taux_allocation", taux[1], effet, DECRET),
        ValeurDatee("plancher_indemnite", Decimal("8.03"), effet, DECRET),
        ValeurDatee("plancher_allocation", plancher, effet, DECRET),
        ValeurDatee("plafond_smic", Decimal("4.5"), datetime.date(2020, 3, 1), DECRET),
    )
    return BaremeMois(
        mois=mois,
        dispositif=dispositif,
        smic_horaire=smic,
        taux_indemnite=taux[0],
        taux_allocation=taux[1],
        plancher_indemnite=Decimal("8.03"),
        plancher_allocation=plancher,
        plafond_horaire=arrondi(smic * Decimal("4.5")),
        quota_annuel_heures=1000,
        en_vigueur_au=max(effet, effet_smic),
        apres_dernier_texte=False,
        valeurs=valeurs,
    )


def fake_erreurs_salarie(salarie: Salarie) -> dict[str, str]:
    erreurs = {}
    if salarie.salaire_brut_mensuel < 0:
        erreurs["salaire_brut_mensuel"] = "Le salaire brut mensuel ne peut pas être négatif."
    if not 0 < salarie.duree_hebdomadaire <= 48:
        erreurs["duree_hebdomadaire"] = "La durée hebdomadaire doit être comprise entre 0 et 48 heures."
    elif salarie.heures_chomees > heures_mensuelles(salarie.duree_hebdomadaire):
        erreurs["heures_chomees"] = (
            f"Les heures chômées dépassent les heures du mois ({heures_mensuelles(salarie.duree_hebdomadaire)} h)."
        )
    if salarie.heures_chomees < 0:
        erreurs["heures_chomees"] = "Les heures chômées ne peuvent pas être négatives."
    return erreurs


def fake_calculer_salarie(bareme: BaremeMois, salarie: Salarie) -> ResultatSalarie:
    heures = heures_mensuelles(salarie.duree_hebdomadaire)
    taux = min(arrondi(salarie.salaire_brut_mensuel / heures), bareme.plafond_horaire)
    indemnite_horaire = max(arrondi(taux * bareme.taux_indemnite), bareme.plancher_indemnite)
    allocation_horaire = max(arrondi(taux * bareme.taux_allocation), bareme.plancher_allocation)
    if salarie.contrat != Contrat.STANDARD:
        indemnite_horaire = allocation_horaire = min(indemnite_horaire, taux)
    indemnite = arrondi(indemnite_horaire * salarie.heures_chomees)
    allocation = arrondi(allocation_horaire * salarie.heures_chomees)
    return ResultatSalarie(
        heures_mensuelles=heures,
        taux_horaire=taux,
        indemnite_horaire=indemnite_horaire,
        allocation_horaire=allocation_horaire,
        indemnite=indemnite,
        allocation=allocation,
        reste_a_charge=indemnite - allocation,
        explications=(f"Taux horaire de référence : {taux} € ({DECRET.reference}).",),
    )


def fake_calculer(bareme, salaries):
    lignes = tuple(fake_calculer_salarie(bareme, salarie) for salarie in salaries)
    total = Total(
        sum((ligne.indemnite for ligne in lignes), Decimal(0)),
        sum((ligne.allocation for ligne in lignes), Decimal(0)),
        sum((ligne.reste_a_charge for ligne in lignes), Decimal(0)),
    )
    return engine.Resultat(bareme, lignes, total)


def real_engine_available() -> bool:
    try:
        engine.erreurs_salarie(Salarie(Decimal(1), Decimal(35), Decimal(0)))
    except NotImplementedError:
        return False
    return True


@pytest.fixture
def bareme_engine(db, monkeypatch):
    """The real engine and barème when implemented, else the stand-ins; returns True for the real ones."""
    if real_engine_available():
        return True
    # The views and the API import these names: patch them where they are looked up.
    from bareme import api, forms, views

    for module in (selectors, views, api):
        monkeypatch.setattr(module, "bareme_du_mois", fake_bareme_du_mois, raising=False)
    for module in (selectors, views):
        monkeypatch.setattr(module, "dispositifs_en_vigueur", fake_dispositifs_en_vigueur, raising=False)
    for module in (engine, forms, api):
        monkeypatch.setattr(module, "erreurs_salarie", fake_erreurs_salarie, raising=False)
    for module in (engine, views, api):
        monkeypatch.setattr(module, "calculer", fake_calculer, raising=False)
    monkeypatch.setattr(engine, "calculer_salarie", fake_calculer_salarie)
    return False


@pytest.fixture
def real_engine(bareme_engine):
    if not bareme_engine:
        pytest.skip("le moteur de calcul (bareme.engine) n'est pas encore implémenté")
