"""Headers every private page carries."""

from django.utils.cache import add_never_cache_headers

# The pages of a logged-in person (the space, the staff's admin, the first-connection page, the login's code step),
# the pages a token link leads to (password reset, courriel confirmation, the reply to a ticket with its history)
# and the instruction back office (by its namespace, whatever its URLs become): no copy kept by a browser or a proxy.
NO_STORE_PREFIXES = (
    "/espace/",
    "/admin/",
    "/premiere-connexion/",
    "/connexion/verification/",
    "/mot-de-passe/reinitialiser/",
    "/mon-compte/courriel/confirmer/",
    "/besoin-d-aide/assistance/repondre/",
)
NO_STORE_NAMESPACES = frozenset({"instruction"})


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if request.path.startswith(NO_STORE_PREFIXES) or (
            match is not None and NO_STORE_NAMESPACES.intersection(match.namespaces)
        ):
            add_never_cache_headers(response)  # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
        return response


class NulByteMiddleware:
    """A NUL byte in the address (`/espace/dap/%00/`, `?siret=%00`) is refused with the French 400 page.

    No address of the site holds one, and PostgreSQL refuses it in any text it is given: a view that looks the
    value up (a DAP's number, a SIRET filter) would otherwise answer 500. A form's fields keep their own message
    (Django's "Les caractères nuls ne sont pas autorisés."), next to the field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            from .errors import bad_request

            return bad_request(request)
        return self.get_response(request)
