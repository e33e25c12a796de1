"""Reads of DAPs and décisions, always through the user's habilitations (a foreign DAP is not found)."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from habilitations.enums import ExtranetCode
from habilitations.models import Habilitation

from .models import Decision, DemandeAutorisation


def establishment_ids_of(user, today: datetime.date | None = None) -> QuerySet:
    """The user's establishments (active APART habilitations) as a subquery: one SQL query for 1 or 500."""
    return (
        Habilitation.objects.active(today or timezone.localdate())
        .for_extranet(ExtranetCode.APART)
        .filter(user=user)
        .values("establishment_id")
    )


def demandes_for_user(
    *,
    user,
    etablissement=None,
    statut: str | None = None,
    periode: tuple[datetime.date, datetime.date] | None = None,
) -> QuerySet[DemandeAutorisation]:
    """The DAPs (and avenants) of every establishment the user is habilitated on, newest first; filtered by
    establishment, status, or a period they overlap."""
    queryset = DemandeAutorisation.objects.filter(establishment_id__in=establishment_ids_of(user)).select_related(
        "establishment"
    )
    if etablissement is not None:
        queryset = queryset.filter(establishment=etablissement)
    if statut:
        queryset = queryset.filter(statut=statut)
    if periode is not None:
        debut, fin = periode
        queryset = queryset.filter(date_debut__lte=fin, date_fin__gte=debut)
    return queryset.order_by("-created_at", "-id")


def demande_for_user(*, user, numero: str) -> DemandeAutorisation | None:
    return demandes_for_user(user=user).filter(numero=numero).first()


def decisions_for_user(
    *, user, etablissement=None, periode: tuple[datetime.date, datetime.date] | None = None
) -> QuerySet[Decision]:
    """The décisions of the user's establishments, newest first."""
    queryset = Decision.objects.filter(demande__establishment_id__in=establishment_ids_of(user)).select_related(
        "demande", "demande__establishment"
    )
    if etablissement is not None:
        queryset = queryset.filter(demande__establishment=etablissement)
    if periode is not None:
        debut, fin = periode
        queryset = queryset.filter(date_debut__lte=fin, date_fin__gte=debut)
    return queryset.order_by("-issued_at", "-id")


def decision_for_user(*, user, numero: str) -> Decision | None:
    return decisions_for_user(user=user).filter(numero=numero).first()
