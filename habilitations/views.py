"""CRÉER MON ESPACE: the SIRET step, the account form, and the confirmation."""

import functools
from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.credentials import identifiant_mask

from .codes_postaux import communes_for_code_postal
from .enums import AccountRequestCase, SireneStatus
from .forms import AccountRequestForm, ColleagueAccountRequestForm, EstablishmentFicheForm, SiretForm
from .models import AccountRequest, Establishment
from .selectors import establishment_fields_from_sirene, establishments_for_user
from .services import (
    account_request_process_automatically,
    account_request_submit,
    colleague_account_request_submit,
    establishment_fiche_update,
)
from .sirene import SireneNonDiffusible, SireneUnavailable, sirene_lookup

SESSION_KEY = "creer_mon_espace"
DONE_SESSION_KEY = "creer_mon_espace_reference"

SIRET_UNKNOWN = "Ce numéro de Siret est inconnu du répertoire SIRENE de l'INSEE. Vérifiez votre saisie."
SIRET_CLOSED = (
    "Cet établissement est fermé selon le répertoire SIRENE de l'INSEE : il n'est pas possible de lui créer un espace."
)


@require_http_methods(["GET", "POST"])
def siret_step(request):
    """Étape 1 : le Siret, le code de sécurité et les conditions générales d'utilisation."""
    form = SiretForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        siret = form.cleaned_data["siret"]
        if Establishment.objects.filter(siret=siret).exists():
            return render(request, "habilitations/space_exists.html", {"siret": siret}, status=409)
        sirene_status, sirene_data = SireneStatus.FOUND, None
        try:
            result = sirene_lookup(siret)
        except SireneNonDiffusible:
            sirene_status = SireneStatus.NON_DIFFUSIBLE
        except SireneUnavailable:
            sirene_status = SireneStatus.UNAVAILABLE
        else:
            if result is None:
                form.add_error("siret", SIRET_UNKNOWN)
            elif not result.is_active:
                form.add_error("siret", SIRET_CLOSED)
            else:
                sirene_data = asdict(result)
        if not form.errors:
            # Kept server-side: the SIRET of step 1 cannot be swapped in step 2.
            request.session[SESSION_KEY] = {"siret": siret, "sirene_status": sirene_status, "sirene": sirene_data}
            return redirect("habilitations:create_space_account")
    return render(request, "habilitations/siret_step.html", {"form": form})


def _prefill(sirene: dict | None, communes_for) -> dict:
    if not sirene:
        return {}
    fields = establishment_fields_from_sirene(_Attributes(sirene))
    fields.pop("siret")
    communes = communes_for(fields["code_postal"])
    same_commune = [c.nom_commune for c in communes if c.code_commune == sirene.get("code_commune")]
    if same_commune:
        fields["ville"] = same_commune[0]
    return {name: value for name, value in fields.items() if value}


class _Attributes:
    """A dict read as attributes, for the selector that reads SIRENE rows."""

    def __init__(self, data: dict):
        self.__dict__.update(data)


@require_http_methods(["GET", "POST"])
def account_step(request):
    """Étape 2 : « CRÉATION DE COMPTE D'ACCÈS À L'EXTRANET ACTIVITÉ PARTIELLE »."""
    state = request.session.get(SESSION_KEY)
    if not state:
        messages.info(request, "Veuillez d'abord indiquer le numéro de Siret de l'établissement.")
        return redirect("habilitations:create_space")
    communes_for = functools.cache(communes_for_code_postal)  # one query per code postal in this request
    initial = _prefill(state["sirene"], communes_for)
    code_postal = (request.POST.get("code_postal") or initial.get("code_postal") or "").strip()
    form = AccountRequestForm(request.POST or None, initial=initial, communes=communes_for(code_postal))
    for name in initial:
        form.fields[name].widget.attrs["class"] += " apart-insee"
    if request.method == "POST" and form.is_valid():
        account_request = account_request_submit(
            establishment_fields={"siret": state["siret"], **form.establishment_fields},
            user_fields=form.user_fields,
            secret_answer=form.cleaned_data["secret_answer"],
            sirene_status=state["sirene_status"],
            sirene_data=state["sirene"],
            etat_civil_confirmed=form.cleaned_data["etat_civil_confirmed"],
            requested_by=request.user if request.user.is_authenticated else None,
        )
        account_request_process_automatically(account_request=account_request)
        del request.session[SESSION_KEY]
        request.session[DONE_SESSION_KEY] = account_request.reference
        return redirect("habilitations:create_space_done")
    context = {
        "form": form,
        "siret": state["siret"],
        "sirene_status": state["sirene_status"],
        "prefilled": bool(initial),
        "communes_url": reverse("habilitations:communes"),
    }
    return render(request, "habilitations/account_step.html", context)


@require_GET
def done(request):
    reference = request.session.get(DONE_SESSION_KEY)
    account_request = AccountRequest.objects.filter(reference=reference).select_related("user").first()
    if account_request is None:
        return redirect("habilitations:create_space")
    masked_identifiant = None
    if account_request.case == AccountRequestCase.EXISTING_APART:
        existing = account_request.user or _existing_user(account_request.courriel)
        masked_identifiant = identifiant_mask(existing.identifiant) if existing else None
    context = {"account_request": account_request, "masked_identifiant": masked_identifiant}
    return render(request, "habilitations/done.html", context)


def _existing_user(courriel):
    from accounts.models import User

    return User.objects.with_courriel(courriel).first()


@require_GET
def communes(request):
    """The communes of a code postal, for the "Ville" choice (progressive enhancement of step 2)."""
    names = list(dict.fromkeys(c.nom_commune for c in communes_for_code_postal(request.GET.get("code_postal", ""))))
    return JsonResponse({"communes": names})


# --- The employer's space: /espace/ -------------------------------------------------------------

CURRENT_SIRET_SESSION_KEY = "current_siret"
ESTABLISHMENTS_PER_PAGE = 20
SPACE_PREVIEW = 5


def _current_establishment(request, establishments):
    """The establishment the user works on: the one last opened, else the first of theirs."""
    siret = request.session.get(CURRENT_SIRET_SESSION_KEY)
    current = establishments.filter(siret=siret).first() if siret else None
    return current or establishments.first()


@login_required
def space(request):
    establishments = establishments_for_user(user=request.user)
    context = {
        "establishments": establishments[:SPACE_PREVIEW],
        "establishment_count": establishments.count(),
        "current": _current_establishment(request, establishments),
    }
    return render(request, "space/home.html", context)


@login_required
def establishment_list(request):
    query = request.GET.get("q", "").strip()
    establishments = establishments_for_user(user=request.user, query=query)
    page = Paginator(establishments, ESTABLISHMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "space/establishment_list.html", {"page": page, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def establishment_detail(request, siret):
    # A SIRET the user holds no habilitation on is a 404, never a 403 that would confirm it exists.
    establishment = get_object_or_404(establishments_for_user(user=request.user), siret=siret)
    request.session[CURRENT_SIRET_SESSION_KEY] = establishment.siret
    form = EstablishmentFicheForm(request.POST or None, instance=establishment)
    if request.method == "POST" and form.is_valid():
        establishment_fiche_update(establishment=establishment, fields=form.cleaned_data)
        messages.success(request, "La fiche établissement a été enregistrée.")
        return redirect("habilitations:establishment", siret=establishment.siret)
    # On a refused form, the saved fiche (not the typed values) tells what is still missing.
    saved = Establishment.objects.get(pk=establishment.pk)
    context = {"establishment": saved, "form": form, "missing": saved.missing_fiche_fields()}
    return render(request, "space/establishment_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def colleague_account_request(request):
    """DEMANDE CRÉATION DE COMPTE."""
    establishments = establishments_for_user(user=request.user)
    initial = {"establishment": _current_establishment(request, establishments)}
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
    return render(request, "space/colleague_account_request.html", {"form": form})


@login_required
def coming_later(request, title):
    return render(request, "space/coming_later.html", {"title": title})
