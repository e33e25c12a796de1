"""Who may do what on an establishment."""

from .enums import ExtranetCode
from .models import Habilitation


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
