"""The daily deadlines and reminders (Celery beat, and `python manage.py apply_deadlines [--today AAAA-MM-JJ]`).

- the DAPs accepted implicitly (dap.services.demandes_apply_deadlines: their décision e-mail says so);
- the end of a habilitation, 30 days then 7 days before it (the holder, with the way to renew it);
- a DI not filed for a past month of an authorised period, from 15 days before the filing limit (6 months after
  the end of the period) until the limit: the establishment's contact person and the users habilitated on it;
- a user holding more than 10 establishments gets their reminders of the day in one digest e-mail.

Each reminder is written to the Rappel log under a unique key (kind, habilitation or décision, end date or month,
address) in the transaction that queues its e-mail: whatever the number of runs or of processes, it goes out
once (a digest holds the reminders not sent yet: a second run the same day finds none, unless a new one came
due meanwhile). A reminder the user turned off in « Mon compte » is neither sent nor logged: turned on again while
it still applies, it is sent by the next run. A missed day is caught up by the next run (the windows are ranges of
days)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import User
from apart.outbox.services import email_enqueue
from bareme.engine import format_de_mois, format_mois
from dap.models import Decision
from dap.services import demandes_apply_deadlines
from habilitations.enums import ExtranetCode
from habilitations.models import Establishment, Habilitation

from .checks import DATE, ajouter_mois, date_limite_depot, erreur_envoi_date, mois_de_la_decision
from .enums import RappelDelivery, RappelKind
from .models import DemandeIndemnisation, Rappel

HABILITATION_REMINDER_DAYS = {RappelKind.HABILITATION_J30: 30, RappelKind.HABILITATION_J7: 7}
DI_REMINDER_DAYS = 15  # before the filing limit
DIGEST_ABOVE_ESTABLISHMENTS = 10  # more than 10 establishments: one digest a day
# The décisions read for the DI reminder end at most 7 months ago (a superset of the window, narrowed in Python:
# the limit is the end of the period + 6 months).
DELAI_WINDOW_MONTHS = 7


@dataclass(frozen=True)
class Event:
    """One reminder for one address: what the log keys, and what its e-mail says."""

    kind: str
    subject_id: int
    subject_date: datetime.date
    establishment: Establishment
    summary: str  # the log's line and the digest's title of the event
    text: str  # the digest's sentence
    url: str
    context: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple:
        return (self.kind, self.subject_id, self.subject_date)


@dataclass
class Recipient:
    to: str
    user: User | None
    events: list[Event] = field(default_factory=list)

    @property
    def address(self) -> str:
        return self.to.lower()


@dataclass
class RappelsResult:
    """What a run sent: reminders (one per address) by kind, e-mails, digests."""

    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RappelKind.values, 0))
    emails: int = 0
    digests: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def lines(self) -> list[str]:
        lines = [f"Rappels « {RappelKind(kind).label} » : {count}" for kind, count in self.by_kind.items()]
        lines.append(f"Courriels de rappel : {self.emails}, dont {self.digests} récapitulatif(s) quotidien(s)")
        return lines


# --- The events of the day ------------------------------------------------------------------------------------------


def _renewal_url(establishment: Establishment) -> str:
    query = urlencode({"motif": "habilitation", "siret": establishment.siret})
    return f"{settings.SITE_URL}{reverse('support:assistance')}?{query}"


def _habilitation_kind(*, valid_until: datetime.date, today: datetime.date) -> str:
    """Within 7 days of the end: the 7-day reminder; within 30 days: the 30-day one (a run missed on the 30th day
    is caught up on the next days, until the 7-day reminder takes over)."""
    days_left = (valid_until - today).days
    return RappelKind.HABILITATION_J7 if days_left <= 7 else RappelKind.HABILITATION_J30


def habilitation_events(*, today: datetime.date) -> list[tuple[User, Event]]:
    """The APART habilitations active today that end within 30 days, of the users who want the reminder."""
    habilitations = (
        Habilitation.objects.active(today)
        .for_extranet(ExtranetCode.APART)
        .filter(
            valid_until__lte=today + datetime.timedelta(days=HABILITATION_REMINDER_DAYS[RappelKind.HABILITATION_J30]),
            user__is_active=True,
            user__remind_habilitation_end=True,
        )
        .select_related("user", "establishment")
        .order_by("valid_until", "pk")
    )
    events = []
    for habilitation in habilitations:
        establishment = habilitation.establishment
        days_left = (habilitation.valid_until - today).days
        url = _renewal_url(establishment)
        end = habilitation.valid_until.strftime(DATE)
        dans = "aujourd'hui" if days_left == 0 else f"dans {days_left} jour{'s' if days_left > 1 else ''}"
        events.append(
            (
                habilitation.user,
                Event(
                    kind=_habilitation_kind(valid_until=habilitation.valid_until, today=today),
                    subject_id=habilitation.pk,
                    subject_date=habilitation.valid_until,
                    establishment=establishment,
                    summary=f"Habilitation sur {establishment.denomination} (Siret {establishment.siret}) "
                    f"jusqu'au {end}",
                    text=f"Votre habilitation sur {establishment.denomination} (Siret {establishment.siret}) prend "
                    f"fin le {end} ({dans}). Pour la prolonger, envoyez une demande d'assistance avec le motif "
                    "« Habilitation à l'extranet ».",
                    url=url,
                    context={"habilitation": habilitation, "jours": days_left, "dans": dans},
                ),
            )
        )
    return events


def _family_root(decision: Decision) -> int:
    return decision.demande.parent_id or decision.demande_id


def _in_di_window(decision: Decision, today: datetime.date) -> bool:
    limite = date_limite_depot(decision)
    return limite - datetime.timedelta(days=DI_REMINDER_DAYS) <= today <= limite


def _decisions_in_window(today: datetime.date) -> list[Decision]:
    """The décisions whose filing limit is between today and 15 days from today, and which are the décision in
    force of their DAP's family (an accepted avenant's décision replaces the one before)."""
    candidates = Decision.objects.filter(
        date_fin__gte=ajouter_mois(today, -DELAI_WINDOW_MONTHS), date_fin__lte=today
    ).select_related("demande__establishment")
    in_window = [decision for decision in candidates if _in_di_window(decision, today)]
    if not in_window:
        return []
    roots = {_family_root(decision) for decision in in_window}
    latest = {}
    for family in Decision.objects.filter(Q(demande_id__in=roots) | Q(demande__parent_id__in=roots)).select_related(
        "demande"
    ):
        root = _family_root(family)
        if root not in latest or (family.issued_at, family.pk) > (latest[root].issued_at, latest[root].pk):
            latest[root] = family
    return [decision for decision in in_window if latest[_family_root(decision)].pk == decision.pk]


def _months_filed(decisions: list[Decision]) -> set[tuple[int, datetime.date]]:
    """(family root, month) of every DI of any status of the décisions' families: a month filed under the
    initial décision is not to file again under its avenant's."""
    roots = {_family_root(decision) for decision in decisions}
    filed = DemandeIndemnisation.objects.filter(
        Q(decision__demande_id__in=roots) | Q(decision__demande__parent_id__in=roots)
    ).values_list("decision__demande_id", "decision__demande__parent_id", "mois")
    return {(parent_id or demande_id, mois) for demande_id, parent_id, mois in filed}


def di_events(*, today: datetime.date) -> list[tuple[Establishment, Event]]:
    """The months of an authorised period without a DI, from 15 days before the filing limit until the limit, the
    months over (all of them, so close to the limit)."""
    decisions = _decisions_in_window(today)
    filed = _months_filed(decisions)
    events = []
    for decision in decisions:
        establishment = decision.demande.establishment
        limite = date_limite_depot(decision)
        for mois in mois_de_la_decision(decision):
            if (_family_root(decision), mois) in filed or erreur_envoi_date(decision=decision, mois=mois, today=today):
                continue
            query = urlencode({"code_di": decision.code_di, "mois": mois.strftime("%Y-%m")})
            events.append(
                (
                    establishment,
                    Event(
                        kind=RappelKind.DI_A_DEPOSER,
                        subject_id=decision.pk,
                        subject_date=mois,
                        establishment=establishment,
                        summary=f"DI {format_de_mois(mois)} de la décision {decision.numero} (Siret "
                        f"{establishment.siret})",
                        text=f"{establishment.denomination} (Siret {establishment.siret}) : la demande "
                        f"d'indemnisation {format_de_mois(mois)} (décision {decision.numero}) n'est pas déposée ; "
                        f"date limite de dépôt : {limite.strftime(DATE)}.",
                        url=f"{settings.SITE_URL}{reverse('indemnisation:new')}?{query}",
                        context={"decision": decision, "mois": mois, "limite": limite},
                    ),
                )
            )
    return events


def _di_recipients(establishments: list[Establishment], today: datetime.date) -> dict[int, list[tuple[str, User]]]:
    """Per establishment: its contact person (the account of that address, if any) and its habilitated users, who
    want the DI reminder."""
    ids = {establishment.pk for establishment in establishments}
    per_establishment: dict[int, list[tuple[str, User | None]]] = defaultdict(list)
    contacts = {
        establishment.contact_courriel.lower() for establishment in establishments if establishment.contact_courriel
    }
    accounts = {
        user.courriel.lower(): user
        for user in User.objects.annotate(courriel_lower=Lower("courriel")).filter(courriel_lower__in=contacts)
    }
    for establishment in establishments:
        if establishment.contact_courriel:
            user = accounts.get(establishment.contact_courriel.lower())
            if user is None or user.remind_di_to_file:
                per_establishment[establishment.pk].append((establishment.contact_courriel, user))
    habilitations = (
        Habilitation.objects.active(today)
        .for_extranet(ExtranetCode.APART)
        .filter(establishment_id__in=ids, user__is_active=True, user__remind_di_to_file=True)
        .select_related("user")
        .order_by("pk")
    )
    for habilitation in habilitations:
        per_establishment[habilitation.establishment_id].append((habilitation.user.courriel, habilitation.user))
    return per_establishment


def _digest_user_ids(user_ids: set[int], today: datetime.date) -> set[int]:
    """The users holding more than 10 establishments (active APART habilitations) today."""
    return set(
        Habilitation.objects.active(today)
        .for_extranet(ExtranetCode.APART)
        .filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(establishments=Count("establishment", distinct=True))
        .filter(establishments__gt=DIGEST_ABOVE_ESTABLISHMENTS)
        .values_list("user_id", flat=True)
    )


def _recipients(today: datetime.date) -> dict[str, Recipient]:
    """The events of the day per address (lower case), each event once per address."""
    recipients: dict[str, Recipient] = {}

    def add(to: str, user: User | None, event: Event) -> None:
        recipient = recipients.setdefault(to.lower(), Recipient(to=to, user=user))
        if recipient.user is None and user is not None:
            recipient.user = user
        if all(known.key != event.key for known in recipient.events):
            recipient.events.append(event)

    for user, event in habilitation_events(today=today):
        add(user.courriel, user, event)
    di = di_events(today=today)
    per_establishment = _di_recipients(
        list({establishment.pk: establishment for establishment, _ in di}.values()), today
    )
    for establishment, event in di:
        for to, user in per_establishment.get(establishment.pk, ()):
            add(to, user, event)
    return recipients


# --- Sending --------------------------------------------------------------------------------------------------------


def _claim(event: Event, *, recipient: Recipient, delivery: str, today: datetime.date) -> Rappel | None:
    """The log row of the event for the address, or None when it was already written (by this run's predecessors,
    or by a concurrent run, whose transaction this insert waits for)."""
    rappel, created = Rappel.objects.get_or_create(
        kind=event.kind,
        subject_id=event.subject_id,
        subject_date=event.subject_date,
        recipient=recipient.address,
        defaults={
            "user": recipient.user,
            "establishment": event.establishment,
            "summary": event.summary[:300],
            "delivery": delivery,
            "run_date": today,
        },
    )
    return rappel if created else None


def _already_sent(recipients: dict[str, Recipient]) -> set[tuple]:
    """The keys already in the log, read at once (the insert's unique key is still what decides)."""
    subject_ids = {event.subject_id for recipient in recipients.values() for event in recipient.events}
    if not subject_ids:
        return set()
    return set(
        Rappel.objects.filter(subject_id__in=subject_ids, recipient__in=recipients.keys()).values_list(
            "kind", "subject_id", "subject_date", "recipient"
        )
    )


def _send(*, recipient: Recipient, events: list[Event], digest: bool, today: datetime.date, result: RappelsResult):
    """One e-mail for `events` (one subject, or the day's digest), in the transaction that writes their log rows;
    the events already logged are left out, and nothing is sent when none is left."""
    delivery = RappelDelivery.RECAPITULATIF if digest else RappelDelivery.COURRIEL
    with transaction.atomic():
        claimed = [
            (event, rappel)
            for event in sorted(events, key=lambda event: event.key)  # one order: two runs cannot deadlock
            if (rappel := _claim(event, recipient=recipient, delivery=delivery, today=today))
        ]
        if not claimed:
            return
        new = [event for event, _rappel in claimed]
        context = {"user": recipient.user, "site_url": settings.SITE_URL, "today": today}
        if digest:
            email = email_enqueue(kind="rappel_recapitulatif", to=recipient.to, context={**context, "events": new})
            result.digests += 1
        elif new[0].kind == RappelKind.DI_A_DEPOSER:
            first = new[0]
            email = email_enqueue(
                kind="rappel_di_a_deposer",
                to=recipient.to,
                context={
                    **context,
                    **first.context,
                    "establishment": first.establishment,
                    "mois_list": [format_mois(event.subject_date) for event in new],
                    "url": first.url,
                },
            )
        else:
            (event,) = new
            email = email_enqueue(
                kind="rappel_habilitation",
                to=recipient.to,
                context={**context, **event.context, "establishment": event.establishment, "url": event.url},
            )
        Rappel.objects.filter(pk__in=[rappel.pk for _event, rappel in claimed]).update(email=email)
        result.emails += 1
        for event in new:
            result.by_kind[event.kind] += 1


def rappels_send(*, today: datetime.date | None = None) -> RappelsResult:
    """The reminders of `today` (by default today), each once per address: an e-mail per habilitation, one per
    décision (its months to file), or one digest for a user with more than 10 establishments."""
    today = today or timezone.localdate()
    result = RappelsResult()
    recipients = _recipients(today)
    sent = _already_sent(recipients)
    for recipient in recipients.values():
        recipient.events = [event for event in recipient.events if (*event.key, recipient.address) not in sent]
    recipients = {address: recipient for address, recipient in recipients.items() if recipient.events}
    digest_users = _digest_user_ids({r.user.pk for r in recipients.values() if r.user is not None}, today)
    for recipient in recipients.values():
        if recipient.user is not None and recipient.user.pk in digest_users:
            _send(recipient=recipient, events=recipient.events, digest=True, today=today, result=result)
            continue
        groups: dict[tuple, list[Event]] = defaultdict(list)
        for event in recipient.events:
            groups[(event.kind, event.subject_id)].append(event)
        for events in groups.values():
            _send(recipient=recipient, events=events, digest=False, today=today, result=result)
    return result


@dataclass(frozen=True)
class DeadlinesResult:
    accepted: list[str]
    rappels: RappelsResult


def deadlines_apply(*, today: datetime.date | None = None) -> DeadlinesResult:
    """The daily run: the implicit acceptances, then the reminders; each idempotent."""
    today = today or timezone.localdate()
    accepted = demandes_apply_deadlines(today=today)
    return DeadlinesResult(accepted=accepted, rappels=rappels_send(today=today))
