"""The state of the services the site depends on: the database, the cache (Redis), the broker (Redis) and the SMTP
server, each checked with a short timeout. Used by /sante/ (apart.health, JSON for a load balancer) and by
`manage.py check_stack` (French lines for an operator).

The checks run at once, each in a thread of its own, and the caller waits at most CHECK_TIMEOUT_SECONDS for all of
them: a service that hangs (accepts the connection and never answers) is reported « délai dépassé » after 2 s,
not after its own socket timeout. A service that is not configured (no REDIS_URL, no CELERY_BROKER_URL, no SMTP
backend) is reported as such and never counts as down.
"""

from __future__ import annotations

import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

CHECK_TIMEOUT_SECONDS = 2.0

OK = "ok"
DOWN = "erreur"
NOT_CONFIGURED = "non configuré"


class NotConfigured(Exception):
    """The service is not used in this configuration (the message says what replaces it)."""


@dataclass(frozen=True)
class ServiceState:
    name: str  # the JSON key: database, cache, broker, smtp
    label: str  # what the operator reads
    state: str  # OK, DOWN or NOT_CONFIGURED
    detail: str  # the error (type and message), or what replaces a service not configured
    duration_ms: int

    @property
    def down(self) -> bool:
        return self.state == DOWN

    def line(self) -> str:
        """« Base de données : OK (3 ms) », « Redis (cache) : injoignable — ConnectionError: … »."""
        if self.state == OK:
            return f"{self.label} : OK ({self.duration_ms} ms)"
        if self.state == NOT_CONFIGURED:
            return f"{self.label} : non configuré — {self.detail}"
        return f"{self.label} : injoignable — {self.detail} ({self.duration_ms} ms)"


def _check_database() -> None:
    from django.db import connections

    connection = connections["default"]  # this thread's own connection, closed below
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def _check_cache() -> None:
    if not settings.REDIS_URL:
        raise NotConfigured("mémoire locale de chaque processus (REDIS_URL vide)")
    from django.core.cache import cache

    cache.set("sante", "ok", 5)
    if cache.get("sante") != "ok":
        raise RuntimeError("lecture du cache impossible")


def _check_broker() -> None:
    if not settings.CELERY_BROKER_URL:
        raise NotConfigured("tâches exécutées dans le processus web (CELERY_BROKER_URL vide)")
    from apart.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(
            max_retries=0, timeout=CHECK_TIMEOUT_SECONDS, interval_start=0, interval_step=0, interval_max=0
        )


def _check_smtp() -> None:
    from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
    from django.utils.module_loading import import_string

    if not issubclass(import_string(settings.EMAIL_BACKEND), SMTPBackend):
        raise NotConfigured(f"courriels non envoyés par SMTP ({settings.EMAIL_BACKEND.rsplit('.', 2)[-2]})")
    smtp_class = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
    # A connection, the greeting and a NOOP: the server answers. No message, no authentication.
    with smtp_class(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=CHECK_TIMEOUT_SECONDS) as server:
        code, message = server.noop()
        if code != 250:
            raise smtplib.SMTPResponseException(code, message)


CHECKS: tuple[tuple[str, str, Callable[[], None]], ...] = (
    ("database", "Base de données", _check_database),
    ("cache", "Redis (cache)", _check_cache),
    ("broker", "Broker Celery (Redis)", _check_broker),
    ("smtp", "Serveur SMTP", _check_smtp),
)


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}"[:300] if text else type(error).__name__


def stack_check(*, timeout: float = CHECK_TIMEOUT_SECONDS) -> list[ServiceState]:
    """Check every service at once; a check still running after `timeout` seconds is reported down."""
    results: dict[str, tuple[str, str, int]] = {}

    def run(name: str, check: Callable[[], None]) -> None:
        start = time.monotonic()
        try:
            check()
            outcome = (OK, "")
        except NotConfigured as reason:
            outcome = (NOT_CONFIGURED, str(reason))
        except Exception as error:
            outcome = (DOWN, _describe(error))
        results[name] = (*outcome, round((time.monotonic() - start) * 1000))

    threads = [
        threading.Thread(target=run, args=(name, check), name=f"sante-{name}", daemon=True)
        for name, _label, check in CHECKS
    ]
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    waited = round(timeout * 1000)
    return [
        ServiceState(name, label, *results.get(name, (DOWN, f"délai dépassé ({timeout:g} s)", waited)))
        for name, label, _check in CHECKS
    ]
