"""Reads of the UD agents: the DAPs of their départements (the establishment's, when the DAP was sent), never others."""

import datetime

from django.db.models import Count, Q, QuerySet, Sum

from dap.enums import STATUTS_ACCEPTES, STATUTS_EN_COURS, Statut
from dap.models import DemandeAutorisation
from indemnisation.enums import Statut as StatutDI
from indemnisation.models import DemandeIndemnisation

# The queue's filter « statut »: its value → the statuses it shows.
STATUT_FILTRES = {
    "a_instruire": (Statut.ENVOYEE,),
    "complement": (Statut.COMPLEMENT,),
    "decidees": (*STATUTS_ACCEPTES, Statut.REFUSEE),
    "retirees": (Statut.RETIREE,),
    "toutes": (Statut.ENVOYEE, Statut.COMPLEMENT, *STATUTS_ACCEPTES, Statut.REFUSEE, Statut.RETIREE),
}
STATUT_FILTRE_DEFAUT = "a_instruire"


def demandes_for_agent(
    *,
    departements,
    statut: str = STATUT_FILTRE_DEFAUT,
    departement: str | None = None,
    motif: str | None = None,
    recherche: str = "",
) -> QuerySet[DemandeAutorisation]:
    """The sent DAPs (never a Provisoire one) of the agent's départements, the nearest implicit-acceptance date
    first (those awaiting a complément have none: then the oldest sent first)."""
    codes = [departement] if departement in departements else list(departements)
    # The département is stored on the DAP when it is sent (dap.services.demande_send): one indexed column.
    queryset = DemandeAutorisation.objects.filter(departement__in=codes).filter(
        statut__in=STATUT_FILTRES.get(statut, STATUT_FILTRES[STATUT_FILTRE_DEFAUT])
    )
    if motif:
        queryset = queryset.filter(motif=motif)
    if recherche := (recherche or "").strip().replace(" ", ""):
        queryset = queryset.filter(
            Q(numero__iexact=recherche) | Q(establishment__siret=recherche) | Q(establishment__siren=recherche)
        )
    # NULLs (complément) come last in PostgreSQL's ascending order. The establishments of the page only, in a second
    # query: a join would be made for every waiting DAP of the départements before the sort keeps 50.
    return queryset.prefetch_related("establishment").order_by("implicit_acceptance_on", "sent_at", "id")


def demande_for_agent(*, departements, numero: str) -> DemandeAutorisation | None:
    """One sent DAP of the agent's départements, or None (the page answers 404)."""
    return (
        DemandeAutorisation.objects.filter(departement__in=list(departements), numero=numero)
        .exclude(statut=Statut.PROVISOIRE)
        .select_related("establishment", "parent", "sent_by", "decided_by")
        .first()
    )


def passe_des_etablissements(establishment_ids) -> dict[int, dict]:
    """For each establishment: how many DAPs it sent before, how many were accepted, and the hours authorised by
    their décisions. One query for a page of the queue."""
    rows = (
        DemandeAutorisation.objects.filter(establishment_id__in=set(establishment_ids))
        .exclude(statut=Statut.PROVISOIRE)
        .values("establishment_id")
        .annotate(
            envoyees=Count("id"),
            acceptees=Count("id", filter=Q(statut__in=STATUTS_ACCEPTES)),
            heures=Sum("decision__heures_autorisees"),
        )
    )
    return {row["establishment_id"]: row for row in rows}


def demandes_passees(demande: DemandeAutorisation) -> QuerySet[DemandeAutorisation]:
    """The establishment's other sent DAPs, newest first, with their décisions (hours authorised)."""
    return (
        DemandeAutorisation.objects.filter(establishment_id=demande.establishment_id)
        .exclude(pk=demande.pk)
        .exclude(statut=Statut.PROVISOIRE)
        .select_related("decision")
        .order_by("-sent_at", "-id")
    )


def jours_restants(demande: DemandeAutorisation, today: datetime.date) -> int | None:
    """Days left to decide (0: the last day; negative: the deadline has passed), None when there is no deadline."""
    if demande.implicit_acceptance_on is None or demande.statut not in STATUTS_EN_COURS:
        return None
    return (demande.implicit_acceptance_on - today).days


# --- The demandes d'indemnisation (DI) of the agent's départements ---------------------------------------------------

# The DI queue's filter « statut »: its value → the statuses it shows (never a Provisoire DI: the UD does not see it).
DI_STATUT_FILTRES = {
    "envoyees": (StatutDI.ENVOYEE,),
    "validees": (StatutDI.VALIDEE,),
    "invalidees": (StatutDI.INVALIDEE,),
    "toutes": tuple(statut for statut in StatutDI if statut != StatutDI.PROVISOIRE),
}
DI_STATUT_FILTRE_DEFAUT = "envoyees"


def demandes_indemnisation_for_agent(
    *, departements, statut: str = DI_STATUT_FILTRE_DEFAUT, departement: str | None = None, recherche: str = ""
) -> QuerySet[DemandeIndemnisation]:
    """The sent DIs of the agent's départements (the DAP's, copied on the DI when it is sent), the oldest sent first,
    with their establishments and décisions in the same query."""
    codes = [departement] if departement in departements else list(departements)
    queryset = DemandeIndemnisation.objects.filter(
        departement__in=codes,
        statut__in=DI_STATUT_FILTRES.get(statut, DI_STATUT_FILTRES[DI_STATUT_FILTRE_DEFAUT]),
    )
    if recherche := (recherche or "").strip().replace(" ", ""):
        queryset = queryset.filter(
            Q(numero__iexact=recherche) | Q(establishment__siret=recherche) | Q(establishment__siren=recherche)
        )
    return queryset.select_related("establishment", "decision").order_by("sent_at", "id")


def demande_indemnisation_for_agent(*, departements, numero: str) -> DemandeIndemnisation | None:
    """One sent DI of the agent's départements, or None (the page answers 404)."""
    return (
        DemandeIndemnisation.objects.filter(departement__in=list(departements), numero=numero)
        .exclude(statut=StatutDI.PROVISOIRE)
        .select_related("establishment", "decision", "decision__demande", "sent_by", "decided_by")
        .first()
    )
