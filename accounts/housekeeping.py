"""Housekeeping: what has outlived its use is marked, then deleted. Run hourly by Celery beat
(`accounts.tasks.purge_expired`) and by `python manage.py purge_expired`; both call `purge_expired` below."""

import logging
from datetime import timedelta
from importlib import import_module

from captcha.models import CaptchaStore
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apart.outbox.services import outbox_purge

logger = logging.getLogger(__name__)

# The one-time links kept as rows (token_hash, created_at, expires_at, used_at, voided_at, voided_reason).
# A new kind of link is one more line here.
EXPIRING_TOKEN_MODELS = [
    "accounts.PasswordResetToken",
    "accounts.CourrielChangeToken",
]
# How long a dead token (expired, used or voided) is kept, for the admin and the link's error message.
TOKEN_RETENTION = timedelta(days=7)

_DATABASE_SESSION_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


def _tokens_mark_expired(model, *, now) -> int:
    """A live token past its lifetime becomes voided "expired", as of its expiry."""
    live = model.objects.filter(used_at__isnull=True, voided_at__isnull=True, expires_at__lte=now)
    return live.update(voided_at=F("expires_at"), voided_reason="expired")


def _tokens_delete_dead(model, *, now) -> int:
    cutoff = now - TOKEN_RETENTION
    dead = Q(expires_at__lt=cutoff) | Q(used_at__lt=cutoff) | Q(voided_at__lt=cutoff)
    deleted, _per_model = model.objects.filter(dead).delete()
    return deleted


def _sessions_purge(*, now) -> int | None:
    """Expired sessions: counted when they live in the database; other engines clean up their own way
    (`clearsessions`' call), uncounted (None)."""
    if settings.SESSION_ENGINE in _DATABASE_SESSION_ENGINES:
        deleted, _per_model = Session.objects.filter(expire_date__lt=now).delete()
        return deleted
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return None


def purge_expired(*, now=None) -> dict[str, int | None]:
    """One pass of housekeeping; idempotent (a second pass right after counts 0 everywhere).

    Returns the counts: tokens marked expired, tokens deleted, captchas, sessions and outbox e-mails deleted.
    """
    now = now or timezone.now()
    counts = {"tokens_expired": 0, "tokens_deleted": 0}
    with transaction.atomic():
        for label in EXPIRING_TOKEN_MODELS:
            model = apps.get_model(label)
            counts["tokens_expired"] += _tokens_mark_expired(model, now=now)
            counts["tokens_deleted"] += _tokens_delete_dead(model, now=now)
        counts["captchas"] = CaptchaStore.objects.filter(expiration__lte=now).delete()[0]
        counts["sessions"] = _sessions_purge(now=now)
        counts["outbox"] = outbox_purge(now=now)
    logger.info(
        "purge_expired : jetons marqués expirés=%s, jetons supprimés=%s, captchas supprimés=%s, "
        "sessions supprimées=%s, courriels supprimés=%s",
        *counts.values(),
    )
    return counts
