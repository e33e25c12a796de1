"""The UD agents' back office: the queue of the DAPs of their départements, a DAP's page and its decisions; the queue
of the demandes d'indemnisation (DI), a DI's page, Valider and Invalider."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.views.decorators.http import require_POST

from accounts.roles import is_agent_ud
from apart.forms import add_errors
from dap.enums import STATUTS_EN_COURS, Statut
from dap.services import DemandeInvalide
from indemnisation import services as di_services
from indemnisation.enums import Controle
from indemnisation.enums import Statut as StatutDI
from referentiels.departements import DEPARTEMENTS

from . import selectors
from .forms import AccordForm, ComplementForm, DiQueueFilterForm, InvalidationForm, QueueFilterForm, RefusForm
from .models import AgentUD
from .services import instruction_accept, instruction_refuse, instruction_request_complement

PAGE_SIZE = 25  # a screen and a half; the queue stays under 50 ms with 100 000 DAPs (bench/bench_dap_lists.py)

DEJA_DECIDEE = "Cette demande a déjà été décidée ({statut}) : rien n'a été modifié."
RETIREE = "Cette demande a été retirée par l'employeur : elle ne peut plus être décidée. Rien n'a été modifié."
COMPLEMENT_IMPOSSIBLE = (
    "Un complément ne peut être demandé que sur une demande envoyée à l'UD ({statut}) : rien n'a été modifié."
)


def agent_required(view):
    """Logged in (else the login page) and a UD agent: anyone else gets a 404, as a page they cannot know of."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_agent_ud(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _departements(request) -> list[str]:
    agent = AgentUD.objects.filter(user=request.user).prefetch_related("departements").first()
    return agent.departement_codes if agent else []


@agent_required
def home(request):
    """The queue: the DAPs to decide, the nearest implicit acceptance first, with the days left and each
    establishment's past DAPs."""
    codes = _departements(request)
    form = QueueFilterForm(request.GET or None, departements=codes)
    filtres = form.cleaned_data if form.is_valid() else {}
    statut = filtres.get("statut") or selectors.STATUT_FILTRE_DEFAUT
    queryset = selectors.demandes_for_agent(
        departements=codes,
        statut=statut,
        departement=filtres.get("departement") or None,
        motif=filtres.get("motif") or None,
        recherche=filtres.get("recherche") or "",
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    demandes = list(page.object_list)
    passe = selectors.passe_des_etablissements(demande.establishment_id for demande in demandes)
    for demande in demandes:
        demande.delai = delai_label(selectors.jours_restants(demande, today))
        demande.passe = passe_label(passe.get(demande.establishment_id))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "departements": [(code, DEPARTEMENTS[code]) for code in codes],
        "form": form,
        "page": page,
        "demandes": demandes,
        "statut": statut,
        "query": query.urlencode(),
        "menu": "instruction",
    }
    return render(request, "instruction/home.html", context)


def delai_label(jours: int | None) -> str:
    if jours is None:
        return "—"
    if jours < 0:
        return "Délai dépassé"
    if jours == 0:
        return "Dernier jour"
    return f"{jours} jour{'s' if jours > 1 else ''}"


def passe_label(passe: dict | None) -> str:
    """« 2 autres demandes, 1 acceptée (120,00 h autorisées) »: the establishment's DAPs other than this one."""
    autres = (passe or {}).get("envoyees", 1) - 1
    if autres <= 0:
        return "Aucune autre demande"
    acceptees = passe["acceptees"]
    text = f"{autres} autre{'s' if autres > 1 else ''} demande{'s' if autres > 1 else ''}, "
    text += f"{acceptees} acceptée{'s' if acceptees > 1 else ''}"
    if passe["heures"]:
        text += f" ({formats.number_format(passe['heures'], 2)} h autorisées)"
    return text


def _demande_or_404(request, numero):
    demande = selectors.demande_for_agent(departements=_departements(request), numero=numero)
    if demande is None:
        raise Http404
    return demande


def iban_masque(iban: str) -> str:
    """Every character hidden but the last 4 (kept together, the way an agent reads them to the employer)."""
    if not iban:
        return "—"
    hidden = "•" * (len(iban) - 4)
    return " ".join([*(hidden[i : i + 4] for i in range(0, len(hidden), 4)), iban[-4:]])


def _render_demande(request, demande, *, accord=None, refus=None, complement=None):
    today = timezone.localdate()
    demande.jours_restants = selectors.jours_restants(demande, today)
    context = {
        "demande": demande,
        "establishment": demande.establishment,
        "decision": getattr(demande, "decision", None) if demande.statut != Statut.REFUSEE else None,
        "historique": demande.historique.select_related("by").all(),
        "pieces_jointes": demande.pieces_jointes.all(),
        "passees": selectors.demandes_passees(demande),
        "iban_masque": iban_masque(demande.iban),
        "a_decider": demande.statut in STATUTS_EN_COURS,
        "complement_possible": demande.statut == Statut.ENVOYEE,
        "accord_form": accord or AccordForm(demande=demande),
        "refus_form": refus or RefusForm(),
        "complement_form": complement or ComplementForm(),
        "menu": "instruction",
    }
    return render(request, "instruction/demande.html", context)


@agent_required
def demande_detail(request, numero):
    return _render_demande(request, _demande_or_404(request, numero))


def _not_done(request, demande, *, complement=False):
    """The French reason nothing was done (the DAP changed meanwhile: decided, withdrawn…)."""
    demande.refresh_from_db()
    if demande.statut == Statut.RETIREE:
        message = RETIREE
    elif complement and demande.statut != Statut.ENVOYEE and demande.statut in STATUTS_EN_COURS:
        message = COMPLEMENT_IMPOSSIBLE.format(statut=demande.get_statut_display())
    else:
        message = DEJA_DECIDEE.format(statut=demande.get_statut_display())
    messages.error(request, message)
    return redirect("instruction:demande", numero=demande.numero)


@require_POST
@agent_required
def demande_accorder(request, numero):
    demande = _demande_or_404(request, numero)
    form = AccordForm(request.POST)
    if form.is_valid():
        try:
            decision = instruction_accept(demande=demande, by=request.user, **form.cleaned_data)
        except DemandeInvalide as error:
            add_errors(form, error.erreurs)
        else:
            if decision is None:
                return _not_done(request, demande)
            messages.success(request, f"Demande accordée : décision n° {decision.numero} émise.")
            return redirect("instruction:demande", numero=demande.numero)
    return _render_demande(request, demande, accord=form)


@require_POST
@agent_required
def demande_refuser(request, numero):
    demande = _demande_or_404(request, numero)
    form = RefusForm(request.POST)
    if form.is_valid():
        try:
            done = instruction_refuse(demande=demande, by=request.user, motif=form.cleaned_data["motif_refus"])
        except DemandeInvalide as error:
            add_errors(form, error.erreurs)
        else:
            if not done:
                return _not_done(request, demande)
            messages.success(request, "Demande refusée : l'employeur en est informé par courriel.")
            return redirect("instruction:demande", numero=demande.numero)
    return _render_demande(request, demande, refus=form)


@require_POST
@agent_required
def demande_complement(request, numero):
    demande = _demande_or_404(request, numero)
    form = ComplementForm(request.POST)
    if form.is_valid():
        try:
            done = instruction_request_complement(
                demande=demande, by=request.user, message=form.cleaned_data["message"]
            )
        except DemandeInvalide as error:
            add_errors(form, error.erreurs)
        else:
            if not done:
                return _not_done(request, demande, complement=True)
            messages.success(request, "Complément demandé : l'employeur en est informé par courriel.")
            return redirect("instruction:demande", numero=demande.numero)
    return _render_demande(request, demande, complement=form)


@agent_required
def piece_jointe(request, numero, pk):
    """A document of a DAP of the agent's départements, served by the application (never a public media URL)."""
    demande = _demande_or_404(request, numero)
    piece = demande.pieces_jointes.filter(pk=pk).first()
    if piece is None:
        raise Http404
    response = FileResponse(
        piece.fichier.open("rb"), as_attachment=True, filename=piece.nom, content_type=piece.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- The demandes d'indemnisation (DI) --------------------------------------------------------------------------------

DI_DEJA_INSTRUITE = "Cette demande d'indemnisation n'est plus à instruire ({statut}) : rien n'a été modifié."
DI_VALIDEE = (
    "Demande d'indemnisation validée : elle sera payée au prochain virement. L'employeur en est informé par courriel."
)
DI_INVALIDEE = "Demande d'indemnisation invalidée : l'employeur en est informé par courriel et peut la corriger."


@agent_required
def di_queue(request):
    """The DIs of the agent's départements, the oldest sent first; those sent and waiting by default."""
    codes = _departements(request)
    form = DiQueueFilterForm(request.GET or None, departements=codes)
    filtres = form.cleaned_data if form.is_valid() else {}
    statut = filtres.get("statut") or selectors.DI_STATUT_FILTRE_DEFAUT
    queryset = selectors.demandes_indemnisation_for_agent(
        departements=codes,
        statut=statut,
        departement=filtres.get("departement") or None,
        recherche=filtres.get("recherche") or "",
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "departements": [(code, DEPARTEMENTS[code]) for code in codes],
        "form": form,
        "page": page,
        "demandes": page.object_list,
        "statut": statut,
        "query": query.urlencode(),
        "menu": "instruction",
    }
    return render(request, "instruction/di_queue.html", context)


def _di_or_404(request, numero):
    demande = selectors.demande_indemnisation_for_agent(departements=_departements(request), numero=numero)
    if demande is None:
        raise Http404
    return demande


def controle_lines(demande) -> list[dict]:
    """The DI's flagged control lines with their French labels (an unknown code, from an older version, as is)."""
    labels = dict(Controle.choices)
    return [
        {
            "code": line.get("code", ""),
            "label": labels.get(line.get("code"), line.get("code", "")),
            "detail": line.get("detail", ""),
        }
        for line in demande.controles or []
    ]


def _render_di(request, demande, *, invalidation=None):
    decision = demande.decision
    context = {
        "demande": demande,
        "establishment": demande.establishment,
        "decision": decision,
        "dap": decision.demande,
        "controles": controle_lines(demande),
        "salaries": demande.salaries.all(),
        "historique": demande.historique.select_related("by").all(),
        "a_instruire": demande.statut == StatutDI.ENVOYEE,
        "invalidation_form": invalidation or InvalidationForm(),
        "menu": "instruction",
    }
    return render(request, "instruction/di_demande.html", context)


@agent_required
def di_detail(request, numero):
    return _render_di(request, _di_or_404(request, numero))


def _di_not_done(request, demande):
    demande.refresh_from_db(fields=["statut"])
    messages.error(request, DI_DEJA_INSTRUITE.format(statut=demande.get_statut_display()))
    return redirect("instruction:di", numero=demande.numero)


def _done(result, statut, request, now) -> bool:
    """Whether this request made the transition (the service leaves a DI in another status as it is)."""
    return result.statut == statut and result.decided_by_id == request.user.pk and result.decided_at == now


@require_POST
@agent_required
def di_valider(request, numero):
    demande = _di_or_404(request, numero)
    if demande.statut != StatutDI.ENVOYEE:
        return _di_not_done(request, demande)
    now = timezone.now()
    result = di_services.demande_validate(demande=demande, by=request.user, now=now)
    if not _done(result, StatutDI.VALIDEE, request, now):
        return _di_not_done(request, demande)
    messages.success(request, DI_VALIDEE)
    return redirect("instruction:di", numero=demande.numero)


@require_POST
@agent_required
def di_invalider(request, numero):
    demande = _di_or_404(request, numero)
    if demande.statut != StatutDI.ENVOYEE:
        return _di_not_done(request, demande)
    form = InvalidationForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        try:
            result = di_services.demande_invalidate(
                demande=demande, by=request.user, motif=form.cleaned_data["motif"], now=now
            )
        except di_services.DemandeInvalide as error:
            add_errors(form, error.erreurs)
        else:
            if not _done(result, StatutDI.INVALIDEE, request, now):
                return _di_not_done(request, demande)
            messages.success(request, DI_INVALIDEE)
            return redirect("instruction:di", numero=demande.numero)
    return _render_di(request, demande, invalidation=form)
