"""Writes of the assistance: requests, replies both ways, and the staff desk's actions, each audited."""

import secrets

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_secret_question_reset
from apart.normalization import normalize_courriel
from apart.outbox.services import email_enqueue
from apart.ratelimit import Limit
from audit.enums import StaffActionKind
from audit.services import audit_record
from habilitations.models import Establishment, Habilitation
from habilitations.services import (
    AccountEmailsResent,
    HabilitationEnd,
    HabilitationExtension,
    HabilitationTransfer,
    Person,
    account_emails_resend,
    habilitation_end,
    habilitation_extend,
    habilitation_transfer,
)

from .enums import TicketMessageAuthor, TicketMotif, TicketStatus
from .models import Ticket, TicketMessage
from .selectors import ticket_habilitations, ticket_users

REPLY_LINK_SALT = "apart.support.ticket-reply"
REPLY_LINK_MAX_AGE = 60 * 60 * 24 * 30  # a reply link works 30 days after the e-mail that carries it


class TicketLinkInvalid(Exception):
    """A reply link that was not signed by the service (typed wrong, or forged)."""


class TicketLinkExpired(TicketLinkInvalid):
    """A genuine reply link, older than REPLY_LINK_MAX_AGE."""


class TicketClosed(Exception):
    """The ticket is closed: a reply no longer reaches anyone."""


class TicketActionRefused(Exception):
    """A desk action that does not fit the ticket (wrong motif, an account or establishment it is not about)."""


# --- Abuse limits --------------------------------------------------------------------------------
# The form e-mails the address typed in it: without limits, anyone could use the ASP's sender as a relay.
# Only accepted requests (and replies) count: `limit_take` before the work, `limit_give_back` if it is refused.

HOUR = 60 * 60
DAY = 24 * HOUR

ASSISTANCE_IP_LIMITED = (
    "Trop de demandes d'assistance ont été envoyées depuis votre connexion dans la dernière heure : "
    "réessayez plus tard, ou appelez l'assistance au 0800.705.800 (n° Vert, de 08h00 à 18h00)."
)
ASSISTANCE_RECIPIENT_LIMITED = (
    "Plusieurs demandes d'assistance ont déjà été envoyées aujourd'hui pour cette adresse électronique : "
    "l'assistance les traite et vous répondra. Réessayez demain, ou appelez l'assistance au 0800.705.800."
)
TICKET_REPLY_LIMITED = (
    "Vous avez déjà envoyé plusieurs réponses aujourd'hui à cette demande : l'assistance vous répondra. "
    "Réessayez demain, ou appelez l'assistance au 0800.705.800 (n° Vert, de 08h00 à 18h00)."
)


def assistance_ip_limit(*, ip_address: str | None) -> Limit:
    return Limit("assistance:ip", str(ip_address), settings.ASSISTANCE_RATE_LIMIT_PER_IP, HOUR)


def assistance_recipient_limit(*, courriel: str) -> Limit:
    return Limit(
        "assistance:recipient", normalize_courriel(courriel), settings.ASSISTANCE_RATE_LIMIT_PER_RECIPIENT, DAY
    )


def ticket_reply_limit(*, ticket: Ticket) -> Limit:
    return Limit("assistance:reply", ticket.reference, settings.ASSISTANCE_REPLY_RATE_LIMIT_PER_TICKET, DAY)


# --- Requests ------------------------------------------------------------------------------------


def _new_reference() -> str:
    return f"AST-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


def _admin_url(ticket: Ticket) -> str:
    return f"{settings.SITE_URL}{reverse('admin:support_ticket_change', args=[ticket.pk])}"


def ticket_reply_url(*, ticket: Ticket) -> str:
    """The signed link by which the requester answers, without an account."""
    token = signing.dumps({"ticket": ticket.pk, "reference": ticket.reference}, salt=REPLY_LINK_SALT)
    return f"{settings.SITE_URL}{reverse('support:ticket_reply', args=[token])}"


def ticket_from_reply_token(*, token: str) -> Ticket:
    try:
        data = signing.loads(token, salt=REPLY_LINK_SALT, max_age=REPLY_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise TicketLinkExpired from None
    except signing.BadSignature:
        raise TicketLinkInvalid from None
    ticket = Ticket.objects.filter(pk=data.get("ticket"), reference=data.get("reference")).first()
    if ticket is None:
        raise TicketLinkInvalid
    return ticket


def _ticket_context(ticket: Ticket, **extra) -> dict:
    return {"ticket": ticket, "site_url": settings.SITE_URL, "admin_url": _admin_url(ticket), **extra}


@transaction.atomic
def ticket_create(
    *,
    siret: str,
    denomination: str,
    nom_prenom: str,
    telephone: str,
    courriel: str,
    motif: str,
    description: str,
    user=None,
) -> Ticket:
    """Record a request; the requester gets its reference, the support mailbox a notification (one transaction)."""
    ticket = Ticket(
        siret=siret,
        denomination=denomination,
        nom_prenom=nom_prenom,
        telephone=telephone,
        courriel=courriel,
        motif=motif,
        description=description,
        user=user if user is not None and user.is_authenticated else None,
        establishment=Establishment.objects.filter(siret=siret).first(),
    )
    for _attempt in range(5):
        ticket.reference = _new_reference()
        ticket.full_clean()
        try:
            with transaction.atomic():
                ticket.save()
        except IntegrityError:  # the same reference drawn twice the same day: draw again
            ticket.pk = None
            continue
        break
    else:
        raise IntegrityError("Impossible d'attribuer une référence à la demande d'assistance.")
    email_enqueue(
        kind="ticket_accuse_reception",
        to=ticket.courriel,
        context=_ticket_context(ticket),
        secrets={"reply_url": ticket_reply_url(ticket=ticket)},  # a bearer link: whoever holds it answers
    )
    email_enqueue(kind="ticket_nouvelle_demande", to=settings.SUPPORT_EMAIL, context=_ticket_context(ticket))
    return ticket


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)


@transaction.atomic
def ticket_requester_reply(*, ticket: Ticket, body: str) -> TicketMessage:
    """The requester's answer through the signed link, appended to the history; the desk is told."""
    ticket = _lock(ticket)
    if ticket.is_closed:
        raise TicketClosed
    message = TicketMessage.objects.create(ticket=ticket, author_kind=TicketMessageAuthor.DEMANDEUR, body=body)
    if ticket.status in (TicketStatus.EN_ATTENTE, TicketStatus.RESOLU):
        ticket.status = TicketStatus.EN_COURS
        ticket.save(update_fields=["status", "updated_at"])
    email_enqueue(
        kind="ticket_reponse_demandeur",
        to=settings.SUPPORT_EMAIL,
        context=_ticket_context(ticket, message=message),
    )
    return message


# --- The staff desk ------------------------------------------------------------------------------


def _audit(*, ticket: Ticket, by, action: str, summary: str, target_user=None, **details):
    return audit_record(
        actor=by, action=action, summary=summary, subject=ticket, target_user=target_user, siret=ticket.siret, **details
    )


def _take_in_hand(ticket: Ticket, *, by) -> None:
    """A desk action on a new ticket puts it "en cours", in the hands of the agent if no one had it."""
    fields = []
    if ticket.status == TicketStatus.NOUVEAU:
        ticket.status = TicketStatus.EN_COURS
        fields.append("status")
    if ticket.assignee_id is None:
        ticket.assignee = by
        fields.append("assignee")
    if fields:
        ticket.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def ticket_update(*, ticket: Ticket, by, status: str, assignee) -> Ticket:
    """Status and assignee changed by an agent, each change audited."""
    ticket = _lock(ticket)
    if status != ticket.status:
        previous = ticket.get_status_display()
        ticket.status = status
        _audit(
            ticket=ticket,
            by=by,
            action=StaffActionKind.TICKET_STATUS,
            summary=f"Statut : {previous} → {ticket.get_status_display()}",
            status=status,
        )
    if assignee != ticket.assignee:
        ticket.assignee = assignee
        _audit(
            ticket=ticket,
            by=by,
            action=StaffActionKind.TICKET_ASSIGN,
            summary=f"Attribuée à {assignee}" if assignee else "Attribution retirée",
            target_user=assignee,
        )
    ticket.save(update_fields=["status", "assignee", "updated_at"])
    return ticket


@transaction.atomic
def ticket_reply(*, ticket: Ticket, by, body: str, status: str | None = None) -> TicketMessage:
    """An agent's answer: e-mailed to the requester with a link to reply, kept in the history.

    The ticket then waits for the requester, unless the agent chose another status (résolu, clos…).
    """
    ticket = _lock(ticket)
    body = body.replace("\r\n", "\n").strip()
    message = TicketMessage.objects.create(ticket=ticket, author_kind=TicketMessageAuthor.AGENT, author=by, body=body)
    message.email = email_enqueue(
        kind="ticket_reponse",
        to=ticket.courriel,
        context=_ticket_context(ticket, message=message),
        secrets={"reply_url": ticket_reply_url(ticket=ticket)},
    )
    message.save(update_fields=["email"])
    ticket.status = status or TicketStatus.EN_ATTENTE
    if ticket.assignee_id is None:
        ticket.assignee = by
    ticket.save(update_fields=["status", "assignee", "updated_at"])
    _audit(
        ticket=ticket,
        by=by,
        action=StaffActionKind.TICKET_REPLY,
        summary=f"Réponse envoyée à {ticket.courriel} ; statut : {ticket.get_status_display()}",
        message=message.pk,
        email=message.email.pk,
    )
    return message


# --- Actions on habilitations, for « Habilitation à l'extranet » tickets -----------------------------
# Each calls the service of habilitations or accounts, which sends the e-mail and writes the journal's line
# with the ticket as its subject; the ticket is then taken in hand.


def _habilitation_ticket(ticket: Ticket) -> Ticket:
    ticket = _lock(ticket)
    if ticket.motif != TicketMotif.HABILITATION:
        raise TicketActionRefused("Ces actions ne concernent que les demandes « Habilitation à l'extranet ».")
    if ticket.is_closed:
        raise TicketActionRefused("Cette demande est close.")
    return ticket


def _ticket_habilitation(ticket: Ticket, habilitation: Habilitation) -> Habilitation:
    found = ticket_habilitations(ticket=ticket).filter(pk=habilitation.pk).first()
    if found is None:
        raise TicketActionRefused("Cette habilitation ne concerne pas cette demande.")
    return found


@transaction.atomic
def ticket_habilitation_transfer(*, ticket: Ticket, by, person: Person, end_users=None) -> HabilitationTransfer:
    """Cas 2.1 for the ticket's establishment (see habilitations.services.habilitation_transfer)."""
    ticket = _habilitation_ticket(ticket)
    establishment = Establishment.objects.filter(siret=ticket.siret).first()
    if establishment is None:
        raise TicketActionRefused(
            "Aucun espace n'existe pour ce Siret : il n'y a pas d'habilitation à transférer. "
            "Le demandeur peut faire « CRÉER MON ESPACE »."
        )
    result = habilitation_transfer(establishment=establishment, person=person, by=by, about=ticket, end_users=end_users)
    _take_in_hand(ticket, by=by)
    return result


@transaction.atomic
def ticket_account_emails_resend(*, ticket: Ticket, by, habilitation: Habilitation) -> AccountEmailsResent:
    """Cas n°3: the account e-mails again (a new temporary password when the holder never connected)."""
    ticket = _habilitation_ticket(ticket)
    result = account_emails_resend(habilitation=_ticket_habilitation(ticket, habilitation), by=by, about=ticket)
    _take_in_hand(ticket, by=by)
    return result


@transaction.atomic
def ticket_secret_question_reset(*, ticket: Ticket, by, user):
    """Forgotten secret answer: the user chooses a new question at the next connection, and is told by e-mail."""
    ticket = _habilitation_ticket(ticket)
    if user not in ticket_users(ticket=ticket):
        raise TicketActionRefused("Ce compte ne concerne pas cette demande.")
    user = user_secret_question_reset(user=user, by=by, about=ticket)
    _take_in_hand(ticket, by=by)
    return user


@transaction.atomic
def ticket_habilitation_extend(*, ticket: Ticket, by, habilitation: Habilitation) -> HabilitationExtension:
    ticket = _habilitation_ticket(ticket)
    result = habilitation_extend(habilitation=_ticket_habilitation(ticket, habilitation), by=by, about=ticket)
    _take_in_hand(ticket, by=by)
    return result


@transaction.atomic
def ticket_habilitation_end(*, ticket: Ticket, by, habilitation: Habilitation) -> HabilitationEnd:
    ticket = _habilitation_ticket(ticket)
    result = habilitation_end(habilitation=_ticket_habilitation(ticket, habilitation), by=by, about=ticket)
    _take_in_hand(ticket, by=by)
    return result
