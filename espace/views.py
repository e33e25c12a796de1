"""MON ESPACE PERSONNEL: the login of the home page, then the employer's pages under /espace/."""

import csv
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from accounts.lockout import ip_lockout_remaining, lockout_response
from accounts.roles import is_agent_ud
from accounts.two_factor import login_or_ask_code
from bareme.engine import format_nombre
from dap.selectors import decisions_for_user, demandes_for_user
from habilitations.batch_io import batch_report_csv
from habilitations.forms import ActivationCodeForm, BankDetailsForm, EstablishmentFicheForm, HabilitationBatchForm
from habilitations.models import FICHE_CONTACT_FIELDS, ActivationLetter, BankDetails, Establishment, HabilitationBatch
from habilitations.perms import can_create_dap, can_see_fiche_contacts, can_submit_to_administration
from habilitations.selectors import establishments_for_user
from habilitations.services import (
    ActivationCodeRefused,
    BatchInputRefused,
    EstablishmentNotVerified,
    activation_code_submit,
    bank_details_save,
    colleague_account_request_submit,
    establishment_fiche_update,
    habilitation_batch_submit,
)
from habilitations.views import DONE_SESSION_KEY
from indemnisation.selectors import demandes_for_user as demandes_indemnisation_for_user

from .forms import ApartLoginForm, ColleagueAccountRequestForm, PortfolioForm
from .middleware import establishment_open
from .selectors import FILTERS, SORTS, portfolio, portfolio_counts, portfolio_details

ESTABLISHMENTS_PER_PAGE = 50
SPACE_PREVIEW = 5
DECISIONS_PREVIEW = 3
LATEST_DEMANDES = 3


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    """The MON ESPACE PERSONNEL form of the home page posts here; errors come back on the home page."""
    if request.method == "GET":
        return redirect("portal:home")
    if ip_lockout_remaining(request):
        return lockout_response(request)
    form = ApartLoginForm(request, data=request.POST)
    if form.is_valid():
        user = form.get_user()
        # Logged in now (a new session key), or after the "Code de vérification" when the account has a device.
        # A UD agent's role is its right: no habilitation, its back office.
        home = "instruction:home" if is_agent_ud(user) else "espace:home"
        next_url = "accounts:first_login_password" if user.must_change_password else home
        return login_or_ask_code(request, user, username=form.cleaned_data["username"], next_url=next_url)
    return render(request, "portal/home.html", {"login_form": form})


@login_required
def home(request):
    establishments = establishments_for_user(user=request.user)
    current = request.current_establishment or None
    # Every establishment of the user still non vérifié, not only the current one: each needs its code.
    unverified = establishments.filter(verification="")
    unverified_count = unverified.count()
    establishment_count = establishments.count()
    context = {
        "establishments": establishments[:SPACE_PREVIEW],
        "establishment_count": establishment_count,
        "establishment_count_heading": _establishments_heading(establishment_count),
        # « Mon portefeuille »: the list's four counts, for whoever holds more than one establishment.
        "portfolio": _portfolio_links(portfolio_counts(user=request.user)) if establishment_count > 1 else None,
        "unverified": unverified[:SPACE_PREVIEW],
        "unverified_count": unverified_count,
        "unverified_more": max(unverified_count - SPACE_PREVIEW, 0),
        "current": current,
        "can_create_dap": can_create_dap(request.user, current),
        "decisions": decisions_for_user(user=request.user)[:DECISIONS_PREVIEW],
        "latest_demandes": demandes_for_user(user=request.user)[:LATEST_DEMANDES],
        "latest_di": demandes_indemnisation_for_user(user=request.user)[:LATEST_DEMANDES],
    }
    return render(request, "espace/home.html", context)


def _portfolio_links(counts: dict) -> list[dict]:
    """Each filter with its label, its count, and the query string of the filtered list."""
    return [
        {"key": key, "label": label, "count": counts[key], "query": f"filtre={key}"} for key, label in FILTERS.items()
    ]


def _establishments_heading(count: int) -> str:
    """ "2 000 établissements", "1 établissement", "Aucun établissement" (French puts 0 and 1 in the singular)."""
    if not count:
        return "Aucun établissement"
    return f"{format_nombre(Decimal(count), 0)} établissement{'s' if count > 1 else ''}"


@login_required
@require_safe
def establishment_list(request):
    """The portfolio: every establishment held, with its fiche, its current décision, the DAP waiting for the UD,
    the DIs to file and the habilitation's end; searched, filtered, sorted, 50 a page (one query for the page,
    one for its count, two for its rows' décisions and DIs, one for the filters' counts)."""
    form = PortfolioForm(request.GET)
    values = form.values()
    establishments = portfolio(user=request.user, **values)
    page = Paginator(establishments, ESTABLISHMENTS_PER_PAGE).get_page(request.GET.get("page"))
    details = portfolio_details([establishment.pk for establishment in page.object_list])
    rows = [(establishment, details.get(establishment.pk)) for establishment in page.object_list]
    counts = portfolio_counts(user=request.user)
    params = {"q": values["query"], "filtre": values["filtre"], "tri": values["sort"]}
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": values["query"],
        "filtre": values["filtre"],
        "sort": values["sort"],
        "heading": _establishments_heading(page.paginator.count),
        "total_heading": _establishments_heading(counts["total"]),
        "filters": _portfolio_links(counts),
        "sorts": [(key, label) for key, (label, _order) in SORTS.items()],
        "querystring": urlencode({key: value for key, value in params.items() if value}),
        "menu": "etablissements",
    }
    return render(request, "espace/establishment_list.html", context)


CSV_HEADERS = [
    "Siret",
    "Dénomination",
    "Enseigne",
    "Code postal",
    "Ville",
    "Fiche établissement",
    "Vérification",
    "Décision en cours",
    "Début de la période autorisée",
    "Fin de la période autorisée",
    "Heures utilisées",
    "Heures autorisées",
    "DAP en attente",
    "DI à déposer",
    "Mois à déposer",
    "Fin d'habilitation",
]


class _Echo:
    """csv.writer's file: each row written is handed back as a string, to be streamed."""

    def write(self, value: str) -> str:
        return value


def _texte(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _heures(value) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _csv_row(establishment, detail) -> list[str]:
    decision = detail.decision if detail else None
    mois = detail.mois_a_deposer if detail else []
    return [
        establishment.siret,
        _texte(establishment.denomination),
        _texte(establishment.enseigne),
        establishment.code_postal,
        _texte(establishment.ville),
        "Complète" if establishment.fiche_complete else "Incomplète",
        "Vérifié" if establishment.is_verified else "Non vérifié",
        decision.numero if decision else "",
        decision.date_debut.strftime("%d/%m/%Y") if decision else "",
        decision.date_fin.strftime("%d/%m/%Y") if decision else "",
        _heures(detail.heures_utilisees) if decision else "",
        _heures(decision.heures_autorisees) if decision else "",
        establishment.dap_en_attente or "",
        str(establishment.di_a_deposer),
        ", ".join(month.strftime("%m/%Y") for month in mois),
        establishment.habilitation_fin.strftime("%d/%m/%Y") if establishment.habilitation_fin else "",
    ]


def _csv_lines(establishments, details):
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(CSV_HEADERS)
    for establishment in establishments:
        yield writer.writerow(_csv_row(establishment, details.get(establishment.pk)))


@login_required
@require_safe
def establishment_export_csv(request):
    """« Exporter (CSV) »: the list as filtered, searched and sorted, every page; `;`, UTF-8 with a BOM (a
    spreadsheet opens it as it is). Four queries whatever the number of establishments."""
    establishments = list(portfolio(user=request.user, **PortfolioForm(request.GET).values()))
    details = portfolio_details([establishment.pk for establishment in establishments])
    response = StreamingHttpResponse(_csv_lines(establishments, details), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="etablissements-{timezone.localdate():%Y%m%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def establishment_detail(request, siret):
    """The fiche établissement. A SIRET the user holds no habilitation on is a 404, never a 403 that would
    confirm it exists."""
    establishment = get_object_or_404(establishments_for_user(user=request.user), siret=siret)
    establishment_open(request, establishment)
    form = _fiche_form(request, establishment, request.POST or None)
    if request.method == "POST" and form.is_valid():
        establishment_fiche_update(establishment=establishment, fields=form.fiche_fields, author=request.user)
        messages.success(request, "La fiche établissement a été enregistrée.")
        return redirect("espace:establishment", siret=establishment.siret)
    return _fiche_page(request, establishment, form=form)


NOT_VERIFIED = (
    "Cet établissement n'est pas encore vérifié : rien ne peut être transmis à l'administration (demandes "
    "d'autorisation préalable, demandes d'indemnisation, coordonnées bancaires). Pour le vérifier, saisissez le "
    "code d'activation reçu par courrier à l'adresse de l'établissement connue du répertoire SIRENE."
)


def _bank_form(establishment, data=None) -> BankDetailsForm:
    details = BankDetails.objects.filter(establishment=establishment).first()
    initial = {"iban": details.iban, "bic": details.bic, "titulaire": details.titulaire} if details else {}
    return BankDetailsForm(data, initial=initial, prefix="banque")


def _fiche_form(request, establishment, data=None) -> EstablishmentFicheForm:
    # Another claimant's contact details are not shown: the fields are empty, and what is typed replaces them.
    shown = can_see_fiche_contacts(request.user, establishment)
    initial = {} if shown else dict.fromkeys(FICHE_CONTACT_FIELDS, "")
    return EstablishmentFicheForm(data, instance=establishment, initial=initial)


def _fiche_page(request, establishment, *, form=None, bank_form=None):
    # On a refused form, the saved fiche (not the typed values) tells what is still missing.
    saved = Establishment.objects.get(pk=establishment.pk)
    context = {
        "establishment": saved,
        "form": form or _fiche_form(request, saved),
        "contacts_hidden": not can_see_fiche_contacts(request.user, saved),
        "bank_form": bank_form or _bank_form(saved),
        "can_submit": can_submit_to_administration(request.user, saved),
        "not_verified_message": NOT_VERIFIED,
        "missing": saved.missing_fiche_fields(),
        "menu": "etablissements",
    }
    return render(request, "espace/establishment_detail.html", context)


@login_required
@require_http_methods(["POST"])
def establishment_bank_details(request, siret):
    """« Coordonnées bancaires » of the fiche établissement: refused while the establishment is non vérifié."""
    establishment = get_object_or_404(establishments_for_user(user=request.user), siret=siret)
    establishment_open(request, establishment)
    bank_form = _bank_form(establishment, request.POST)
    if not can_submit_to_administration(request.user, establishment):
        bank_form.is_valid()
        bank_form.add_error(None, NOT_VERIFIED)
        return _fiche_page(request, establishment, bank_form=bank_form)
    if bank_form.is_valid():
        try:
            bank_details_save(establishment=establishment, by=request.user, **bank_form.cleaned_data)
        except EstablishmentNotVerified:
            bank_form.add_error(None, NOT_VERIFIED)
            return _fiche_page(request, establishment, bank_form=bank_form)
        messages.success(request, "Les coordonnées bancaires ont été enregistrées.")
        return redirect("espace:establishment", siret=establishment.siret)
    return _fiche_page(request, establishment, bank_form=bank_form)


@login_required
@require_http_methods(["GET", "POST"])
def activation_code(request, siret):
    """« Saisir le code d'activation »: the code of the letter sent to the establishment's SIRENE address."""
    establishment = get_object_or_404(establishments_for_user(user=request.user), siret=siret)
    establishment_open(request, establishment)
    if establishment.is_verified:
        messages.info(request, "Cet établissement est vérifié : aucun code d'activation n'est nécessaire.")
        return redirect("espace:establishment", siret=establishment.siret)
    form = ActivationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activation_code_submit(establishment=establishment, user=request.user, code=form.cleaned_data["code"])
        except ActivationCodeRefused as refusal:
            form.add_error("code", refusal.message)
        else:
            messages.success(
                request, f"Code d'activation accepté : l'établissement {establishment.denomination} est vérifié."
            )
            return redirect("espace:establishment", siret=establishment.siret)
    letter = ActivationLetter.objects.open().filter(establishment=establishment, user=request.user).first()
    context = {"establishment": establishment, "form": form, "letter": letter, "menu": "etablissements"}
    return render(request, "espace/activation_code.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def colleague_account_request(request):
    """DEMANDE CRÉATION DE COMPTE."""
    establishments = establishments_for_user(user=request.user)
    initial = {"establishment": request.current_establishment or None}
    form = ColleagueAccountRequestForm(request.POST or None, establishments=establishments, initial=initial)
    if request.method == "POST" and form.is_valid():
        account_request = colleague_account_request_submit(
            requested_by=request.user,
            establishment=form.cleaned_data["establishment"],
            user_fields=form.user_fields,
            secret_answer=form.cleaned_data["secret_answer"],
        )
        request.session[DONE_SESSION_KEY] = account_request.reference
        return redirect("habilitations:create_space_done")
    return render(request, "espace/colleague_account_request.html", {"form": form})


BATCHES_LISTED = 20
BATCH_REFRESH_SECONDS = 3


@login_required
@require_http_methods(["GET", "POST"])
def habilitation_batch_new(request):
    """« Demande d'habilitation en masse »: SIRETs typed or a CSV file; the user's previous batches below."""
    form = HabilitationBatchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = habilitation_batch_submit(
                user=request.user, sirets_text=form.cleaned_data["sirets"], fichier=form.cleaned_data["fichier"]
            )
        except BatchInputRefused as refusal:  # the same checks as the form's: only a file changed under us
            form.add_error(None if refusal.field == "__all__" else refusal.field, refusal.message)
        else:
            messages.success(request, f"Votre demande d'habilitation en masse n°{batch.pk} est enregistrée.")
            return redirect("espace:habilitation_batch", pk=batch.pk)
    batches = HabilitationBatch.objects.filter(user=request.user)[:BATCHES_LISTED]
    return render(request, "espace/habilitation_batch_new.html", {"form": form, "batches": batches})


def _own_batch(request, pk) -> HabilitationBatch:
    """Another user's batch is a 404."""
    return get_object_or_404(HabilitationBatch, pk=pk, user=request.user)


@login_required
def habilitation_batch_detail(request, pk):
    """The batch's progress, refreshed by the page itself (meta refresh, no script) until done; then its lines."""
    batch = _own_batch(request, pk)
    context = {
        "batch": batch,
        "lines": batch.lines.select_related("establishment") if batch.is_done else None,
        "refresh_seconds": None if batch.is_done else BATCH_REFRESH_SECONDS,
    }
    return render(request, "espace/habilitation_batch_detail.html", context)


@login_required
def habilitation_batch_report(request, pk):
    batch = _own_batch(request, pk)
    response = HttpResponse(batch_report_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="habilitations-en-masse-{batch.pk}.csv"'
    return response
