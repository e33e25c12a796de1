"""Writes of the assistance: requests, replies both ways, and the staff desk's actions, each audited."""

import secrets

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_secret_question_reset
from apart.outbox.services import email_enqueue
from habilitations.models import Establishment, Habilitation
from habilitations.services import (
    habilitation_account_emails_resend,
    habilitation_end,
    habilitation_extend,
    habilitation_transfer,
)

from .enums import StaffActionKind, TicketMessageAuthor, TicketMotif, TicketStatus
from .models import StaffAction, Ticket, TicketMessage
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
        context=_ticket_context(ticket, reply_url=ticket_reply_url(ticket=ticket)),
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


def _audit(*, ticket: Ticket, by, action: str, summary: str, target_user=None, establishment=None, **details):
    return StaffAction.objects.create(
        ticket=ticket,
        actor=by,
        action=action,
        summary=summary,
        target_user=target_user,
        establishment=establishment,
        details=details,
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
        context=_ticket_context(ticket, message=message, reply_url=ticket_reply_url(ticket=ticket)),
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


def _dates(habilitation: Habilitation) -> str:
    return f"du {habilitation.valid_from:%d/%m/%Y} au {habilitation.valid_until:%d/%m/%Y}"


@transaction.atomic
def ticket_habilitation_transfer(
    *, ticket: Ticket, by, nom: str, prenom: str, courriel: str, telephone: str = "", end_users=None
):
    """Cas 2.1 for the ticket's establishment (see habilitations.services.habilitation_transfer)."""
    ticket = _habilitation_ticket(ticket)
    establishment = Establishment.objects.filter(siret=ticket.siret).first()
    if establishment is None:
        raise TicketActionRefused(
            "Aucun espace n'existe pour ce Siret : il n'y a pas d'habilitation à transférer. "
            "Le demandeur peut faire « CRÉER MON ESPACE »."
        )
    result = habilitation_transfer(
        establishment=establishment,
        nom=nom,
        prenom=prenom,
        courriel=courriel,
        telephone=telephone,
        end_users=end_users,
    )
    ended = ", ".join(item["identifiant"] for item in result.ended) or "aucune"
    _audit(
        ticket=ticket,
        by=by,
        action=StaffActionKind.HABILITATION_TRANSFER,
        summary=(
            f"Habilitation APART sur {establishment.siret} transférée à {result.user.identifiant} "
            f"({'compte créé' if result.account_created else 'compte existant'}, {_dates(result.habilitation)}) ; "
            f"habilitation(s) terminée(s) : {ended}"
        ),
        target_user=result.user,
        establishment=establishment,
        account_created=result.account_created,
        case=result.case,
        habilitation=result.habilitation.pk,
        ended=result.ended,
    )
    _take_in_hand(ticket, by=by)
    return result


@transaction.atomic
def ticket_account_emails_resend(*, ticket: Ticket, by, habilitation: Habilitation) -> list:
    """Cas n°3: the account e-mails again (a new temporary password when the holder never connected)."""
    ticket = _habilitation_ticket(ticket)
    habilitation = _ticket_habilitation(ticket, habilitation)
    emails = habilitation_account_emails_resend(habilitation=habilitation)
    _audit(
        ticket=ticket,
        by=by,
        action=StaffActionKind.EMAILS_RESEND,
        summary=(
            f"{len(emails)} courriel(s) renvoyé(s) à {habilitation.user.courriel} : "
            + ", ".join(email.subject for email in emails)
        ),
        target_user=habilitation.user,
        establishment=habilitation.establishment,
        emails=[email.pk for email in emails],
        new_temporary_password=any(email.kind == "mot_de_passe" for email in emails),
    )
    _take_in_hand(ticket, by=by)
    return emails


@transaction.atomic
def ticket_secret_question_reset(*, ticket: Ticket, by, user):
    """Forgotten secret answer: the user chooses a new question at the next connection, and is told by e-mail."""
    ticket = _habilitation_ticket(ticket)
    if user not in ticket_users(ticket=ticket):
        raise TicketActionRefused("Ce compte ne concerne pas cette demande.")
    user = user_secret_question_reset(user=user)
    email_enqueue(
        kind="question_secrete_reinitialisee",
        to=user.courriel,
        context={"user": user, "ticket": ticket, "site_url": settings.SITE_URL},
    )
    _audit(
        ticket=ticket,
        by=by,
        action=StaffActionKind.SECRET_QUESTION_RESET,
        summary=f"Question secrète de {user.identifiant} réinitialisée (nouvelle question à la prochaine connexion)",
        target_user=user,
    )
    _take_in_hand(ticket, by=by)
    return user


@transaction.atomic
def ticket_habilitation_extend(*, ticket: Ticket, by, habilitation: Habilitation) -> Habilitation:
    ticket = _habilitation_ticket(ticket)
    habilitation = _ticket_habilitation(ticket, habilitation)
    previous_until = habilitation.valid_until
    habilitation = habilitation_extend(habilitation=habilitation)
    _audit(
        ticket=ticket,
        by=by,
        action=StaffActionKind.HABILITATION_EXTEND,
        summary=(
            f"Habilitation de {habilitation.user.identifiant} sur {habilitation.establishment.siret} prolongée "
            f"jusqu'au {habilitation.valid_until:%d/%m/%Y} (au lieu du {previous_until:%d/%m/%Y})"
        ),
        target_user=habilitation.user,
        establishment=habilitation.establishment,
        habilitation=habilitation.pk,
        previous_valid_until=previous_until.isoformat(),
        valid_until=habilitation.valid_until.isoformat(),
    )
    _take_in_hand(ticket, by=by)
    return habilitation


@transaction.atomic
def ticket_habilitation_end(*, ticket: Ticket, by, habilitation: Habilitation) -> dict:
    ticket = _habilitation_ticket(ticket)
    habilitation = _ticket_habilitation(ticket, habilitation)
    user, establishment = habilitation.user, habilitation.establishment
    result = habilitation_end(habilitation=habilitation)
    outcome = {
        "ended": "terminée (dernier jour : hier)",
        "deleted": "supprimée (elle n'avait pas encore commencé)",
        "already_ended": "déjà terminée, inchangée",
    }[result["result"]]
    _audit(
        ticket=ticket,
        by=by,
        action=StaffActionKind.HABILITATION_END,
        summary=f"Habilitation de {user.identifiant} sur {establishment.siret} {outcome}",
        target_user=user,
        establishment=establishment,
        **result,
    )
    _take_in_hand(ticket, by=by)
    return result
