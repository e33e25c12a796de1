"""Reads of the UD agents: the DAPs of their départements (from the establishment's code postal), never others."""

import datetime

from django.db.models import Count, Q, QuerySet, Sum

from dap.enums import STATUTS_ACCEPTES, STATUTS_EN_COURS, Statut
from dap.models import DemandeAutorisation

# The queue's filter « statut »: its value → the statuses it shows.
STATUT_FILTRES = {
    "a_instruire": (Statut.ENVOYEE,),
    "complement": (Statut.COMPLEMENT,),
    "decidees": (*STATUTS_ACCEPTES, Statut.REFUSEE),
    "retirees": (Statut.RETIREE,),
    "toutes": (Statut.ENVOYEE, Statut.COMPLEMENT, *STATUTS_ACCEPTES, Statut.REFUSEE, Statut.RETIREE),
}
STATUT_FILTRE_DEFAUT = "a_instruire"


def _prefixes(code: str) -> tuple[str, ...]:
    """The beginnings of the codes postaux of a département (referentiels.departements.departement_of, reversed)."""
    if code == "2A":
        return ("200", "201")
    if code == "2B":
        return tuple(f"20{digit}" for digit in range(2, 10))
    return (code,)


def departements_q(codes, field: str = "establishment__code_postal") -> Q:
    """The rows whose code postal lies in one of the départements: an OR of `LIKE 'xx%'`. No département: none."""
    condition = Q(pk__in=[])
    for code in codes:
        for prefix in _prefixes(code):
            condition |= Q(**{f"{field}__startswith": prefix})
    return condition


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
    queryset = DemandeAutorisation.objects.filter(departements_q(codes)).filter(
        statut__in=STATUT_FILTRES.get(statut, STATUT_FILTRES[STATUT_FILTRE_DEFAUT])
    )
    if motif:
        queryset = queryset.filter(motif=motif)
    if recherche := (recherche or "").strip().replace(" ", ""):
        queryset = queryset.filter(
            Q(numero__iexact=recherche) | Q(establishment__siret=recherche) | Q(establishment__siren=recherche)
        )
    return queryset.select_related("establishment").order_by(
        "implicit_acceptance_on", "sent_at", "id"
    )  # NULLs (complément) come last in PostgreSQL's ascending order


def demande_for_agent(*, departements, numero: str) -> DemandeAutorisation | None:
    """One sent DAP of the agent's départements, or None (the page answers 404)."""
    return (
        DemandeAutorisation.objects.filter(departements_q(departements), numero=numero)
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
