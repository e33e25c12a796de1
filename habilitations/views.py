"""CRÉER MON ESPACE: the SIRET step, the account form, and the confirmation."""

import functools
from dataclasses import asdict

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.credentials import identifiant_mask
from apart.ratelimit import Limit, limit_hit
from referentiels.codes_postaux import communes_for_code_postal
from referentiels.sirene import SireneNonDiffusible, SireneUnavailable, sirene_lookup

from .enums import AccountRequestCase, AccountRequestStatus, SireneStatus
from .forms import AccountRequestForm, SiretForm
from .models import AccountRequest, Establishment
from .selectors import SireneFiche, establishment_fields_from_sirene
from .services import account_request_process_automatically, account_request_submit

SESSION_KEY = "creer_mon_espace"
DONE_SESSION_KEY = "creer_mon_espace_reference"

SIRET_UNKNOWN = "Ce numéro de Siret est inconnu du répertoire SIRENE de l'INSEE. Vérifiez votre saisie."
CREATE_SPACE_RATE_LIMITED = (
    "Trop de demandes de création d'espace ont été envoyées depuis votre connexion. Votre demande n'a pas été "
    "enregistrée : réessayez dans une heure."
)
SIRET_CLOSED = (
    "Cet établissement est fermé selon le répertoire SIRENE de l'INSEE : il n'est pas possible de lui créer un espace."
)


@require_http_methods(["GET", "POST"])
def siret_step(request):
    """Étape 1 : le Siret, le code de sécurité et les conditions générales d'utilisation."""
    form = SiretForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        siret = form.cleaned_data["siret"]
        # A space still non vérifié may be claimed again (the activation letters decide); a vérifié one may not.
        if Establishment.objects.filter(siret=siret).exclude(verification="").exists():
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


def _prefill(sirene: dict | None, communes_for) -> SireneFiche:
    """Step 2's fields as INSEE knows them (none when SIRENE could not tell)."""
    if not sirene:
        return SireneFiche(fields={})
    fiche = establishment_fields_from_sirene(_Attributes(sirene), communes=communes_for(sirene["code_postal"]))
    fields = {name: value for name, value in fiche.fields.items() if value and name not in ("siret", "code_commune")}
    return SireneFiche(fields=fields, shortened=fiche.shortened)


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
    prefill = _prefill(state["sirene"], communes_for)
    initial = {name: value for name, value in prefill.fields.items() if name != "enseigne"}
    code_postal = (request.POST.get("code_postal") or initial.get("code_postal") or "").strip()
    form = AccountRequestForm(
        request.POST or None,
        initial=initial,
        communes=communes_for(code_postal),
        enseigne=prefill.fields.get("enseigne", ""),
    )
    for name in initial:
        form.fields[name].widget.attrs["class"] += " apart-insee"
    for name, value in prefill.shortened.items():
        form.fields[
            name
        ].help_text = (
            f"{form.fields[name].help_text} — raccourci depuis le répertoire SIRENE (« {value} ») : vérifiez-le."
        )
    if request.method == "POST" and _create_space_limited(request):
        # The typed values are shown again, but nothing was checked: only the rate-limit message.
        form.is_valid()
        form.errors.clear()
        form.add_error(None, CREATE_SPACE_RATE_LIMITED)
    elif request.method == "POST" and form.is_valid():
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
        "enseigne": form.enseigne,
        "sirene_status": state["sirene_status"],
        "prefilled": bool(initial),
        "communes_url": reverse("habilitations:communes"),
    }
    return render(request, "habilitations/account_step.html", context, status=429 if _limited(form) else 200)


def _limited(form) -> bool:
    return CREATE_SPACE_RATE_LIMITED in form.non_field_errors()


def _create_space_limited(request) -> bool:
    """Each submission of step 2 counts, per client IP and per hour (CREATE_SPACE_RATE_LIMIT_PER_IP)."""
    limit = Limit(
        "create_space:ip", get_client_ip_address(request) or "", settings.CREATE_SPACE_RATE_LIMIT_PER_IP, 3600
    )
    return limit_hit(limit)


def _identity_matches(account_request: AccountRequest) -> bool:
    checks = {check["code"]: check["passed"] for check in account_request.checks or []}
    return checks.get("identity") is True


@require_GET
def done(request):
    reference = request.session.get(DONE_SESSION_KEY)
    account_request = AccountRequest.objects.filter(reference=reference).select_related("user", "requested_by").first()
    if account_request is None:
        return redirect("habilitations:create_space")
    # The existing account is hinted at only once the request is approved and the name typed is the account's:
    # otherwise anyone typing a courriel would learn that it has an account. Every other case reads the same page.
    masked_identifiant = None
    if (
        account_request.case == AccountRequestCase.EXISTING_APART
        and account_request.status == AccountRequestStatus.APPROVED
        and account_request.user is not None
        and _identity_matches(account_request)
    ):
        masked_identifiant = identifiant_mask(account_request.user.identifiant)
    requester = account_request.requested_by
    context = {
        "account_request": account_request,
        "masked_identifiant": masked_identifiant,
        # DEMANDE CRÉATION DE COMPTE: the e-mails go to the colleague, not to the user reading this page.
        "for_someone_else": requester is not None and requester.courriel != account_request.courriel,
    }
    return render(request, "habilitations/done.html", context)


@require_GET
def communes(request):
    """The communes of a code postal, for the "Ville" choice (progressive enhancement of step 2)."""
    names = list(dict.fromkeys(c.nom_commune for c in communes_for_code_postal(request.GET.get("code_postal", ""))))
    return JsonResponse({"communes": names})
