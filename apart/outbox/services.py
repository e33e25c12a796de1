"""The e-mail outbox: rows written with the change that causes them, sent after commit."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from .models import OutboxEmail, OutboxStatus

logger = logging.getLogger(__name__)


def _render_html(template_name: str, context: dict) -> str:
    try:
        template = get_template(template_name)
    except TemplateDoesNotExist:
        return ""
    return template.render(context)


def outbox_email_create(*, kind: str, to: str, subject: str, body_text: str, body_html: str = "") -> OutboxEmail:
    """Write one outbox row and queue its sending for after the surrounding transaction commits."""
    email = OutboxEmail.objects.create(
        kind=kind,
        to=to,
        from_email=settings.DEFAULT_FROM_EMAIL,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
    )
    transaction.on_commit(lambda: _queue_sending(email.pk))
    return email


def email_enqueue(
    *, kind: str, to: str, context: dict | None = None, template_prefix: str | None = None
) -> OutboxEmail:
    """Render the template pair of `kind` and write it to the outbox.

    Templates: `<prefix>_subject.txt`, `<prefix>_message.txt` and optionally `<prefix>_message.html`,
    where the prefix defaults to `emails/<kind>`.
    """
    prefix = template_prefix or f"emails/{kind}"
    context = {"support_email": settings.SUPPORT_EMAIL, **(context or {})}
    return outbox_email_create(
        kind=kind,
        to=to,
        subject=" ".join(render_to_string(f"{prefix}_subject.txt", context).split()),
        body_text=render_to_string(f"{prefix}_message.txt", context).strip() + "\n",
        body_html=_render_html(f"{prefix}_message.html", context),
    )


def _queue_sending(email_id: int) -> None:
    from .tasks import send_outbox_email

    try:
        send_outbox_email.delay(email_id)
    except Exception:  # the broker is down: the periodic sender will pick the row up.
        logger.warning("Courriel %s non mis en file (broker indisponible), il reste en attente.", email_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _build_message(email: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.to],
        headers={"X-APART-Outbox-Id": str(email.pk)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def outbox_email_send(*, email_id: int) -> bool:
    """Send one pending row, at most once: the row is locked, and a row already sent is left alone.

    Returns True when this call sent the e-mail.
    """
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboxStatus.PENDING)
            .first()
        )
        if email is None:
            return False
        email.attempts += 1
        try:
            _build_message(email).send()
        except Exception as error:  # SMTP refused, unreachable, timed out…: keep the row for a later run.
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = OutboxStatus.FAILED
            email.next_attempt_at = timezone.now() + _backoff(email.attempts)
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("Échec de l'envoi du courriel %s (tentative %s) : %s", email.pk, email.attempts, error)
            return False
        email.status = OutboxStatus.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return True


def outbox_send_pending(*, due_only: bool = True, limit: int | None = None) -> tuple[int, int]:
    """Send the rows still pending (all of them, or only those whose back-off has passed).

    Returns (sent, failed).
    """
    queryset = OutboxEmail.objects.due() if due_only else OutboxEmail.objects.pending()
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
