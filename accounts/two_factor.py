"""Double authentification: a TOTP code (django-otp) after the password, and 10 single-use "Codes de secours".

Required at once for ASP staff (`is_staff`) and the « Agent UD » group; required after a grace period
(TWO_FACTOR_GRACE_DAYS from the first login where it was asked) for the accounts a registered rule names — the one
of habilitations.perms: more than TWO_FACTOR_ESTABLISHMENTS_THRESHOLD establishments; optional for the others, from
"Mon compte". A login with a device is held in the session (PENDING_SESSION_KEY) until the code is given: the session
is not authenticated before. Wrong codes count toward the login lockout (accounts.lockout) like wrong passwords.
"""

import datetime
import logging
import math
import secrets
import time
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import login, user_login_failed
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from apart.outbox.services import email_enqueue
from audit.enums import StaffActionKind
from audit.services import audit_record

from .models import TwoFactorRecoveryCode, User
from .roles import is_agent_ud

logger = logging.getLogger("apart.security")

PENDING_SESSION_KEY = "two_factor_pending"
PENDING_LIFETIME_SECONDS = 5 * 60
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code read on paper is typed back without doubt. 10 characters of 31: 49 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
DEVICE_NAME = "Application d'authentification"


def two_factor_required_at_once(user) -> bool:
    """Staff and the UD agents, from their first login (the group's check is cached on the user for the request)."""
    return bool(user.is_staff) or is_agent_ud(user)


# --- Required after a grace period: rules registered by the apps above accounts -------------------------------
#
# accounts may not import habilitations (import-linter layers), yet « more than 50 establishments » counts
# habilitations: the rule is written there (habilitations.perms.holds_many_establishments) and registered here from
# its AppConfig.ready(), as the admin's home page panels are (apart.dashboard).

GraceRule = Callable[[User], bool]
_grace_rules: list[GraceRule] = []


def grace_rule_register(rule: GraceRule) -> GraceRule:
    """Decorator: `rule(user) -> bool`, true when the account must turn the double authentification on, with
    TWO_FACTOR_GRACE_DAYS to do it from the first login where it is asked."""
    if rule not in _grace_rules:
        _grace_rules.append(rule)
    return rule


def two_factor_required_with_grace(user) -> bool:
    """Required by a registered rule (and not at once): one query or so per rule, read once per session by the
    middleware."""
    return not two_factor_required_at_once(user) and any(rule(user) for rule in _grace_rules)


def two_factor_required(user) -> bool:
    """Required, at once or after the grace period: it cannot be turned off."""
    return two_factor_required_at_once(user) or two_factor_required_with_grace(user)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def text_key(device: TOTPDevice) -> str:
    """The key as an authenticator app asks it when typed: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG (no image request, nothing the Content-Security-Policy has to allow)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=20)
    svg = image.to_string(encoding="unicode")
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="QR code à scanner" ', 1))  # noqa: S308


# --- The login's second step ---------------------------------------------------------------------


def login_or_ask_code(request, user, *, username: str, next_url: str):
    """After a right password: log in, or, when the account has a device, hold the login until the code."""
    if confirmed_device(user) is None:
        login(request, user)  # a required account without a device is then led to the enrolment (middleware)
        return redirect(next_url)
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "username": username,
        "backend": user.backend,
        "next": next_url,
        "since": time.time(),
    }
    return redirect("accounts:two_factor_verify")


@dataclass(frozen=True)
class Pending:
    user: User
    username: str
    backend: str | None
    next_url: str


def pending_login(request) -> Pending | None:
    """Who is giving the code: the held login, or a logged-in account whose session is not verified yet."""
    held = request.session.get(PENDING_SESSION_KEY)
    if held and time.time() - held["since"] < PENDING_LIFETIME_SECONDS:
        user = User.objects.filter(pk=held["user"], is_active=True).first()
        if user is not None:
            return Pending(user=user, username=held["username"], backend=held["backend"], next_url=held["next"])
    if request.user.is_authenticated:
        return Pending(user=request.user, username=request.user.get_username(), backend=None, next_url="")
    return None


def code_failed(request, *, username: str) -> None:
    """A wrong code is a failed login for django-axes: same counters, same lockout, same audit."""
    logger.warning("Code de vérification refusé : identifiant=%r", username)
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def code_accepted(request, *, pending: Pending, device: TOTPDevice) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)
    if request.user.pk != pending.user.pk:  # (another account logged in on this browser is logged out by login())
        login(request, pending.user, backend=pending.backend)  # a new session key; django-axes resets the counts
    otp_login(request, device)


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | None
    recovery_codes_left: int | None = None  # set when a recovery code was used


def second_factor_check(*, user, code: str) -> CodeCheck:
    """A 6-digit TOTP code, or one of the recovery codes (then spent)."""
    device = confirmed_device(user)
    if device is None:
        return CodeCheck(device=None)
    code = normalize_code(code)
    if code.isdigit():
        return CodeCheck(device=device if device.verify_token(code) else None)  # django-otp throttles it too
    if recovery_code_use(user=user, code=code):
        return CodeCheck(device=device, recovery_codes_left=user.two_factor_recovery_codes.unused().count())
    return CodeCheck(device=None)


# --- Services ------------------------------------------------------------------------------------


def _new_recovery_code() -> str:
    code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def recovery_codes_create(*, user) -> list[str]:
    """10 new codes, replacing the old ones; shown once, only their hashes are kept."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    user.two_factor_recovery_codes.all().delete()
    TwoFactorRecoveryCode.objects.bulk_create(
        TwoFactorRecoveryCode(user=user, code_hash=make_password(normalize_code(code))) for code in codes
    )
    return codes


def recovery_code_use(*, user, code: str) -> bool:
    """Spends a recovery code: the conditional UPDATE makes two requests with the same code succeed once."""
    code = normalize_code(code)
    if len(code) != RECOVERY_CODE_LENGTH:
        return False
    for row in user.two_factor_recovery_codes.unused():
        if check_password(code, row.code_hash):
            used = TwoFactorRecoveryCode.objects.unused().filter(pk=row.pk).update(used_at=timezone.now()) == 1
            if used:
                logger.info("Code de secours utilisé : identifiant=%r", user.get_username())
            return used
    return False


@transaction.atomic
def two_factor_device_start(*, user) -> TOTPDevice:
    """The device being enrolled: a new key, not yet confirmed (the confirmed one, if any, stays until then)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def two_factor_enable(*, user, device_id: int, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirms the enrolled device with a code from the app; returns it and the recovery codes, or None."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    code = normalize_code(code)
    if device is None or not code.isdigit() or not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    logger.info("Double authentification activée : identifiant=%r", user.get_username())
    return device, recovery_codes_create(user=user)


@transaction.atomic
def two_factor_disable(*, user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    user.two_factor_recovery_codes.all().delete()
    logger.info("Double authentification désactivée : identifiant=%r", user.get_username())


def demo_device_set(*, user, key_hex: str) -> TOTPDevice:
    """seed_demo only: a confirmed device with a published key (demo accounts, never a real one)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True, key=key_hex).first()
    if device is None:
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key_hex, confirmed=True)
    return device


# --- The grace period (accounts required by a rule) ----------------------------------------------------------


def grace_deadline(user) -> datetime.datetime | None:
    """When the grace period ends (None: it has not started)."""
    if user.two_factor_grace_started_at is None:
        return None
    return user.two_factor_grace_started_at + datetime.timedelta(days=settings.TWO_FACTOR_GRACE_DAYS)


def grace_days_left(user, *, now: datetime.datetime | None = None) -> int:
    """Days left to turn it on, counted up (6 days and 1 hour: 7); 0 once the period is over."""
    deadline = grace_deadline(user)
    if deadline is None:
        return settings.TWO_FACTOR_GRACE_DAYS
    seconds = (deadline - (now or timezone.now())).total_seconds()
    return max(0, math.ceil(seconds / 86400))


def _grace_context(user) -> dict:
    return {
        "user": user,
        "deadline": grace_deadline(user),
        "days": settings.TWO_FACTOR_GRACE_DAYS,
        "threshold": settings.TWO_FACTOR_ESTABLISHMENTS_THRESHOLD,
        "site_url": settings.SITE_URL,
    }


# The session's reading of the rules ({"user": pk, "applies": bool, "later": bool}): the rules count rows, read once
# per session (an account that passes the threshold during a session is asked at its next login). Django's login()
# keeps the session's data only for the same account; logout() flushes it.
GRACE_SESSION_KEY = "two_factor_grace"


def grace_applies(request, user) -> bool:
    state = request.session.get(GRACE_SESSION_KEY)
    if state is None or state.get("user") != user.pk:
        state = {"user": user.pk, "applies": two_factor_required_with_grace(user), "later": False}
        request.session[GRACE_SESSION_KEY] = state
    return state["applies"]


def enrolment_pending(request, user) -> bool:
    """Whether this session (of an account without a device) must go through the enrolment now: staff and UD
    agents always; an account required it by a rule unless it chose « Plus tard » during the grace period. The
    first time, the grace period starts (and its e-mail goes)."""
    if two_factor_required_at_once(user):
        return True
    if not grace_applies(request, user):
        return False
    if user.two_factor_grace_started_at is None:
        two_factor_grace_start(user=user)
    return not (request.session[GRACE_SESSION_KEY]["later"] and grace_days_left(user) > 0)


def grace_postpone(request, user) -> bool:
    """« Plus tard »: the session goes on without the double authentification, while the grace period runs."""
    if two_factor_required_at_once(user) or not grace_applies(request, user):
        return False
    if user.two_factor_grace_started_at is None or grace_days_left(user) == 0:
        return False
    request.session[GRACE_SESSION_KEY] = {**request.session[GRACE_SESSION_KEY], "later": True}
    return True


@transaction.atomic
def two_factor_grace_start(*, user, now: datetime.datetime | None = None) -> User:
    """The first login where the double authentification is asked: the grace period starts, the user is told by
    e-mail. Once: the conditional UPDATE makes two requests at the same moment start it once."""
    now = now or timezone.now()
    started = User.objects.filter(pk=user.pk, two_factor_grace_started_at__isnull=True).update(
        two_factor_grace_started_at=now, two_factor_grace_reminded_at=None
    )
    user.refresh_from_db(fields=["two_factor_grace_started_at", "two_factor_grace_reminded_at"])
    if started:
        email_enqueue(kind="double_authentification_demandee", to=user.courriel, context=_grace_context(user))
        logger.info("Double authentification demandée (délai de grâce) : identifiant=%r", user.get_username())
    return user


def two_factor_grace_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """The e-mail TWO_FACTOR_GRACE_REMINDER_DAYS before the end of the grace period, to those who have not turned
    it on yet: once per account (the date it was sent is kept), whatever the number of runs. Returns how many."""
    now = now or timezone.now()
    grace = datetime.timedelta(days=settings.TWO_FACTOR_GRACE_DAYS)
    before = datetime.timedelta(days=settings.TWO_FACTOR_GRACE_REMINDER_DAYS)
    due = (
        User.objects.filter(
            is_active=True,
            two_factor_grace_reminded_at__isnull=True,
            two_factor_grace_started_at__lte=now - grace + before,
            two_factor_grace_started_at__gt=now - grace,
        )
        .exclude(totpdevice__confirmed=True)
        .order_by("pk")
    )
    sent = 0
    for user in due:
        if not two_factor_required_with_grace(user):
            continue  # no longer holds the establishments (or became staff): nothing to remind
        with transaction.atomic():
            marked = User.objects.filter(pk=user.pk, two_factor_grace_reminded_at__isnull=True).update(
                two_factor_grace_reminded_at=now
            )
            if marked:
                email_enqueue(kind="double_authentification_rappel", to=user.courriel, context=_grace_context(user))
                sent += 1
    return sent


# --- Staff: reset a user's factors -----------------------------------------------------------------------------


def may_reset_two_factor(*, user, by) -> bool:
    """A superuser resets anyone's; otherwise an agent with the right, never on another agent's or a superuser's
    account (as the admin's change page: taking their factors would be taking their account)."""
    if by.is_superuser:
        return True
    if user.is_superuser or user.is_staff:
        return False
    return by.has_perm("accounts.reset_two_factor")


@transaction.atomic
def two_factor_reset(*, user, by, motif: str) -> User:
    """A phone and its recovery codes lost: the devices and the codes are deleted, the grace period starts again at
    the next login (when a rule requires it), the user is told by e-mail, the journal written with the motif."""
    if not may_reset_two_factor(user=user, by=by):
        raise PermissionDenied("Vous ne pouvez pas réinitialiser la double authentification de ce compte.")
    user = User.objects.select_for_update().get(pk=user.pk)
    devices, _ = TOTPDevice.objects.filter(user=user).delete()
    codes, _ = user.two_factor_recovery_codes.all().delete()
    user.two_factor_grace_started_at = None
    user.two_factor_grace_reminded_at = None
    user.save(update_fields=["two_factor_grace_started_at", "two_factor_grace_reminded_at", "updated_at"])
    email_enqueue(
        kind="double_authentification_reinitialisee",
        to=user.courriel,
        context={"user": user, "required": two_factor_required(user), "site_url": settings.SITE_URL},
    )
    audit_record(
        actor=by,
        action=StaffActionKind.TWO_FACTOR_RESET,
        summary=f"Double authentification de {user.identifiant} réinitialisée : {motif}",
        target_user=user,
        motif=motif,
        devices_deleted=devices,
        recovery_codes_deleted=codes,
    )
    logger.info("Double authentification réinitialisée : identifiant=%r par=%r", user.identifiant, by.identifiant)
    return user
