"""Who may do what: the rules of access to APART and to an establishment, each written once."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .enums import AccountRequestStatus, ApartAccessRefusal, ExtranetCode
from .models import AccountRequest, Habilitation


@dataclass(frozen=True)
class ApartAccess:
    """The answer of `can_enter_apart`: true when allowed; otherwise why, and the date that explains it."""

    refusal: ApartAccessRefusal | None = None
    date: datetime.date | None = None  # when the habilitation starts (NOT_YET) or ended (EXPIRED)

    def __bool__(self) -> bool:
        return self.refusal is None


def can_enter_apart(user, today: datetime.date | None = None) -> ApartAccess:
    """An ASP account enters APART on a day when one of its APART habilitations is active."""
    today = today or timezone.localdate()
    habilitations = Habilitation.objects.for_extranet(ExtranetCode.APART).filter(user=user)
    if habilitations.active(today).exists():
        return ApartAccess()
    upcoming = habilitations.filter(valid_from__gt=today).order_by("valid_from").first()
    if upcoming is not None:
        return ApartAccess(ApartAccessRefusal.NOT_YET, upcoming.valid_from)
    expired = habilitations.filter(valid_until__lt=today).order_by("-valid_until").first()
    if expired is not None:
        return ApartAccess(ApartAccessRefusal.EXPIRED, expired.valid_until)
    return ApartAccess(ApartAccessRefusal.NONE)


def holds_many_establishments(user) -> bool:
    """More than TWO_FACTOR_ESTABLISHMENTS_THRESHOLD establishments (active APART habilitations, one per
    establishment): the double authentification is required, after a grace period. Registered in
    accounts.two_factor by HabilitationsConfig.ready() (accounts may not import habilitations). One query, which stops
    counting past the threshold."""
    threshold = settings.TWO_FACTOR_ESTABLISHMENTS_THRESHOLD
    habilitations = Habilitation.objects.active().for_extranet(ExtranetCode.APART).filter(user=user)
    return habilitations.values("pk")[: threshold + 1].count() > threshold


def is_habilitated_on(user, establishment, *, extranet_code: str = ExtranetCode.APART) -> bool:
    """An active habilitation of `user` on `establishment` today."""
    if user is None or establishment is None or not user.is_authenticated:
        return False
    return (
        Habilitation.objects.active()
        .for_extranet(extranet_code)
        .filter(user=user, establishment=establishment)
        .exists()
    )


def can_create_dap(user, establishment) -> bool:
    """A DAP is created by a habilitated user, for an establishment whose fiche is complete (the seeds)."""
    return establishment is not None and establishment.fiche_complete and is_habilitated_on(user, establishment)


def can_submit_to_administration(user, establishment) -> bool:
    """What is sent to the administration (DAP, DI, coordonnées bancaires) needs a habilitated user and a vérifié
    establishment: one obtained by automatic approval is non vérifié until its activation code is typed."""
    return establishment is not None and establishment.is_verified and is_habilitated_on(user, establishment)


def fiche_claimant_of(*, user_id: int | None, establishment) -> int | None:
    """The claimant a user stands for on an establishment: the holder who asked for his account (DEMANDE
    CRÉATION DE COMPTE), or himself."""
    if user_id is None:
        return None
    requested_by = (
        AccountRequest.objects.filter(
            establishment=establishment,
            user_id=user_id,
            status=AccountRequestStatus.APPROVED,
            requested_by__isnull=False,
        )
        .values_list("requested_by", flat=True)
        .first()
    )
    return requested_by or user_id


def can_see_fiche_contacts(user, establishment) -> bool:
    """The fiche's contact details (FICHE_CONTACT_FIELDS) of a non vérifié establishment are shown only to the side
    they came from (the claimant who last wrote them, or a colleague he asked an account for): several strangers
    may claim it until one types the code of the letter. A vérifié one: to every habilitated user."""
    if establishment.is_verified:
        return True
    source = fiche_claimant_of(user_id=establishment.fiche_updated_by_id, establishment=establishment)
    return source is not None and source == fiche_claimant_of(user_id=user.pk, establishment=establishment)
