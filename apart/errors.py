"""Error pages in French, in the service's layout: a clear page instead of a bare error."""

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def _error(request, status, title, message):
    context = {"title": title, "message": message, "status": status}
    return render(request, "errors/error.html", context, status=status)


def page_not_found(request, exception=None):
    return _error(request, 404, "Page introuvable", "La page que vous cherchez n'existe pas ou a été déplacée.")


def permission_denied(request, exception=None):
    return _error(request, 403, "Accès refusé", "Vous n'avez pas accès à cette page.")


def bad_request(request, exception=None):
    return _error(request, 400, "Requête incorrecte", "Votre demande n'a pas pu être traitée.")


def server_error(request):
    # Rendered without context processors: the database itself may be what failed.
    return HttpResponseServerError(
        loader.get_template("errors/500.html").render({"support_email": settings.SUPPORT_EMAIL})
    )
