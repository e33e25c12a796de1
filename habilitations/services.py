"""Writes on establishments and habilitations: the business operations views, admin and commands call."""

import datetime

from django.db import transaction

from .enums import ExtranetCode
from .models import Establishment, Extranet, Habilitation, one_year_after


@transaction.atomic
def establishment_create(*, siret: str, **fields) -> Establishment:
    establishment = Establishment(siret=siret, siren=siret[:9], **fields)
    establishment.full_clean()
    establishment.save()
    return establishment


@transaction.atomic
def habilitation_grant(
    *,
    user,
    establishment: Establishment,
    extranet_code: str = ExtranetCode.APART,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> Habilitation:
    """Give `user` a right on `establishment` for one extranet, for one year by default.

    An existing habilitation for the same triple is returned unchanged: granting twice is harmless.
    """
    extranet = Extranet.objects.get(code=extranet_code)
    defaults = {}
    if valid_from is not None:
        defaults["valid_from"] = valid_from
        defaults["valid_until"] = valid_until or one_year_after(valid_from)
    habilitation, _created = Habilitation.objects.get_or_create(
        user=user, establishment=establishment, extranet=extranet, defaults=defaults
    )
    return habilitation
