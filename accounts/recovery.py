"""Credential recovery: "J'ai oublié mon mot de passe" and "J'ai oublié mon identifiant".

What the flows reveal: step 1 always leads to a secret question. An identifiant or a courriel that matches no
account (or an account without a listed secret question) gets a decoy question, drawn from the same list as
the accounts' questions (accounts.secret_questions) and chosen from the typed value so it never changes, and every answer to it is "incorrecte". So nobody can learn from these pages whether an
account exists; the real user, who knows their own question, sees at once that they mistyped.
"""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from apart.normalization import normalize_courriel
from apart.outbox.services import email_enqueue
from apart.ratelimit import Limit, limit_hit

from .credentials import secret_answer_matches
from .models import PasswordResetToken, RecoveryAnswerCounter, RecoveryEvent, RecoveryEventKind, User
from .secret_questions import SECRET_QUESTIONS, is_listed
from .services import user_password_change


@dataclass(frozen=True)
class Challenge:
    """What step 2 needs, kept in the session between the two steps."""

    flow: str  # "password" or "identifiant"
    typed: str
    user_id: int | None
    question: str

    def as_session(self) -> dict:
        return {"flow": self.flow, "typed": self.typed, "user_id": self.user_id, "question": self.question}

    @classmethod
    def from_session(cls, data: dict | None, flow: str) -> "Challenge | None":
        if not data or data.get("flow") != flow:
            return None
        return cls(**data)


def _decoy_question(typed: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), typed.encode(), hashlib.sha256).digest()
    return SECRET_QUESTIONS[digest[0] % len(SECRET_QUESTIONS)]


def _record(kind: str, *, typed: str = "", user=None, ip_address: str | None = None) -> None:
    RecoveryEvent.objects.create(kind=kind, typed=typed[:254], user=user, ip_address=ip_address)


# --- rate limits and the answer lockout ----------------------------------------------------------


def account_key(*, flow: str, typed: str) -> str:
    """The account a step 1 is about, as the lookup sees it: an identifiant or a courriel in any case or spacing
    is the same account, so it is the same key for the limits (GERARD.Menuca1 counts against gerard.menuca1)."""
    return normalize_courriel(typed) if flow == "identifiant" else typed.strip().lower()


def rate_limited(*, flow: str, typed: str, ip_address: str | None) -> bool:
    """Step 1 is limited per IP address and per identifiant or courriel (in the cache: Redis when configured)."""
    window = settings.RECOVERY_RATE_WINDOW_SECONDS
    limited = limit_hit(
        Limit("recovery:ip", str(ip_address), settings.RECOVERY_RATE_LIMIT_PER_IP, window),
        Limit(
            f"recovery:{flow}", account_key(flow=flow, typed=typed), settings.RECOVERY_RATE_LIMIT_PER_ACCOUNT, window
        ),
    )
    if limited:
        _record(RecoveryEventKind.RATE_LIMITED, typed=typed, ip_address=ip_address)
    return limited


def _counter_key(challenge: Challenge) -> str:
    """Both flows share an account's count; an unknown entry has its own (hashed: no courriel in clear)."""
    if challenge.user_id:
        subject = f"user:{challenge.user_id}"
    else:
        subject = f"{challenge.flow}:{account_key(flow=challenge.flow, typed=challenge.typed)}"
    return hashlib.sha256(subject.encode()).hexdigest()


def lockout_remaining(challenge: Challenge) -> datetime.timedelta | None:
    """Both flows share the count: 5 wrong answers lock the recovery of the account for 30 minutes."""
    row = RecoveryAnswerCounter.objects.filter(key=_counter_key(challenge)).values_list("tries", "last_try_at").first()
    if row is None or row[0] < settings.RECOVERY_MAX_WRONG_ANSWERS:
        return None
    remaining = row[1] + settings.RECOVERY_LOCKOUT_DURATION - timezone.now()
    return remaining if remaining > datetime.timedelta(0) else None


def _try_take(key: str) -> bool:
    """Take one try before the answer is checked: one UPDATE … WHERE tries < limit, whose row count decides.

    Concurrent answers queue on the row, and each sees the count the previous one left: no stale read can grant
    an extra try. A count whose last try is older than the lockout duration starts again at one.
    """
    now = timezone.now()
    expired = Q(last_try_at__lte=now - settings.RECOVERY_LOCKOUT_DURATION)
    RecoveryAnswerCounter.objects.get_or_create(key=key)
    taken = RecoveryAnswerCounter.objects.filter(
        Q(tries__lt=settings.RECOVERY_MAX_WRONG_ANSWERS) | expired, key=key
    ).update(tries=Case(When(expired, then=Value(1)), default=F("tries") + 1), last_try_at=now)
    return taken == 1


# --- step 1 and 2 --------------------------------------------------------------------------------


def recovery_start(*, flow: str, typed: str, ip_address: str | None) -> Challenge:
    """Find the account of an identifiant ("password" flow) or a courriel ("identifiant" flow)."""
    if flow == "password":
        user = User.objects.with_identifiant(typed).filter(is_active=True).first()
        kind = RecoveryEventKind.PASSWORD_ASKED
    else:
        typed = normalize_courriel(typed)
        user = User.objects.with_courriel(typed).filter(is_active=True).first()
        kind = RecoveryEventKind.IDENTIFIANT_ASKED
    if user is not None and not (user.secret_answer_hash and is_listed(user.secret_question)):
        # No question to ask, or an old free-text one (it would tell that the account exists): it behaves as an
        # unknown account (the assistance can help; the person chooses a listed question at the next connection).
        user = None
    _record(kind, typed=typed, user=user, ip_address=ip_address)
    question = user.secret_question if user else _decoy_question(f"{flow}:{typed.lower()}")
    return Challenge(flow=flow, typed=typed, user_id=user.pk if user else None, question=question)


class RecoveryLocked(Exception):
    def __init__(self, remaining: datetime.timedelta):
        super().__init__(remaining)
        self.remaining = remaining


def recovery_answer(*, challenge: Challenge, answer: str, ip_address: str | None) -> bool:
    """Check the secret answer; on a right one, send the reset link or the identifiant. Returns True if sent.

    Raises RecoveryLocked, before checking anything, while the account's recovery is locked. The try is taken
    (and committed) before the answer is checked; a right answer gives it back.
    """
    key = _counter_key(challenge)
    if not _try_take(key):
        raise RecoveryLocked(lockout_remaining(challenge) or settings.RECOVERY_LOCKOUT_DURATION)
    user = User.objects.filter(pk=challenge.user_id).first() if challenge.user_id else None
    # An unknown account's answer is hashed too (against nothing, as Django's ModelBackend does for an unknown
    # login): both answers take the time of one hash, so the delay does not tell that the account exists.
    right = user.check_secret_answer(answer) if user is not None else secret_answer_matches(answer, "")
    if not right:
        _record(RecoveryEventKind.WRONG_ANSWER, typed=challenge.typed, user=user, ip_address=ip_address)
        if lockout_remaining(challenge):
            _record(RecoveryEventKind.LOCKED, typed=challenge.typed, user=user, ip_address=ip_address)
        return False
    with transaction.atomic():
        RecoveryAnswerCounter.objects.filter(key=key).update(tries=0)
        if challenge.flow == "password":
            _password_reset_link_send(user=user)
            _record(RecoveryEventKind.RESET_EMAIL_SENT, typed=challenge.typed, user=user, ip_address=ip_address)
        else:
            email_enqueue(kind="identifiant", to=user.courriel, context={"user": user, "site_url": settings.SITE_URL})
            _record(RecoveryEventKind.IDENTIFIANT_EMAIL_SENT, typed=challenge.typed, user=user, ip_address=ip_address)
    return True


# --- the reset token -----------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _password_reset_link_send(*, user: User) -> None:
    """A new token voids the older ones; the link is valid PASSWORD_RESET_TIMEOUT seconds (60 minutes)."""
    now = timezone.now()
    PasswordResetToken.objects.live().filter(user=user).update(voided_at=now, voided_reason="superseded")
    token = secrets.token_urlsafe(32)
    PasswordResetToken.objects.create(
        user=user,
        token_hash=_hash(token),
        expires_at=now + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
    )
    link = f"{settings.SITE_URL}{reverse('accounts:password_reset', args=[token])}"
    email_enqueue(
        kind="reinitialisation_mot_de_passe", to=user.courriel, context={"user": user}, secrets={"link": link}
    )


TOKEN_STATES = {
    "unknown": "Le jeton n'est pas valide",
    "expired": "Le jeton n'est pas valide : le lien a expiré (il est valable 60 minutes).",
    "used": "Le jeton n'est pas valide : ce lien a déjà servi à changer le mot de passe.",
    "superseded": "Le jeton n'est pas valide : un lien plus récent vous a été envoyé, utilisez le dernier reçu.",
    "password_changed": "Le jeton n'est pas valide : le mot de passe a été changé depuis son envoi.",
}


def password_reset_token_check(token: str) -> tuple[PasswordResetToken | None, str]:
    """The token's row and its state: "valid", or why it is not (a key of TOKEN_STATES)."""
    row = PasswordResetToken.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if row is None:
        return None, "unknown"
    if row.used_at:
        return row, "used"
    if row.voided_at:
        return row, row.voided_reason or "superseded"
    if row.expires_at <= timezone.now():
        return row, "expired"
    return row, "valid"


@transaction.atomic
def password_reset_complete(*, token: str, new_password: str, ip_address: str | None) -> User | None:
    """Change the password through a valid token, once. The lockout of that identifiant is lifted."""
    row, state = password_reset_token_check(token)
    if state != "valid":
        _record(RecoveryEventKind.INVALID_TOKEN, user=row.user if row else None, ip_address=ip_address)
        return None
    row = PasswordResetToken.objects.select_for_update().get(pk=row.pk)
    if row.used_at or row.voided_at:
        return None
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    user = user_password_change(user=row.user, new_password=new_password)
    axes_reset(username=user.identifiant)
    _record(RecoveryEventKind.PASSWORD_CHANGED, typed=user.identifiant, user=user, ip_address=ip_address)
    return user
