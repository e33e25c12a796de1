"""Reads of the demandes d'indemnisation, always through the user's habilitations (a foreign DI is not found)."""

import datetime

from django.db.models import QuerySet

from dap.codes import code_di_normalise
from dap.models import Decision
from dap.selectors import decisions_for_user, establishment_ids_of

from .models import DemandeIndemnisation


def decision_for_code(*, user, code: str) -> Decision | None:
    """The décision whose code DI the user typed, among their establishments' décisions; None for an unknown code
    and for the code of an establishment they do not hold alike."""
    code = code_di_normalise(code)
    if not code:
        return None
    return decisions_for_user(user=user).filter(code_di=code).first()


def demandes_for_user(
    *,
    user,
    etablissement=None,
    statut: str | None = None,
    mois: datetime.date | None = None,
    decision=None,
) -> QuerySet[DemandeIndemnisation]:
    """The DIs of every establishment the user is habilitated on, the latest month first."""
    queryset = DemandeIndemnisation.objects.filter(establishment_id__in=establishment_ids_of(user)).select_related(
        "establishment", "decision"
    )
    if etablissement is not None:
        queryset = queryset.filter(establishment=etablissement)
    if statut:
        queryset = queryset.filter(statut=statut)
    if mois is not None:
        queryset = queryset.filter(mois=mois.replace(day=1))
    if decision is not None:
        queryset = queryset.filter(decision=decision)
    return queryset.order_by("-mois", "-created_at", "-id")


def demande_for_user(*, user, numero: str) -> DemandeIndemnisation | None:
    return demandes_for_user(user=user).filter(numero=numero).first()
