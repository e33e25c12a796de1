from django.conf import settings


def service(request):
    """What every page may show of the service's settings and of the user's state: the assistance's address, and
    whether the space is still closed to the user (a temporary password to change, a secret question to choose, the
    required double authentification to turn on: flag set by accounts.middleware.TwoFactorMiddleware)."""
    user = getattr(request, "user", None)
    gated = bool(
        user
        and user.is_authenticated
        and (
            user.must_change_password
            or user.must_set_secret_question
            or getattr(request, "two_factor_enrolment_pending", False)
        )
    )
    return {"support_email": settings.SUPPORT_EMAIL, "space_gated": gated}
