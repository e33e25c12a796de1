"""Brute force: django-axes locks (identifiant, IP) after 5 failures; an IP alone is locked after 30.

Locking the pair, not the identifiant, means nobody can lock a known user out from elsewhere. One policy for every
login form: the IP limit lives in django-axes' handler (AXES_HANDLER), which every `authenticate()` consults, so
/connexion/, /admin/login/ and the "Code de vérification" step (accounts.two_factor) share the same counters.
"""

import datetime
import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger("apart.security")


def _remaining(since: datetime.datetime | None) -> datetime.timedelta | None:
    if since is None:
        return None
    remaining = since + settings.AXES_COOLOFF_TIME - timezone.now()
    return remaining if remaining > datetime.timedelta(0) else None


def ip_lockout_remaining(request) -> datetime.timedelta | None:
    """Time left when this IP address failed LOGIN_IP_FAILURE_LIMIT times within the cool-off period."""
    ip_address = get_client_ip_address(request)
    window_start = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessFailureLog.objects.filter(ip_address=ip_address, attempt_time__gte=window_start)
    times = list(
        failures.order_by("-attempt_time").values_list("attempt_time", flat=True)[: settings.LOGIN_IP_FAILURE_LIMIT]
    )
    if len(times) < settings.LOGIN_IP_FAILURE_LIMIT:
        return None
    return _remaining(times[0])


def pair_lockout_remaining(request, username: str) -> datetime.timedelta | None:
    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=get_client_ip_address(request))
        .order_by("-attempt_time")
        .first()
    )
    if attempt is None or attempt.failures_since_start < settings.AXES_FAILURE_LIMIT:
        return None
    return _remaining(attempt.attempt_time)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' pair lockout, plus the IP lockout over any identifiants."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or ip_lockout_remaining(request) is not None


def is_locked_out(request, username: str) -> bool:
    """The check of a login step that calls no `authenticate()` (the second factor)."""
    return bool(ip_lockout_remaining(request) or pair_lockout_remaining(request, username))


def minutes_left(delta: datetime.timedelta) -> int:
    """A waiting time as the pages say it: whole minutes, rounded up, at least one."""
    return max(1, -(-int(delta.total_seconds()) // 60))


def lockout_response(request, response=None, credentials=None):
    """django-axes' lockout page, in French, with the time left and the way out."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    remaining = pair_lockout_remaining(request, username) or ip_lockout_remaining(request) or settings.AXES_COOLOFF_TIME
    minutes = minutes_left(remaining)
    logger.warning(
        "Connexion bloquée : identifiant=%r ip=%s (%s min restantes)", username, get_client_ip_address(request), minutes
    )
    return render(request, "accounts/lockout.html", {"minutes": minutes}, status=429)


# --- The current password asked by the "Mon compte" pages --------------------------------------------
# Whoever holds a session (a shared computer, a stolen cookie) must not be able to guess the password there
# faster than at /connexion/: a wrong current password is a failed login of the account from this IP, counted
# by django-axes with the same policy, and the same lockout page follows.


def current_password_lockout(request):
    """The lockout page while the account is locked from this IP (or the IP alone is), else None."""
    username = request.user.identifiant
    if pair_lockout_remaining(request, username) or ip_lockout_remaining(request):
        return lockout_response(request, credentials={"username": username})
    return None


def current_password_failed(request) -> None:
    """Count a wrong current password; at the limit django-axes' middleware answers with the lockout page."""
    user_login_failed.send(sender=__name__, credentials={"username": request.user.identifiant}, request=request)
