"""The e-mail outbox: rows written with the change that causes them, sent after commit."""

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from apart.secretbox import SecretUnreadable

from .models import OutboxEmail, OutboxStatus
from .placeholders import new_nonce, placeholder, secrets_fill, secrets_seal

logger = logging.getLogger(__name__)


def _render_html(template_name: str, context: dict) -> str:
    try:
        template = get_template(template_name)
    except TemplateDoesNotExist:
        return ""
    return template.render(context)


def outbox_email_create(
    *, kind: str, to: str, subject: str, body_text: str, body_html: str = "", secrets_sealed: str = ""
) -> OutboxEmail:
    """Write one outbox row and queue its sending for after the surrounding transaction commits."""
    email = OutboxEmail.objects.create(
        kind=kind,
        to=to,
        from_email=settings.DEFAULT_FROM_EMAIL,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        secrets_sealed=secrets_sealed,
    )
    transaction.on_commit(lambda: _queue_sending(email.pk))
    return email


def email_enqueue(
    *,
    kind: str,
    to: str,
    context: dict | None = None,
    template_prefix: str | None = None,
    secrets: dict[str, str | None] | None = None,
) -> OutboxEmail:
    """Render the template pair of `kind` and write it to the outbox.

    Templates: `<prefix>_subject.txt`, `<prefix>_message.txt` and optionally `<prefix>_message.html`,
    where the prefix defaults to `emails/<kind>`. `secrets` (a reset link, a temporary password…) are rendered
    as placeholders and kept sealed in the row until it is sent: no secret is ever stored in clear.
    """
    prefix = template_prefix or f"emails/{kind}"
    nonce = new_nonce()
    values = {name: str(value) for name, value in (secrets or {}).items() if value}
    context = {
        "support_email": settings.SUPPORT_EMAIL,
        **(context or {}),
        **{name: value for name, value in (secrets or {}).items() if not value},  # nothing to hide: as before
        **{name: placeholder(nonce, name) for name in values},
    }
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    body_text = render_to_string(f"{prefix}_message.txt", context).strip() + "\n"
    body_html = _render_html(f"{prefix}_message.html", context)
    used = {
        name: value for name, value in values.items() if placeholder(nonce, name) in subject + body_text + body_html
    }
    return outbox_email_create(
        kind=kind,
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        secrets_sealed=secrets_seal(nonce, used),
    )


def emails_enqueue_bulk(*, kind: str, messages: Iterable[tuple[list[str], dict]], batch_size: int = 1000) -> int:
    """`email_enqueue` for many e-mails of one kind without secrets (a payment run's thousands of status e-mails):
    each context rendered once for its recipients, the rows written in bulk, one sending of the pending rows queued
    after the commit. The number of rows written."""
    prefix = f"emails/{kind}"
    subject_template = get_template(f"{prefix}_subject.txt")
    text_template = get_template(f"{prefix}_message.txt")
    try:
        html_template = get_template(f"{prefix}_message.html")
    except TemplateDoesNotExist:
        html_template = None
    rows = []
    for recipients, context in messages:
        if not recipients:
            continue
        context = {"support_email": settings.SUPPORT_EMAIL, **context}
        subject = " ".join(subject_template.render(context).split())
        body_text = text_template.render(context).strip() + "\n"
        body_html = html_template.render(context) if html_template else ""
        rows.extend(
            OutboxEmail(
                kind=kind,
                to=to,
                from_email=settings.DEFAULT_FROM_EMAIL,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
            )
            for to in recipients
        )
    OutboxEmail.objects.bulk_create(rows, batch_size=batch_size)
    if rows:
        transaction.on_commit(_queue_pending_sending)
    return len(rows)


# A publish that failed (broker refusing or hung) pauses the publishing of this process to that broker for this
# long: a hung broker costs one request 2 s (its socket timeout), not 2 s per e-mail of every request. The rows
# written meanwhile wait for the periodic sender, which runs once the broker is back.
BROKER_PAUSE_SECONDS = 30
_broker_failed_at: dict[str, float] = {}  # broker URL → time.monotonic() of its last failed publish


def _publish(task, *args) -> bool:
    """`task.delay(*args)`, or False when the broker is down (now, or at a publish of the last 30 s)."""
    from apart.celery import app

    url = app.conf.broker_url or ""
    failed_at = _broker_failed_at.get(url)
    if failed_at is not None and time.monotonic() - failed_at < BROKER_PAUSE_SECONDS:
        return False
    try:
        task.delay(*args)
    except Exception:
        _broker_failed_at[url] = time.monotonic()
        logger.warning("Broker indisponible : publication impossible.", exc_info=True)
        return False
    _broker_failed_at.pop(url, None)
    return True


def _queue_pending_sending() -> None:
    from .tasks import send_pending_emails

    if not _publish(send_pending_emails):  # the periodic sender will pick the rows up.
        logger.warning("Envoi des courriels en attente non mis en file (broker indisponible) : ils restent en attente.")


def _queue_sending(email_id: int) -> None:
    from .tasks import send_outbox_email

    if not _publish(send_outbox_email, email_id):  # the periodic sender will pick the row up.
        logger.warning("Courriel %s non mis en file (broker indisponible), il reste en attente.", email_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def message_id(email: OutboxEmail) -> str:
    """The row's Message-ID, the same at every attempt: a message delivered twice (a sender killed after the SMTP
    server accepted it) is recognised as one by the receiving side."""
    domain = parseaddr(email.from_email)[1].rpartition("@")[2] or DNS_NAME.get_fqdn()
    return f"<outbox-{email.pk}-{int(email.created_at.timestamp())}@{domain}>"


def _build_message(email: OutboxEmail) -> EmailMultiAlternatives:
    subject, body_text, body_html = secrets_fill(
        email.secrets_sealed, email.subject, email.body_text, email.body_html, html=(False, False, True)
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=body_text,
        from_email=email.from_email,
        to=[email.to],
        headers={"X-APART-Outbox-Id": str(email.pk), "Message-ID": message_id(email)},
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    return message


def _claim(email_id: int) -> OutboxEmail | None:
    """Take the row and record the attempt, committed before any SMTP: a sender killed during the conversation
    leaves a trace (the attempt) and a lease, after which the row is sent again, under the same Message-ID."""
    now = timezone.now()
    with transaction.atomic():
        email = OutboxEmail.objects.select_for_update(skip_locked=True).unclaimed(now).filter(pk=email_id).first()
        if email is None:
            return None
        email.attempts += 1
        email.last_attempt_at = now
        email.claimed_until = now + timedelta(seconds=settings.OUTBOX_SEND_LEASE_SECONDS)
        email.save(update_fields=["attempts", "last_attempt_at", "claimed_until"])
    return email


def outbox_email_send(*, email_id: int) -> bool:
    """Send one pending row: at least once, and as a rule once (the row is claimed first; a row already sent or
    being sent by another sender is left alone). The secrets are wiped with the row's SENT mark.

    Returns True when this call sent the e-mail.
    """
    email = _claim(email_id)
    if email is None:
        return False
    try:
        _build_message(email).send()
    except Exception as error:  # SMTP refused, unreachable, timed out, secret unreadable…: keep the row for later.
        unreadable = isinstance(error, SecretUnreadable)
        failed = unreadable or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        OutboxEmail.objects.filter(pk=email.pk, status=OutboxStatus.PENDING).update(
            last_error=(
                "Secret illisible (clé SECRETBOX_KEY changée ?) : le courriel ne peut plus être envoyé."
                if unreadable
                else f"{type(error).__name__}: {error}"[:2000]
            ),
            status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
            next_attempt_at=timezone.now() + _backoff(email.attempts),
            claimed_until=None,
        )
        logger.warning("Échec de l'envoi du courriel %s (tentative %s) : %s", email.pk, email.attempts, error)
        return False
    OutboxEmail.objects.filter(pk=email.pk, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="", secrets_sealed="", claimed_until=None
    )
    return True


def outbox_failed_requeue(*, email_ids: list[int] | None = None, queue: bool = True) -> list[int]:
    """FAILED rows (those of `email_ids`, or all) back to pending with a fresh set of attempts, their sending
    queued after commit (unless `queue` is False: the caller sends them itself and counts them, as
    send_pending_emails --failed does). Returns the ids requeued; a row in another state is left alone."""
    with transaction.atomic():
        queryset = OutboxEmail.objects.select_for_update().filter(status=OutboxStatus.FAILED)
        if email_ids is not None:
            queryset = queryset.filter(pk__in=email_ids)
        ids = list(queryset.values_list("pk", flat=True))
        OutboxEmail.objects.filter(pk__in=ids).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=None, claimed_until=None
        )
        for email_id in ids if queue else ():
            transaction.on_commit(lambda email_id=email_id: _queue_sending(email_id))
    return ids


def outbox_send_pending(*, due_only: bool = True, limit: int | None = None) -> tuple[int, int]:
    """Send the rows still pending (all of them, or only those whose back-off has passed).

    Returns (sent, failed).
    """
    queryset = OutboxEmail.objects.due() if due_only else OutboxEmail.objects.unclaimed()
    ids = list(queryset.order_by("created_at", "id").values_list("pk", flat=True)[:limit])
    sent = sum(outbox_email_send(email_id=email_id) for email_id in ids)
    return sent, len(ids) - sent


def outbox_purge(*, now=None) -> int:
    """Delete the rows past OUTBOX_RETENTION_DAYS: sent ones by their sending date, failed ones by their creation
    (they had all their attempts within hours and will never leave; kept as long, so that support can still see
    why a person got nothing). A pending row is never deleted, however old. Returns the number deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    sent = Q(status=OutboxStatus.SENT, sent_at__lt=cutoff)
    failed = Q(status=OutboxStatus.FAILED, created_at__lt=cutoff)
    deleted, _per_model = OutboxEmail.objects.filter(sent | failed).delete()
    return deleted
