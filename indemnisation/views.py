"""The employer's DI pages: « Mes Demandes d'Indemnisation », its CSV export, a DI's page and its document
récapitulatif (PDF).

Every read goes through the selectors (the user's habilitations): a DI of an establishment the user does not hold
answers 404, as an unknown number. Filing a DI (new, saisie, delete) is views_saisie.
"""

import csv
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from dap.forms import etablissement_filtre_field
from habilitations.selectors import establishments_for_user

from .enums import Statut
from .pdf import STATUTS_VALIDES, validated_at
from .pdf import recapitulatif_pdf as render_recapitulatif
from .selectors import demande_for_user, demandes_for_user

DEMANDES_PER_PAGE = 20
MOIS_FORMATS = ["%Y-%m", "%m/%Y", "%Y-%m-%d", "%d/%m/%Y"]
MOIS_INVALIDE = "Saisissez un mois valide, par exemple 2026-03 (ou 03/2026)."
STATUTS_ASP = (Statut.MISE_EN_PAIEMENT, Statut.PAYEE)
UNITE_DEPARTEMENTALE, ASP, AUTOMATIQUE = "Unité départementale", "ASP", "Automatique"

CSV_HEADERS = [
    "N° de DI",
    "Siret",
    "Établissement",
    "N° de décision",
    "Mois",
    "Dispositif",
    "Statut",
    "Salariés",
    "Heures chômées",
    "Indemnité versée aux salariés",
    "Allocation demandée",
    "Reste à charge",
    "Date d'envoi",
    "Date de validation",
    "Date de paiement",
]
CSV_CHUNK = 2000
BOM = "\ufeff"


class MoisField(forms.DateField):
    """A month, typed 2026-03 (the browser's <input type="month">) or 03/2026: its first day."""

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class FiltreForm(forms.Form):
    """The filters of « Mes Demandes d'Indemnisation » (a GET form: the export carries the same)."""

    etablissement = etablissement_filtre_field()
    statut = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[("", "Tous les statuts"), *Statut.choices],
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    mois = MoisField(
        label="Mois",
        required=False,
        input_formats=MOIS_FORMATS,
        help_text="Format : AAAA-MM, par exemple 2026-03",
        error_messages={"invalid": MOIS_INVALIDE},
        widget=forms.DateInput(attrs={"class": "fr-input", "type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what the options show: an expert-comptable may hold 500 establishments.
        self.fields["etablissement"].queryset = establishments.only("pk", "siret", "denomination", "enseigne")
        self.fields["etablissement"].label_from_instance = lambda e: f"{e.display_name} — {e.siret}"

    def criteria(self) -> dict | None:
        """The selector's filters; None when the establishment asked for is not one of the user's (nothing shown,
        never someone else's)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        if "etablissement" in self.errors:
            return None
        data = self.cleaned_data
        return {"etablissement": data.get("etablissement"), "statut": data.get("statut"), "mois": data.get("mois")}


def _filtered(request):
    """The filter form and the user's DIs it selects."""
    establishments = establishments_for_user(user=request.user)
    params = {key: value for key, value in request.GET.items() if key in FiltreForm.base_fields and value}
    filtres = FiltreForm(params or None, establishments=establishments)
    criteria = filtres.criteria()
    demandes = demandes_for_user(user=request.user, **(criteria or {}))
    if criteria is None:
        demandes = demandes.none()
    return filtres, demandes, params


@login_required
@require_safe
def demande_list(request):
    filtres, demandes, params = _filtered(request)
    page = Paginator(demandes, DEMANDES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "filtres": filtres, "query": urlencode(params), "menu": "di"}
    return render(request, "indemnisation/demande_list.html", context)


# --- CSV export ----------------------------------------------------------------------------------------------------


class _Echo:
    """csv.writer's file: each row written is handed back as a string, to be streamed."""

    def write(self, value: str) -> str:
        return value


def _montant(value) -> str:
    """An amount or hours for a spreadsheet: 1234,56 (a comma before the cents, no thousands separator)."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _texte(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _date(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y") if value else ""


def csv_row(demande) -> list[str]:
    establishment = demande.establishment
    return [
        demande.numero,
        establishment.siret,
        _texte(establishment.display_name),
        demande.decision.numero,
        demande.mois.strftime("%m/%Y"),
        demande.get_dispositif_display(),
        demande.get_statut_display(),
        str(demande.nb_salaries),
        _montant(demande.total_heures),
        _montant(demande.total_indemnite),
        _montant(demande.total_allocation),
        _montant(demande.total_reste_a_charge),
        _date(demande.sent_at),
        _date(demande.decided_at) if demande.statut in STATUTS_VALIDES else "",
        _date(demande.paid_at),
    ]


def _csv_lines(demandes):
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield BOM + writer.writerow(CSV_HEADERS)
    for demande in demandes.iterator(chunk_size=CSV_CHUNK):
        yield writer.writerow(csv_row(demande))


@login_required
@require_safe
def demande_export_csv(request):
    _, demandes, _ = _filtered(request)
    demandes = demandes.only(
        "numero",
        "mois",
        "dispositif",
        "statut",
        "nb_salaries",
        "total_heures",
        "total_indemnite",
        "total_allocation",
        "total_reste_a_charge",
        "sent_at",
        "decided_at",
        "paid_at",
        "establishment__siret",
        "establishment__denomination",
        "establishment__enseigne",
        "decision__numero",
    )
    response = StreamingHttpResponse(_csv_lines(demandes), content_type="text/csv; charset=utf-8")
    filename = f"demandes-indemnisation-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- A DI's page and its document récapitulatif ----------------------------------------------------------------------


def _demande_or_404(request, numero):
    demande = demande_for_user(user=request.user, numero=numero)
    if demande is None:
        raise Http404
    return demande


def auteur(ligne) -> str:
    """Who changed the status, as the employer is told: the UD's and the ASP's agents are not named."""
    if ligne.to_statut in (Statut.VALIDEE, Statut.INVALIDEE):
        return UNITE_DEPARTEMENTALE
    if ligne.to_statut in STATUTS_ASP or (ligne.by is not None and ligne.by.is_staff):
        return ASP
    if ligne.by is None:
        return AUTOMATIQUE
    return ligne.by.get_full_name() or ligne.by.identifiant


@login_required
@require_safe
def demande_detail(request, numero):
    demande = _demande_or_404(request, numero)
    historique = list(demande.historique.select_related("by"))
    for ligne in historique:
        ligne.auteur = auteur(ligne)
    context = {
        "demande": demande,
        "establishment": demande.establishment,
        "decision": demande.decision,
        "salaries": demande.salaries.all(),
        "historique": historique,
        "validated_at": validated_at(demande),
        "menu": "di",
    }
    return render(request, "indemnisation/demande_detail.html", context)


@login_required
@require_safe
def recapitulatif_pdf(request, numero):
    demande = _demande_or_404(request, numero)
    response = HttpResponse(render_recapitulatif(demande), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="recapitulatif-{demande.numero}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
