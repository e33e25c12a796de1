"""The portfolio of an expert-comptable: each establishment the user holds, with what is due on it, computed by the
database so that 1 or 2 000 establishments cost the same number of queries.

The one hard column is « DI à déposer »: the months of the authorised periods that are over, still within the
filing limit (6 months after the period's end, indemnisation.checks) and without a DI. It is counted in SQL with
date arithmetic both PostgreSQL and SQLite (make run) run — no generate_series:

- Only the décision in force of each family counts (a DAP and its accepted avenants: the last décision issued,
  as dap.checks.periodes_autres says); its predecessors cover the same months.
- A month is a month index, year × 12 + month. For a décision whose filing limit is not passed today
  (date_fin ≥ the earliest end whose limit is still to come, computed in Python: `filing_cutoff`) and which
  started before this month, the months to file are its months up to the last ended one:
  min(index(date_fin), index(today) − 1) − index(date_debut) + 1.
- From it are taken the distinct months of those that already have a DI (any status) in the family.
- The establishment's figure is the sum over its décisions in force (two families may share a month: each files
  its own DI for it, as the unique (décision, mois) constraint says).

`months_to_file` gives the same months in Python (through indemnisation.checks.erreur_envoi_date, the rule the
sending applies) for the rows shown; the tests hold both to the same boundaries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, Greatest, Least, TruncMonth
from django.utils import timezone

from dap.enums import STATUTS_EN_COURS
from dap.models import Decision, DemandeAutorisation
from habilitations.enums import ExtranetCode
from habilitations.models import Establishment, Habilitation
from habilitations.selectors import establishments_for_user
from indemnisation.checks import (
    ajouter_mois,
    date_limite_depot,
    erreur_envoi_date,
    mois_de_la_decision,
    mois_precedent,
    premier_jour,
)
from indemnisation.enums import STATUTS_DEPOSES
from indemnisation.models import DemandeIndemnisation

EXPIRING_WITHIN_DAYS = 30


class PortfolioFilter:
    DI = "di"
    DAP = "dap"
    FICHE = "fiche"
    HABILITATION = "habilitation"


# The filters, in the order shown, with their labels (the wording).
FILTERS = {
    PortfolioFilter.DI: "DI à déposer",
    PortfolioFilter.DAP: "DAP en attente",
    PortfolioFilter.FICHE: "Fiche incomplète",
    PortfolioFilter.HABILITATION: f"Habilitation expirant dans {EXPIRING_WITHIN_DAYS} jours",
}

SORTS = {
    "nom": ("Nom", ("denomination", "siret")),
    "siret": ("Siret", ("siret",)),
    "fin_habilitation": ("Fin d'habilitation", ("habilitation_fin", "denomination", "siret")),
    "di": ("DI à déposer", ("-di_a_deposer", "denomination", "siret")),
}
DEFAULT_SORT = "nom"


def month_index(expression):
    """year × 12 + month of a date column (or an OuterRef to one), on PostgreSQL and SQLite alike."""
    return ExtractYear(expression) * 12 + ExtractMonth(expression)


def _index(day: datetime.date) -> int:
    return day.year * 12 + day.month


def filing_cutoff(today: datetime.date) -> datetime.date:
    """The earliest end of an authorised period whose DIs may still be sent today: date_limite_depot is
    non-decreasing in date_fin, so every décision ending on or after it is still open (31 August + 6 months is
    28 February: the cutoff of 28 February is 28 August)."""
    day = ajouter_mois(today, -6) - datetime.timedelta(days=4)
    while ajouter_mois(day, 6) < today:
        day += datetime.timedelta(days=1)
    return day


def _family(prefix: str = ""):
    """The family of a décision: its DAP's root (the DAP itself, or the DAP an avenant amends)."""
    return Coalesce(f"{prefix}demande__parent_id", f"{prefix}demande_id")


def decisions_in_force() -> QuerySet[Decision]:
    """The décisions no later décision of the same family replaces, each with its `family`."""
    later = Decision.objects.filter(
        # The establishment first: its index narrows the search to a few rows.
        Q(demande__establishment_id=OuterRef("demande__establishment_id")),
        Q(demande_id=OuterRef("family")) | Q(demande__parent_id=OuterRef("family")),
        Q(issued_at__gt=OuterRef("issued_at")) | Q(issued_at=OuterRef("issued_at"), pk__gt=OuterRef("pk")),
    )
    return Decision.objects.annotate(family=_family()).filter(~Exists(later))


def _decisions_to_file(today: datetime.date) -> QuerySet[Decision]:
    """The décisions in force with an ended month still open to filing, each with `a_deposer`: its months over and
    open minus those with a DI in the family."""
    this_month = premier_jour(today)
    last_ended = mois_precedent(this_month)
    due = Least(month_index("date_fin"), Value(_index(last_ended))) - month_index("date_debut") + 1
    filed = (
        DemandeIndemnisation.objects.filter(
            Q(establishment_id=OuterRef("demande__establishment_id")),  # the DI's indexed column
            Q(decision__demande_id=OuterRef("family")) | Q(decision__demande__parent_id=OuterRef("family")),
            mois__gte=OuterRef("debut_mois"),
            mois__lte=OuterRef("date_fin"),
        )
        .filter(mois__lte=last_ended)
        .order_by()
        .values("establishment_id")
        .annotate(months=Count("mois", distinct=True))
        .values("months")
    )
    return (
        decisions_in_force()
        .filter(date_fin__gte=filing_cutoff(today), date_debut__lt=this_month)
        .annotate(debut_mois=TruncMonth("date_debut"))
        .annotate(a_deposer=Greatest(due - Coalesce(Subquery(filed, output_field=IntegerField()), 0), 0))
    )


def portfolio(
    *,
    user,
    query: str = "",
    filtre: str = "",
    sort: str = DEFAULT_SORT,
    today: datetime.date | None = None,
) -> QuerySet[Establishment]:
    """The user's establishments (active APART habilitations), each annotated with `habilitation_fin`,
    `dap_en_attente` (the numero of its latest DAP waiting for the UD, or None), `dap_en_attente_statut`,
    `di_a_deposer` (months); searched, filtered (FILTERS) and sorted (SORTS). One SQL query."""
    today = today or timezone.localdate()
    queryset = _annotated(establishments_for_user(user=user, query=query), user=user, today=today)
    queryset = queryset.filter(_filter_condition(filtre, today)) if filtre in FILTERS else queryset
    return queryset.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT])[1])


def _annotated(queryset, *, user, today: datetime.date):
    habilitation = (
        Habilitation.objects.active(today)
        .for_extranet(ExtranetCode.APART)
        .filter(user=user, establishment_id=OuterRef("pk"))
    )
    waiting = DemandeAutorisation.objects.filter(establishment_id=OuterRef("pk"), statut__in=STATUTS_EN_COURS).order_by(
        "-sent_at", "-pk"
    )
    to_file = (
        _decisions_to_file(today)
        .filter(demande__establishment_id=OuterRef("pk"))
        .order_by()
        .values("demande__establishment_id")
        .annotate(total=Sum("a_deposer"))
        .values("total")
    )
    return queryset.annotate(
        habilitation_fin=Subquery(habilitation.values("valid_until")[:1]),
        dap_en_attente=Subquery(waiting.values("numero")[:1]),
        dap_en_attente_statut=Subquery(waiting.values("statut")[:1]),
        di_a_deposer=Coalesce(Subquery(to_file, output_field=IntegerField()), 0),
    )


def _filter_condition(filtre: str, today: datetime.date) -> Q:
    return {
        PortfolioFilter.DI: Q(di_a_deposer__gt=0),
        PortfolioFilter.DAP: Q(dap_en_attente__isnull=False),
        PortfolioFilter.FICHE: Q(fiche_complete=False),
        PortfolioFilter.HABILITATION: Q(habilitation_fin__lte=today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS)),
    }[filtre]


def portfolio_counts(*, user, today: datetime.date | None = None) -> dict:
    """The number of establishments and of each filter's, in one SQL query: {"total": …, "di": …, …}."""
    today = today or timezone.localdate()
    queryset = _annotated(establishments_for_user(user=user), user=user, today=today).order_by()

    def count(condition):
        return Sum(Case(When(condition, then=1), default=0, output_field=IntegerField()))

    counts = queryset.aggregate(
        total=count(Q(pk__isnull=False)),
        **{key: count(_filter_condition(key, today)) for key in FILTERS},
    )
    return {key: value or 0 for key, value in counts.items()}


# --- The rows shown: the current décision and the months to file, for a page (or an export) of establishments --


@dataclass
class PortfolioDetail:
    """What a row shows beyond its annotations: the current décision (the one in force covering today, else the
    latest) with the hours its sent DIs used, and the months to file."""

    decision: Decision | None = None
    heures_utilisees: Decimal = Decimal("0")
    mois_a_deposer: list[datetime.date] = field(default_factory=list)


def months_to_file(decision, filed: set[datetime.date], today: datetime.date) -> list[datetime.date]:
    """The months of the décision that can be sent today (indemnisation.checks) and have no DI in `filed`."""
    return [
        mois
        for mois in mois_de_la_decision(decision)
        if mois not in filed and not erreur_envoi_date(decision=decision, mois=mois, today=today)
    ]


def portfolio_details(establishment_ids, *, today: datetime.date | None = None) -> dict[int, PortfolioDetail]:
    """For `establishment_ids` (a list, or a values("pk") queryset): two SQL queries whatever their number."""
    today = today or timezone.localdate()
    decisions = (
        decisions_in_force()
        .filter(demande__establishment_id__in=establishment_ids)
        .annotate(
            heures_utilisees=Coalesce(
                Subquery(
                    DemandeIndemnisation.objects.filter(decision_id=OuterRef("pk"), statut__in=STATUTS_DEPOSES)
                    .order_by()
                    .values("decision_id")
                    .annotate(total=Sum("total_heures"))
                    .values("total")
                ),
                Value(Decimal("0")),
            ),
        )
        .select_related("demande")
        .order_by("-date_debut", "-issued_at", "-pk")
    )
    filed = defaultdict(set)
    di_rows = DemandeIndemnisation.objects.filter(establishment_id__in=establishment_ids).values_list(
        "decision__demande_id", "decision__demande__parent_id", "mois"
    )
    for demande_id, parent_id, mois in di_rows:
        filed[parent_id or demande_id].add(mois)
    details: dict[int, PortfolioDetail] = defaultdict(PortfolioDetail)
    for decision in decisions:
        detail = details[decision.demande.establishment_id]
        covers_today = decision.date_debut <= today <= decision.date_fin
        current = detail.decision
        if current is None or (covers_today and not current.date_debut <= today <= current.date_fin):
            detail.decision, detail.heures_utilisees = decision, decision.heures_utilisees
        if date_limite_depot(decision) >= today:
            detail.mois_a_deposer.extend(months_to_file(decision, filed[decision.family], today))
    for detail in details.values():
        detail.mois_a_deposer.sort()
    return details
