"""The employer's décisions d'autorisation (list, page, PDF) and the PDF of a DAP's accusé de réception.

Every read goes through the selectors (the user's habilitations): a foreign number answers 404, as an unknown one.
"""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from habilitations.selectors import establishments_for_user

from .enums import Statut
from .pdf import accuse_reception_pdf, decision_pdf
from .selectors import decision_for_user, decisions_for_user, demande_for_user

DECISIONS_PER_PAGE = 20
DATE_ILLISIBLE = "La date doit être au format JJ/MM/AAAA, par exemple 01/12/2026."
PERIODE_INVERSEE = "La date de fin de la période doit être postérieure ou égale à sa date de début."


def _date(value: str) -> datetime.date | None:
    """An ISO date (`<input type="date">`) or a French one (01/12/2026); None when empty or unreadable."""
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def decision_list(request):
    establishments = establishments_for_user(user=request.user)
    siret = request.GET.get("etablissement", "").strip()
    etablissement = establishments.filter(siret=siret).first() if siret else None
    raw = {name: request.GET.get(name, "").strip() for name in ("debut", "fin")}
    debut, fin = _date(raw["debut"]), _date(raw["fin"])
    errors = {name: DATE_ILLISIBLE for name, value in raw.items() if value and _date(value) is None}
    if debut and fin and fin < debut:
        errors["fin"] = PERIODE_INVERSEE
    periode = None
    if (debut or fin) and not errors:
        periode = (debut or datetime.date.min, fin or datetime.date.max)
    decisions = decisions_for_user(user=request.user, etablissement=etablissement, periode=periode)
    if siret and etablissement is None:
        decisions = decisions.none()  # an establishment the user does not hold: nothing, never someone else's
    page = Paginator(decisions, DECISIONS_PER_PAGE).get_page(request.GET.get("page"))
    filters = {
        "etablissement": siret,
        "debut": debut.isoformat() if debut else raw["debut"],
        "fin": fin.isoformat() if fin else raw["fin"],
    }
    query = urlencode({key: value for key, value in filters.items() if value})
    context = {
        "page": page,
        "establishments": establishments if establishments.count() > 1 else None,
        "filters": filters,
        "errors": errors,
        "query": query,
        "menu": "decisions",
    }
    return render(request, "dap/decision_list.html", context)


@login_required
@require_safe
def decision_detail(request, numero):
    decision = decision_for_user(user=request.user, numero=numero)
    if decision is None:
        raise Http404
    return render(request, "dap/decision_detail.html", {"decision": decision, "menu": "decisions"})


@login_required
@require_safe
def decision_pdf_view(request, numero):
    decision = decision_for_user(user=request.user, numero=numero)
    if decision is None:
        raise Http404
    return _pdf_response(decision_pdf(decision), f"decision-{decision.numero}.pdf")


@login_required
@require_safe
def accuse_reception_pdf_view(request, numero):
    demande = demande_for_user(user=request.user, numero=numero)
    if demande is None or demande.statut == Statut.PROVISOIRE:
        raise Http404  # a DAP not sent has no accusé de réception
    return _pdf_response(accuse_reception_pdf(demande), f"accuse-reception-{demande.numero}.pdf")
