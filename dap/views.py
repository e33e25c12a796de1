"""The employer's DAP pages: « Mes Demandes d'Autorisation Préalable », the form, a DAP's page and its actions.

Thin views: the forms parse, `dap.checks` and `dap.perms` decide, `dap.services` write. A DAP of an establishment
the user does not hold is not found (404), never refused (403): its existence is not confirmed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apart.forms import add_errors
from habilitations.models import BankDetails
from habilitations.selectors import establishments_for_user

from .checks import MOTIFS_CSE_PREALABLE
from .enums import STATUTS_ACCEPTES, STATUTS_EN_COURS, Statut
from .forms import AvenantForm, ComplementForm, CseForm, DemandeForm, FiltreForm
from .perms import can_file_dap, can_send_dap
from .selectors import demande_for_user, demandes_for_user
from .services import (
    ActionRefusee,
    DemandeInvalide,
    avenant_create,
    demande_answer_complement,
    demande_cse_transmit,
    demande_delete,
    demande_save,
    demande_send,
    demande_withdraw,
    piece_jointe_add,
)

DEMANDES_PER_PAGE = 20
ENREGISTRER = "enregistrer"
ENVOYER = "envoyer"
# support.enums.TicketMotif.DAP, "Décision d'autorisation préalable" (support sits above dap: not imported).
ASSISTANCE_MOTIF = "dap"
AUCUN_ETABLISSEMENT = "Aucun établissement : votre habilitation n'est active sur aucun établissement aujourd'hui."


def _demande_or_404(request, numero):
    demande = demande_for_user(user=request.user, numero=numero)
    if demande is None:
        raise Http404
    return demande


def _posted(request):
    """The POST data, even empty (an empty form posted is a bound form, with its errors)."""
    return request.POST if request.method == "POST" else None


@login_required
def demande_list(request):
    establishments = establishments_for_user(user=request.user)
    filtres = FiltreForm(request.GET or None, establishments=establishments)
    criteria = {}
    if filtres.is_bound and filtres.is_valid():
        criteria = {
            "etablissement": filtres.cleaned_data.get("etablissement"),
            "statut": filtres.cleaned_data.get("statut"),
            "periode": filtres.periode(),
        }
    demandes = demandes_for_user(user=request.user, **criteria)
    page = Paginator(demandes, DEMANDES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "filtres": filtres, "query": query.urlencode(), "menu": "dap"}
    return render(request, "dap/demande_list.html", context)


def _chosen_establishment(request, establishments):
    """The establishment the new DAP is for: ?siret=…, else the current one, else the user's first."""
    siret = request.GET.get("siret")
    if siret:
        establishment = establishments.filter(siret=siret).first()
        if establishment is None:
            raise Http404
        return establishment
    current = request.current_establishment or establishments.first()
    if current is not None and not can_file_dap(request.user, current):
        # The current establishment's fiche is incomplete: start on one of the user's that can file, if any (the
        # form's « Établissement » still lists them all, an incomplete one refused next to it).
        return establishments.filter(fiche_complete=True).first() or current
    return current


@login_required
@require_http_methods(["GET", "POST"])
def demande_new(request):
    establishments = establishments_for_user(user=request.user)
    establishment = _chosen_establishment(request, establishments)
    if establishment is None or not (allowed := can_file_dap(request.user, establishment)):
        reason = allowed.reason if establishment is not None else AUCUN_ETABLISSEMENT
        several = establishments[:2].count() > 1
        context = {"establishment": establishment, "reason": reason, "several": several, "menu": "dap"}
        return render(request, "dap/demande_refusee.html", context)
    form = DemandeForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        establishments=establishments,
        initial={"etablissement": establishment, **_bank_initial(establishment)},
    )
    if request.method == "POST" and form.is_valid():
        return _save_and_maybe_send(request, form, demande=None)
    return _form_page(request, form, establishment=form.establishment or establishment)


def _bank_initial(establishment) -> dict:
    """The fiche's « Coordonnées bancaires », when given, as the form's starting values."""
    details = BankDetails.objects.filter(establishment=establishment).first()
    return {"iban": details.iban, "bic": details.bic, "titulaire": details.titulaire} if details else {}


def _form_page(request, form, *, establishment, demande=None):
    context = {
        "form": form,
        "establishment": establishment,
        "demande": demande,
        "can_send": can_send_dap(request.user, establishment) if establishment else False,
        "menu": "dap",
    }
    return render(request, "dap/demande_form.html", context, status=200)


def _save_and_maybe_send(request, form, *, demande):
    """ENREGISTRER: the DAP is saved Provisoire. ENVOYER: saved, then sent to the UD when the establishment is
    vérifié; otherwise it stays Provisoire and its page says how to verify the establishment."""
    establishment = form.establishment
    try:
        with transaction.atomic():
            saved = demande_save(
                by=request.user, data=form.demande_data(), establishment=establishment, demande=demande
            )
            for fichier in form.cleaned_data.get("pieces_jointes") or []:
                piece_jointe_add(demande=saved, by=request.user, fichier=fichier)
    except DemandeInvalide as exc:
        add_errors(form, exc.erreurs)
        return _form_page(request, form, establishment=establishment, demande=demande)
    except ActionRefusee as exc:
        # The chosen establishment's fiche is incomplète: said next to the choice.
        form.add_error("etablissement" if "etablissement" in form.fields else None, exc.reason)
        return _form_page(request, form, establishment=establishment, demande=demande)
    if request.POST.get("action") != ENVOYER:
        messages.success(request, f"La demande {saved.numero} est enregistrée. Elle reste provisoire.")
        return redirect("dap:detail", numero=saved.numero)
    return _send(request, saved)


def _send(request, demande):
    try:
        sent = demande_send(demande=demande, by=request.user)
    except ActionRefusee as exc:
        messages.warning(request, f"La demande {demande.numero} est enregistrée mais n'a pas été envoyée. {exc.reason}")
        return redirect("dap:detail", numero=demande.numero)
    except DemandeInvalide as exc:
        for message in exc.erreurs.values():
            messages.error(request, message)
        return redirect("dap:edit", numero=demande.numero)
    if sent.statut == Statut.ENVOYEE:
        messages.success(
            request,
            f"La demande {sent.numero} est envoyée à l'unité départementale. Accusé de réception "
            f"n° {sent.accuse_numero}.",
        )
    return redirect("dap:detail", numero=sent.numero)


@login_required
def demande_detail(request, numero):
    demande = _demande_or_404(request, numero)
    return render(request, "dap/demande_detail.html", _detail_context(request, demande))


def _detail_context(request, demande) -> dict:
    establishment = demande.establishment
    return {
        "demande": demande,
        "establishment": establishment,
        "historique": demande.historique.select_related("by"),
        "pieces_jointes": demande.pieces_jointes.all(),
        "decision": getattr(demande, "decision", None) if demande.statut in STATUTS_ACCEPTES else None,
        "parent": demande.parent,
        "avenants": demande.avenants.all(),
        "can_send": can_send_dap(request.user, establishment),
        "en_cours": demande.statut in STATUTS_EN_COURS,
        "acceptee": demande.statut in STATUTS_ACCEPTES,
        "complement": demande.statut == Statut.COMPLEMENT,
        "complement_message": _complement_message(demande),
        "complement_form": ComplementForm(),
        # R5122-2: for a sinistre or another exceptional circumstance, the CSE's opinion may follow the DAP.
        "cse_later": not demande.is_editable
        and demande.date_consultation_cse is None
        and demande.motif not in MOTIFS_CSE_PREALABLE,
        "cse_form": CseForm(),
        "assistance_url": _assistance_url(demande),
        "menu": "dap",
    }


def _complement_message(demande) -> str:
    if demande.statut != Statut.COMPLEMENT:
        return ""
    line = demande.historique.filter(to_statut=Statut.COMPLEMENT).order_by("-at", "-id").first()
    return line.comment if line else ""


def _assistance_url(demande) -> str:
    from urllib.parse import urlencode

    query = urlencode({"motif": ASSISTANCE_MOTIF, "reference": demande.numero})
    return f"{reverse('support:assistance')}?{query}"


@login_required
@require_http_methods(["GET", "POST"])
def demande_edit(request, numero):
    demande = _demande_or_404(request, numero)
    if not demande.is_editable:
        messages.info(request, "Cette demande n'est plus provisoire : elle ne peut plus être modifiée.")
        return redirect("dap:detail", numero=demande.numero)
    establishments = establishments_for_user(user=request.user)
    if not (allowed := can_file_dap(request.user, demande.establishment)):
        context = {"establishment": demande.establishment, "reason": allowed.reason, "menu": "dap"}
        return render(request, "dap/demande_refusee.html", context)
    initial = {field: getattr(demande, field) for field in DemandeForm.base_fields if hasattr(demande, field)}
    initial.pop("pieces_jointes", None)
    form = DemandeForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        establishments=establishments,
        demande=demande,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        return _save_and_maybe_send(request, form, demande=demande)
    return _form_page(request, form, establishment=demande.establishment, demande=demande)


@login_required
@require_POST
def demande_send_view(request, numero):
    demande = _demande_or_404(request, numero)
    return _send(request, demande)


CONFIRMATIONS = {
    "delete": (
        "Supprimer la demande",
        "La demande provisoire et ses pièces jointes seront supprimées définitivement.",
    ),
    "withdraw": (
        "Retirer la demande",
        "L'unité départementale n'instruira plus cette demande : elle ne pourra pas être autorisée.",
    ),
}


def _confirm_page(request, demande, action: str):
    """A destructive action is confirmed on a page of its own (also reached without JavaScript)."""
    title, consequence = CONFIRMATIONS[action]
    context = {"demande": demande, "action": action, "title": title, "consequence": consequence, "menu": "dap"}
    return render(request, "dap/demande_confirm.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def demande_delete_view(request, numero):
    demande = _demande_or_404(request, numero)
    if request.method == "GET":
        return _confirm_page(request, demande, "delete")
    try:
        deleted = demande_delete(demande=demande, by=request.user)
    except ActionRefusee as exc:
        messages.error(request, exc.reason)
        return redirect("dap:detail", numero=demande.numero)
    if not deleted:
        messages.error(request, "Cette demande n'est plus provisoire : elle ne peut pas être supprimée.")
        return redirect("dap:detail", numero=demande.numero)
    messages.success(request, f"La demande {numero} est supprimée.")
    return redirect("dap:list")


@login_required
@require_http_methods(["GET", "POST"])
def demande_withdraw_view(request, numero):
    demande = _demande_or_404(request, numero)
    if request.method == "GET":
        return _confirm_page(request, demande, "withdraw")
    try:
        withdrawn = demande_withdraw(demande=demande, by=request.user)
    except ActionRefusee as exc:
        messages.error(request, exc.reason)
        return redirect("dap:detail", numero=demande.numero)
    if withdrawn.statut == Statut.RETIREE:
        messages.success(request, f"La demande {numero} est retirée.")
    else:
        messages.error(request, "Cette demande ne peut plus être retirée : elle a déjà été décidée.")
    return redirect("dap:detail", numero=demande.numero)


@login_required
@require_POST
def demande_complement_view(request, numero):
    demande = _demande_or_404(request, numero)
    form = ComplementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            with transaction.atomic():
                for fichier in form.cleaned_data.get("pieces_jointes") or []:
                    piece_jointe_add(demande=demande, by=request.user, fichier=fichier)
                answered = demande_answer_complement(
                    demande=demande, by=request.user, reponse=form.cleaned_data["reponse"]
                )
        except DemandeInvalide as exc:
            add_errors(form, exc.erreurs)
        except ActionRefusee as exc:
            form.add_error(None, exc.reason)
        else:
            if answered.statut == Statut.ENVOYEE:
                messages.success(request, "Votre réponse est transmise à l'unité départementale.")
            return redirect("dap:detail", numero=demande.numero)
    return _detail_with(request, demande, complement_form=form)


@login_required
@require_POST
def demande_cse_view(request, numero):
    demande = _demande_or_404(request, numero)
    form = CseForm(request.POST)
    if form.is_valid():
        try:
            demande_cse_transmit(
                demande=demande, by=request.user, date_consultation_cse=form.cleaned_data["date_consultation_cse"]
            )
        except DemandeInvalide as exc:
            add_errors(form, exc.erreurs)
        except ActionRefusee as exc:
            form.add_error(None, exc.reason)
        else:
            messages.success(request, "La date de consultation du CSE est transmise.")
            return redirect("dap:detail", numero=demande.numero)
    return _detail_with(request, demande, cse_form=form)


def _detail_with(request, demande, **forms):
    """The DAP's page again, with a refused form and its errors."""
    return render(request, "dap/demande_detail.html", {**_detail_context(request, demande), **forms})


@login_required
@require_http_methods(["GET", "POST"])
def avenant_new(request, numero):
    demande = _demande_or_404(request, numero)
    if demande.statut not in STATUTS_ACCEPTES:
        messages.error(request, "Un avenant ne peut être demandé que pour une demande acceptée.")
        return redirect("dap:detail", numero=demande.numero)
    decision = getattr(demande, "decision", None)
    form = AvenantForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            avenant = avenant_create(demande=demande, by=request.user, **form.cleaned_data)
        except DemandeInvalide as exc:
            add_errors(form, exc.erreurs)
        except ActionRefusee as exc:
            form.add_error(None, exc.reason)
        else:
            messages.success(
                request,
                f"L'avenant {avenant.numero} est enregistré. Il reste provisoire : vérifiez-le puis envoyez-le.",
            )
            return redirect("dap:detail", numero=avenant.numero)
    context = {"demande": demande, "decision": decision, "form": form, "menu": "dap"}
    return render(request, "dap/demande_avenant.html", context)
