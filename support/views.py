from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from django.views.generic import TemplateView


class HomeView(TemplateView):
    """The APART home page: MA PREMIÈRE CONNEXION, MON ESPACE PERSONNEL, simulation, help."""

    template_name = "support/home.html"


@require_http_methods(["GET", "POST", "HEAD"])
def coming_soon(request, title: str, description: str = ""):
    """A page whose feature comes later: said plainly, never a 404, GET or POST alike."""
    return render(request, "support/coming_soon.html", {"title": title, "description": description})
