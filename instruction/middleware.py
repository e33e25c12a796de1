"""The UD agents' side of the site: their role, not a habilitation, leads them to /instruction/."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.roles import is_agent_ud

# Mon compte (password, courriel, double authentification) is the agents' too; the employer's pages are not.
ESPACE_PREFIX = "/espace/"
ACCOUNT_PREFIX = "/espace/mon-compte/"


class AgentUDMiddleware:
    """`request.is_agent_ud` (read lazily, by the header among others); an agent reaching an employer's page of
    /espace/ is sent to /instruction/. After the gates of the first connection and of the double authentification,
    which apply to the agents as to everyone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        request.is_agent_ud = SimpleLazyObject(lambda: is_agent_ud(user))
        path = request.path
        if path.startswith(ESPACE_PREFIX) and not path.startswith(ACCOUNT_PREFIX) and request.is_agent_ud:
            return redirect(reverse("instruction:home"))
        return self.get_response(request)
