"""Views shared by every app: a feature still to come, said plainly (never a 404), GET or POST alike."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods


@require_http_methods(["GET", "POST", "HEAD"])
def coming_soon(request, title: str, description: str = ""):
    """A public page whose feature comes later."""
    context = {"title": title, "description": description, "layout": "base.html"}
    return render(request, "apart/coming_soon.html", context)


@login_required
@require_http_methods(["GET", "POST", "HEAD"])
def coming_later(request, title: str, description: str = ""):
    """A page of the space whose feature comes later."""
    context = {"title": title, "description": description, "layout": "espace/base.html"}
    return render(request, "apart/coming_soon.html", context)


def coming(route: str, name: str, title: str, description: str = "", *, space: bool = False):
    """The URL of a feature announced by the seeds and built by a later issue, in the namespace of its app."""
    view = coming_later if space else coming_soon
    return path(route, view, {"title": title, "description": description}, name=name)
