"""Reads about accounts: what stands between a user and APART today."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from habilitations.enums import ExtranetCode
from habilitations.models import Habilitation


@dataclass(frozen=True)
class ApartAccess:
    allowed: bool
    reason: str = ""  # "future", "expired", "none"
    date: datetime.date | None = None


def apart_access(*, user, on: datetime.date | None = None) -> ApartAccess:
    """Whether `user` may enter APART today: an APART habilitation active on that day is needed."""
    on = on or timezone.localdate()
    habilitations = Habilitation.objects.for_extranet(ExtranetCode.APART).filter(user=user)
    if habilitations.active(on).exists():
        return ApartAccess(allowed=True)
    upcoming = habilitations.filter(valid_from__gt=on).order_by("valid_from").first()
    if upcoming is not None:
        return ApartAccess(allowed=False, reason="future", date=upcoming.valid_from)
    expired = habilitations.filter(valid_until__lt=on).order_by("-valid_until").first()
    if expired is not None:
        return ApartAccess(allowed=False, reason="expired", date=expired.valid_until)
    return ApartAccess(allowed=False, reason="none")
