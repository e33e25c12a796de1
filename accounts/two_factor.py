"""Double authentification: a TOTP code (django-otp) after the password, and 10 single-use "Codes de secours".

Required for ASP staff (`is_staff`) and the « Agent UD » group; optional for the others, from "Mon compte". A login
with a device is held in the session (PENDING_SESSION_KEY) until the code is given: the session is not
authenticated before. Wrong codes count toward the login lockout (accounts.lockout) like wrong passwords.
"""

import logging
import secrets
import time
from base64 import b32encode
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.contrib.auth import login, user_login_failed
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def two_factor_required(user) -> bool:
    """Staff and the UD agents (the group's check is cached on the user for the request)."""
    return bool(user.is_staff) or is_agent_ud(user)


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
