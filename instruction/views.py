"""The UD agents' back office: « Instruction des demandes » (the queue of DAPs comes with the DAP domain)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from accounts.roles import is_agent_ud
from referentiels.departements import DEPARTEMENTS

from .models import AgentUD


def agent_required(view):
    """Logged in (else the login page) and a UD agent: anyone else gets a 404, as a page they cannot know of."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_agent_ud(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@agent_required
def home(request):
    agent = AgentUD.objects.filter(user=request.user).prefetch_related("departements").first()
    codes = agent.departement_codes if agent else []
    context = {
        "departements": [(code, DEPARTEMENTS[code]) for code in codes],
        "menu": "instruction",
    }
    return render(request, "instruction/home.html", context)
