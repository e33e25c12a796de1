"""Writes on ASP user accounts."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apart.normalization import normalize_courriel
from apart.outbox.services import email_enqueue
from audit.enums import StaffActionKind
from audit.services import audit_record

from .models import CourrielChangeToken, User
from .roles import STAFF_ROLES


@transaction.atomic
def user_create(
    *,
    identifiant: str,
    courriel: str,
    nom: str,
    prenom: str,
    password: str | None = None,
    telephone: str = "",
    secret_question: str = "",
    secret_answer: str = "",
    must_change_password: bool = False,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    user = User(
        identifiant=identifiant,
        courriel=normalize_courriel(courriel),
        nom=nom,
        prenom=prenom,
        telephone=telephone,
        secret_question=secret_question,
        must_change_password=must_change_password,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    if secret_answer:
        user.set_secret_answer(secret_answer)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> User:
    """A new password for every ASP extranet; other sessions end (their auth hash no longer matches)."""
    user.set_password(new_password)
    user.must_change_password = False
    user.password_expires_at = None
    user.save(update_fields=["password", "must_change_password", "password_expires_at", "updated_at"])
    # Any reset link still out there dies with the old password.
    user.password_reset_tokens.live().update(voided_at=timezone.now(), voided_reason="password_changed")
    email_enqueue(
        kind="mot_de_passe_modifie",
        to=user.courriel,
        context={"user": user, "changed_at": timezone.now(), "site_url": settings.SITE_URL},
    )
    return user


COURRIEL_CHANGE_MAX_AGE = 60 * 60 * 24  # the confirmation link is valid 24 hours


class CourrielChangeLinkInvalid(Exception):
    pass


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def user_courriel_change_request(*, user: User, new_courriel: str) -> None:
    """A link to confirm the new address is sent to it; the old address is told of the request.

    The link is a one-time token: a new request voids the links of the older ones.
    """
    now = timezone.now()
    CourrielChangeToken.objects.live().filter(user=user).update(voided_at=now, voided_reason="superseded")
    token = secrets.token_urlsafe(32)
    CourrielChangeToken.objects.create(
        user=user,
        old_courriel=user.courriel,
        new_courriel=new_courriel,
        token_hash=_token_hash(token),
        expires_at=now + datetime.timedelta(seconds=COURRIEL_CHANGE_MAX_AGE),
    )
    context = {"user": user, "new_courriel": new_courriel, "site_url": settings.SITE_URL}
    link = f"{settings.SITE_URL}{reverse('accounts:courriel_confirm', args=[token])}"
    email_enqueue(kind="courriel_confirmation", to=new_courriel, context=context, secrets={"link": link})
    email_enqueue(kind="courriel_changement_demande", to=user.courriel, context=context)


# Links e-mailed before the one-time tokens were signed data ({user, from, to}, 24 hours). They keep working
# until they expire, once each: the first use records their hash as a used token, and a user who has any token
# row (a newer request, or a legacy link already used) can no longer use one. Remove a day after deployment.
LEGACY_COURRIEL_CHANGE_SALT = "apart.accounts.courriel-change"


def _legacy_courriel_change(token: str) -> CourrielChangeToken | None:
    try:
        data = signing.loads(token, salt=LEGACY_COURRIEL_CHANGE_SALT, max_age=COURRIEL_CHANGE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or CourrielChangeToken.objects.filter(user_id=data.get("user")).exists():
        return None
    return CourrielChangeToken(
        user_id=data.get("user"),
        old_courriel=data.get("from", ""),
        new_courriel=data.get("to", ""),
        token_hash=_token_hash(token),
        expires_at=timezone.now(),
    )


def _courriel_change_row(token: str, *, lock: bool = False) -> CourrielChangeToken | None:
    """The live, unexpired token of a link (an unsaved row for a legacy signed link), else None."""
    rows = CourrielChangeToken.objects.live().filter(token_hash=_token_hash(token), expires_at__gt=timezone.now())
    row = (rows.select_for_update() if lock else rows).first()
    return row or _legacy_courriel_change(token)


def courriel_change_token_valid(*, token: str) -> bool:
    """Whether the link can still be confirmed (nothing is changed)."""
    return _courriel_change_row(token) is not None


def courriel_change_new_courriel(*, token: str) -> str | None:
    """The address a still valid link would confirm (shown on its page), or None; nothing is changed."""
    row = _courriel_change_row(token)
    return row.new_courriel if row is not None else None


@transaction.atomic
def user_courriel_change_confirm(*, token: str) -> User:
    """Apply a confirmed change; a link is good once, for 24 hours, and only while the old address is current."""
    row = _courriel_change_row(token, lock=True)
    if row is None:
        raise CourrielChangeLinkInvalid
    user = User.objects.select_for_update().filter(pk=row.user_id, courriel=row.old_courriel).first()
    if user is None or User.objects.with_courriel(row.new_courriel).exclude(pk=row.user_id).exists():
        raise CourrielChangeLinkInvalid
    if row.pk is None and CourrielChangeToken.objects.filter(user=user).exists():
        raise CourrielChangeLinkInvalid  # a legacy link, used meanwhile (checked again under the user's lock)
    row.used_at = timezone.now()
    row.save()
    user.courriel = row.new_courriel
    user.save(update_fields=["courriel", "updated_at"])
    return user


@transaction.atomic
def user_secret_question_change(*, user: User, question: str, answer: str) -> User:
    user.secret_question = question
    user.set_secret_answer(answer)
    user.must_set_secret_question = False
    user.save(update_fields=["secret_question", "secret_answer_hash", "must_set_secret_question", "updated_at"])
    return user


@transaction.atomic
def user_secret_question_clear(*, user: User) -> User:
    """The old question and answer stop working; a new one is chosen at the next login."""
    user.secret_question = ""
    user.secret_answer_hash = ""
    user.must_set_secret_question = True
    user.save(update_fields=["secret_question", "secret_answer_hash", "must_set_secret_question", "updated_at"])
    return user


@transaction.atomic
def user_secret_question_reset(*, user: User, by, about=None) -> User:
    """Forgotten secret answer (staff): the question is cleared, the user told by e-mail, the journal written."""
    user = user_secret_question_clear(user=User.objects.select_for_update().get(pk=user.pk))
    email_enqueue(
        kind="question_secrete_reinitialisee",
        to=user.courriel,
        context={"user": user, "reference": getattr(about, "reference", ""), "site_url": settings.SITE_URL},
    )
    audit_record(
        actor=by,
        action=StaffActionKind.SECRET_QUESTION_RESET,
        summary=f"Question secrète de {user.identifiant} réinitialisée (nouvelle question à la prochaine connexion)",
        subject=about,
        target_user=user,
    )
    return user


@transaction.atomic
def user_profile_update(*, user: User, nom: str, prenom: str, telephone: str) -> User:
    user.nom, user.prenom, user.telephone = nom, prenom, telephone
    user.save(update_fields=["nom", "prenom", "telephone", "updated_at"])
    return user


def user_reminder_preferences_update(*, user: User, remind_habilitation_end: bool, remind_di_to_file: bool) -> User:
    """« Mon compte » > Rappels par courriel: which reminders the user receives (indemnisation.rappels)."""
    user.remind_habilitation_end, user.remind_di_to_file = remind_habilitation_end, remind_di_to_file
    user.save(update_fields=["remind_habilitation_end", "remind_di_to_file", "updated_at"])
    return user


@transaction.atomic
def staff_roles_sync(*, roles: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Each staff group holds exactly its declared permissions: created if missing, given what was added to the
    declaration, stripped of what was removed from it. Safe to run again. Returns the permissions of each group."""
    roles = STAFF_ROLES if roles is None else roles
    synced = {}
    for name, declared in roles.items():
        permissions = []
        for dotted in declared:
            app_label, _, codename = dotted.partition(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is None:
                raise ImproperlyConfigured(f"Permission inconnue dans le rôle « {name} » : {dotted}")
            permissions.append(permission)
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        synced[name] = sorted(declared)
    return synced
