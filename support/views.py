from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apart.ratelimit import limit_give_back, limit_take
from dap.selectors import decision_for_user, demande_for_user
from referentiels.selectors import sirene_etablissement_get
from referentiels.validators import clean_siret

from .enums import TicketMotif
from .forms import AssistanceRequestForm, TicketReplyForm
from .models import Article, Ticket
from .selectors import articles_by_category, articles_search
from .services import (
    ASSISTANCE_IP_LIMITED,
    ASSISTANCE_RECIPIENT_LIMITED,
    TICKET_REPLY_LIMITED,
    TicketClosed,
    TicketLinkExpired,
    TicketLinkInvalid,
    assistance_ip_limit,
    assistance_recipient_limit,
    ticket_create,
    ticket_from_reply_token,
    ticket_reply_limit,
    ticket_requester_reply,
)

TICKET_DONE_SESSION_KEY = "assistance_reference"


def _layout(request) -> str:
    """The help pages keep the space's menu for a logged-in user."""
    return "espace/base.html" if request.user.is_authenticated else "base.html"


# --- BESOIN D'AIDE ? : the knowledge base --------------------------------------------------------


@require_GET
def help_home(request):
    query = request.GET.get("q", "").strip()
    context = {
        "layout": _layout(request),
        "query": query,
        "results": articles_search(query=query) if query else None,
        "categories": None if query else articles_by_category(),
    }
    return render(request, "support/help.html", context)


@require_GET
def article_detail(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    related = Article.objects.published().filter(category=article.category).exclude(pk=article.pk)
    context = {"layout": _layout(request), "article": article, "related": related}
    return render(request, "support/article.html", context)


# --- Formulaire de demande d'assistance ----------------------------------------------------------


def _initial(request) -> dict:
    """Pre-filled from the logged-in user and their current establishment, then from the query string
    (?siret=…&motif=habilitation, the dead ends of CRÉER MON ESPACE and of the credential recovery)."""
    initial = {}
    user = request.user
    if user.is_authenticated:
        initial.update(nom_prenom=f"{user.nom} {user.prenom}".strip(), telephone=user.telephone, courriel=user.courriel)
        establishment = getattr(request, "current_establishment", None)
        if establishment:
            initial.update(siret=establishment.siret, denomination=establishment.denomination)
    siret = clean_siret(request.GET.get("siret", ""))[:14]
    if siret.isdigit() and siret != initial.get("siret"):
        etablissement = sirene_etablissement_get(siret=siret)
        initial.update(siret=siret, denomination=etablissement.denomination if etablissement else "")
    motif = request.GET.get("motif", "")
    if motif in TicketMotif.values:
        initial["motif"] = motif
    initial.update(_reference_initial(request.user, request.GET.get("reference", "")))
    return {name: value for name, value in initial.items() if value}


def _reference_initial(user, reference: str) -> dict:
    """?reference=<numéro> of a DAP or a décision page ("Besoin d'aide sur cette demande ?"): its motif, its
    establishment and a first line naming it. Only a number the logged-in user may see; any other is ignored (the
    form never tells whether a foreign number exists)."""
    reference = reference.strip()[:32]
    if not reference or not user.is_authenticated:
        return {}
    if decision := decision_for_user(user=user, numero=reference):
        establishment = decision.demande.establishment
        motif = TicketMotif.DECISION_AUTORISATION
        line = f"Décision d'autorisation n° {decision.numero} (demande {decision.demande.numero}) : "
    elif demande := demande_for_user(user=user, numero=reference):
        establishment = demande.establishment
        motif = TicketMotif.DAP
        line = f"Demande d'autorisation préalable n° {demande.numero} : "
    else:
        return {}
    return {
        "motif": motif,
        "siret": establishment.siret,
        "denomination": establishment.denomination,
        "description": line,
    }


@require_http_methods(["GET", "POST"])
def assistance(request):
    form = AssistanceRequestForm(request.POST or None, initial=_initial(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        per_ip = assistance_ip_limit(ip_address=get_client_ip_address(request))
        per_recipient = assistance_recipient_limit(courriel=form.cleaned_data["courriel"])
        # Taken before the ticket (atomic: concurrent requests cannot all pass), given back if refused or failed:
        # only accepted requests count.
        exceeded = limit_take(per_ip, per_recipient)
        if exceeded == per_ip:
            form.add_error(None, ASSISTANCE_IP_LIMITED)
            status = 429
        elif exceeded == per_recipient:
            form.add_error("courriel", ASSISTANCE_RECIPIENT_LIMITED)
            status = 429
        else:
            try:
                ticket = ticket_create(**form.ticket_fields, user=request.user)
            except Exception:
                limit_give_back(per_ip, per_recipient)
                raise
            request.session[TICKET_DONE_SESSION_KEY] = ticket.reference
            return redirect("support:assistance_done")
    context = {"layout": _layout(request), "form": form}
    return render(request, "support/assistance.html", context, status=status)


@require_GET
def assistance_done(request):
    ticket = Ticket.objects.filter(reference=request.session.get(TICKET_DONE_SESSION_KEY) or "").first()
    if ticket is None:
        return redirect("support:assistance")
    return render(request, "support/assistance_done.html", {"layout": _layout(request), "ticket": ticket})


# --- The requester's reply, from the signed link of an e-mail ---------------------------------------
# As Django's PasswordResetConfirmView: the link's token moves to the session and the page is served at a URL
# without it, so the token never sits in access logs, browser history or a Referer header.

TICKET_REPLY_SESSION_KEY = "assistance_reply_token"


def _link_refused(request, expired: bool):
    return render(request, "support/ticket_link_invalid.html", {"expired": expired}, status=410 if expired else 404)


@require_http_methods(["GET", "POST"])
def ticket_reply(request, token):
    try:
        ticket_from_reply_token(token=token)
    except TicketLinkExpired:
        return _link_refused(request, expired=True)
    except TicketLinkInvalid:
        return _link_refused(request, expired=False)
    request.session[TICKET_REPLY_SESSION_KEY] = token
    return redirect("support:ticket_reply_form")


@require_http_methods(["GET", "POST"])
def ticket_reply_form(request):
    try:
        ticket = ticket_from_reply_token(token=request.session.get(TICKET_REPLY_SESSION_KEY) or "")
    except TicketLinkExpired:
        return _link_refused(request, expired=True)
    except TicketLinkInvalid:
        return _link_refused(request, expired=False)
    form = TicketReplyForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        limit = ticket_reply_limit(ticket=ticket)
        if limit_take(limit):
            form.add_error("body", TICKET_REPLY_LIMITED)
            status = 429
        else:
            try:
                ticket_requester_reply(ticket=ticket, body=form.cleaned_data["body"])
            except TicketClosed:
                limit_give_back(limit)  # only accepted replies count
            except Exception:
                limit_give_back(limit)
                raise
            else:
                messages.success(
                    request,
                    f"Votre réponse a bien été ajoutée à la demande {ticket.reference}. L'assistance vous répondra "
                    "par courriel.",
                )
                return redirect("support:ticket_reply_form")
            ticket.refresh_from_db()
    history = ticket.messages.all()
    context = {"ticket": ticket, "form": form, "history": history}
    return render(request, "support/ticket_reply.html", context, status=status)
