"""The public simulator (no account): the form and its result, and the barème's history (page and CSV).

Rows of employees are added and removed by named submit buttons ("ajouter", "retirer" = the row's index) that
show the form again with what was typed, so the page works without JavaScript.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .engine import LIBELLES_DISPOSITIF, BaremeMois, Dispositif, Resultat, ValeurDatee, calculer, mention_bareme
from .forms import (
    MAX_SALARIES_PAGE,
    SALARIES_PREFIX,
    SalarieForm,
    SalarieFormSet,
    SimulationForm,
    libelle_mois,
    message_hors_bareme,
    parse_mois,
)
from .selectors import PREMIER_MOIS, HorsBareme, bareme_du_mois, dispositifs_en_vigueur
from .templatetags.bareme_tags import format_euros, format_nombre, pourcentage

TITLE = "Simulation de l'indemnisation de l'employeur en cas d'activité partielle"
HISTORY_TITLE = "Barème de l'activité partielle depuis mars 2020"


def _mois_courant() -> datetime.date:
    return timezone.localdate().replace(day=1)


def _rows(post) -> list[dict]:
    """The employees' rows as typed, read straight from the POST (no validation: a row is being added or removed)."""
    try:
        total = int(post.get(f"{SALARIES_PREFIX}-TOTAL_FORMS", 1))
    except ValueError:
        total = 1
    total = min(max(total, 1), MAX_SALARIES_PAGE)
    return [
        {name: post.get(f"{SALARIES_PREFIX}-{index}-{name}", "") for name in SalarieForm.base_fields}
        for index in range(total)
    ]


def _edit_rows(request) -> tuple[SimulationForm, SalarieFormSet]:
    rows = _rows(request.POST)
    if "ajouter" in request.POST and len(rows) < MAX_SALARIES_PAGE:
        rows.append({"contrat": SalarieForm.base_fields["contrat"].initial})
    elif "retirer" in request.POST and len(rows) > 1:
        with contextlib.suppress(ValueError, IndexError):
            rows.pop(int(request.POST["retirer"]))
    initial = {name: request.POST.get(name, "") for name in SimulationForm.base_fields}
    return SimulationForm(initial=initial), SalarieFormSet(initial=rows, prefix=SALARIES_PREFIX)


def _simuler(form: SimulationForm, formset: SalarieFormSet) -> Resultat | None:
    """The result, or None with the errors on their fields. The month is checked even when the dispositif is
    missing (with droit commun, open since March 2020), so both errors show at once."""
    salaries_valid = formset.is_valid()
    form_valid = form.is_valid()
    mois = form.cleaned_data.get("mois")
    if mois is None:
        return None
    try:
        bareme = bareme_du_mois(mois=mois, dispositif=form.cleaned_data.get("dispositif", Dispositif.DROIT_COMMUN))
    except HorsBareme as hors_bareme:
        form.add_error(hors_bareme.champ, message_hors_bareme(hors_bareme, mois, LIBELLES_DISPOSITIF))
        return None
    return calculer(bareme, formset.salaries()) if form_valid and salaries_valid else None


@require_http_methods(["GET", "POST", "HEAD"])
def simulation(request):
    resultat = None
    if request.method == "POST" and ("ajouter" in request.POST or "retirer" in request.POST):
        form, formset = _edit_rows(request)
    elif request.method == "POST":
        form = SimulationForm(request.POST)
        formset = SalarieFormSet(request.POST, prefix=SALARIES_PREFIX)
        resultat = _simuler(form, formset)
    else:
        form = SimulationForm(initial={"mois": _mois_courant()})
        formset = SalarieFormSet(prefix=SALARIES_PREFIX)
    has_errors = bool(form.errors or (formset.is_bound and not formset.is_valid()))
    form.fields["dispositif"].help_text = _dispositifs_du_mois(form)
    context = {
        "title": TITLE,
        "form": form,
        "formset": formset,
        "has_errors": has_errors,
        "resultat": resultat,
        "libelle_mois": libelle_mois(resultat.bareme.mois) if resultat else "",
        "mention_bareme": mention_bareme(resultat.bareme) if resultat else "",
        "libelle_dispositif": LIBELLES_DISPOSITIF[resultat.bareme.dispositif] if resultat else "",
        "lignes": list(zip(formset.salaries(), resultat.salaries, strict=True)) if resultat else [],
        "can_add": formset.total_form_count() < MAX_SALARIES_PAGE,
        "can_remove": formset.total_form_count() > 1,
        "max_salaries": MAX_SALARIES_PAGE,
        "periodes_dispositifs": periodes_dispositifs(jusqu_a=_mois_courant().replace(year=_mois_courant().year + 5)),
    }
    return render(request, "bareme/simulation.html", context)


def _dispositifs_du_mois(form: SimulationForm) -> str:
    """The hint of "Dispositif": those in force in the month shown (static/js/simulateur.js rewrites it, and
    greys out the others, when the month changes)."""
    valeur = form["mois"].value()
    mois = valeur if isinstance(valeur, datetime.date) else parse_mois(str(valeur or ""))
    if mois is None:
        return "Les dispositifs en vigueur dépendent du mois choisi."
    possibles = dispositifs_en_vigueur(mois=mois)
    if not possibles:
        return f"Aucun dispositif en {libelle_mois(mois)} : le barème commence en mars 2020."
    return f"En vigueur en {libelle_mois(mois)} : " + ", ".join(LIBELLES_DISPOSITIF[d] for d in possibles) + "."


def periodes_dispositifs(*, jusqu_a: datetime.date) -> dict[str, list[list]]:
    """Each dispositif's periods in force, as [first month, last month or None] in AAAA-MM, for the script that
    greys out the dispositifs of another month (the server checks again)."""
    periodes: dict[str, list[list]] = {dispositif.value: [] for dispositif in Dispositif}
    mois, precedent = PREMIER_MOIS, set()
    while mois <= jusqu_a:
        en_vigueur = {dispositif.value for dispositif in dispositifs_en_vigueur(mois=mois)}
        for code in en_vigueur - precedent:
            periodes[code].append([f"{mois:%Y-%m}", None])
        for code in precedent - en_vigueur:
            periodes[code][-1][1] = f"{_mois_precedent(mois):%Y-%m}"
        precedent, mois = en_vigueur, _mois_suivant(mois)
    return periodes


def _mois_precedent(mois: datetime.date) -> datetime.date:
    return (mois - datetime.timedelta(days=1)).replace(day=1)


# --- The barème's history ------------------------------------------------------------------------

# The columns of the history, in order: (name in BaremeMois, name of the ValeurDatee giving its source, label).
COLONNES = (
    ("smic_horaire", "smic_horaire", "SMIC horaire brut"),
    ("taux_indemnite", "taux_indemnite", "Taux de l'indemnité (salarié)"),
    ("taux_allocation", "taux_allocation", "Taux de l'allocation (employeur)"),
    ("plancher_indemnite", "plancher_indemnite", "Plancher horaire de l'indemnité"),
    ("plancher_allocation", "plancher_allocation", "Plancher horaire de l'allocation"),
    ("plafond_horaire", "plafond_smic", "Plafond du taux horaire (4,5 SMIC)"),
    ("quota_annuel_heures", "quota_annuel_heures", "Contingent annuel d'heures par salarié"),
)
TAUX = frozenset({"taux_indemnite", "taux_allocation"})


@dataclass
class Cellule:
    valeur: object
    texte: str
    source: ValeurDatee | None


@dataclass
class Periode:
    dispositif: Dispositif
    debut: datetime.date
    fin: datetime.date
    cellules: list[Cellule]
    en_cours: bool = False  # still in force in the current month

    @property
    def libelle(self) -> str:
        if self.en_cours:
            return f"depuis {libelle_mois(self.debut)}"
        if self.debut == self.fin:
            return libelle_mois(self.debut)
        return f"de {libelle_mois(self.debut)} à {libelle_mois(self.fin)}"


def _mois_suivant(mois: datetime.date) -> datetime.date:
    return (mois + datetime.timedelta(days=32)).replace(day=1)


def _cellules(bareme: BaremeMois) -> list[Cellule]:
    valeurs = {valeur.nom: valeur for valeur in bareme.valeurs}
    cellules = []
    for attribut, nom_source, _label in COLONNES:
        valeur = getattr(bareme, attribut)
        if attribut in TAUX:
            texte = pourcentage(valeur)
        elif attribut == "quota_annuel_heures":
            texte = f"{format_nombre(Decimal(valeur), 0)} h"
        else:
            texte = format_euros(valeur)
        cellules.append(Cellule(valeur, texte, valeurs.get(nom_source)))
    return cellules


def historique(*, jusqu_a: datetime.date) -> list[Periode]:
    """Each dispositif's periods of unchanged values, from March 2020 to `jusqu_a`, month by month through
    the same selector as the simulator (so the history shows what a simulation of each month uses)."""
    periodes: dict[Dispositif, list[Periode]] = {dispositif: [] for dispositif in Dispositif}
    mois = PREMIER_MOIS
    while mois <= jusqu_a:
        for dispositif in dispositifs_en_vigueur(mois=mois):
            cellules = _cellules(bareme_du_mois(mois=mois, dispositif=dispositif))
            cle = [(c.valeur, c.source.source.reference if c.source else "") for c in cellules]
            suite = periodes[dispositif]
            precedente = suite[-1] if suite else None
            if (
                precedente
                and _mois_suivant(precedente.fin) == mois
                and [(c.valeur, c.source.source.reference if c.source else "") for c in precedente.cellules] == cle
            ):
                precedente.fin = mois
            else:
                suite.append(Periode(dispositif, mois, mois, cellules))
        mois = _mois_suivant(mois)
    resultat = [periode for dispositif in Dispositif for periode in periodes[dispositif]]
    for periode in resultat:
        periode.en_cours = periode.fin == jusqu_a
    return resultat


@require_http_methods(["GET", "HEAD"])
def bareme_historique(request):
    periodes = historique(jusqu_a=_mois_courant())
    sections = [
        (LIBELLES_DISPOSITIF[dispositif], [p for p in periodes if p.dispositif == dispositif])
        for dispositif in Dispositif
    ]
    context = {
        "title": HISTORY_TITLE,
        "sections": [(libelle, lignes) for libelle, lignes in sections if lignes],
        "colonnes": [label for _attribut, _nom, label in COLONNES],
    }
    return render(request, "bareme/historique.html", context)


@require_http_methods(["GET", "HEAD"])
def bareme_historique_csv(request):
    """The same table for a spreadsheet: semicolons, decimal commas and a BOM, as French spreadsheets expect."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bareme-activite-partielle.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    header = ["Dispositif", "Premier mois", "Dernier mois (vide : en vigueur)"]
    for _attribut, _nom, label in COLONNES:
        header += [label, f"{label} : source", f"{label} : en vigueur depuis", f"{label} : adresse de la source"]
    writer.writerow(header)
    for periode in historique(jusqu_a=_mois_courant()):
        row = [
            LIBELLES_DISPOSITIF[periode.dispositif],
            f"{periode.debut:%m/%Y}",
            "" if periode.en_cours else f"{periode.fin:%m/%Y}",
        ]
        for cellule in periode.cellules:
            source = cellule.source
            row += [
                str(cellule.valeur).replace(".", ","),
                source.source.reference if source else "",
                f"{source.date_effet:%d/%m/%Y}" if source else "",
                source.source.url if source else "",
            ]
        writer.writerow(row)
    return response
