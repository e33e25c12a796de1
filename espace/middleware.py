"""The establishment the user works on, put on the request once (les-emplois' organisation middleware).

`request.current_establishment` is the establishment last opened in the space (its SIRET kept in the session),
else the first the user holds; None for an anonymous user or one without an active habilitation. It is looked up
only when a page reads it, and always among the user's own establishments.
"""

from django.utils.functional import SimpleLazyObject

from habilitations.selectors import establishments_for_user

CURRENT_SIRET_SESSION_KEY = "current_siret"


def _current_establishment(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    establishments = establishments_for_user(user=user)
    siret = request.session.get(CURRENT_SIRET_SESSION_KEY)
    current = establishments.filter(siret=siret).first() if siret else None
    return current or establishments.first()


def establishment_open(request, establishment) -> None:
    """The user opened this establishment: it becomes the current one, here and on the next pages."""
    request.session[CURRENT_SIRET_SESSION_KEY] = establishment.siret
    request.current_establishment = establishment


class CurrentEstablishmentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.current_establishment = SimpleLazyObject(lambda: _current_establishment(request))
        return self.get_response(request)
