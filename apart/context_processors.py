from django.conf import settings


def service(request):
    """What every page may show of the service's settings: the assistance's address."""
    return {"support_email": settings.SUPPORT_EMAIL}
