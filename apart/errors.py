"""Error pages in French, in the service's layout: a clear page instead of a bare error.

Each shows the request's id (apart.request_log), the one its log line carries: the user gives it to the assistance,
who finds the failure in the logs.
"""

import logging

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.html import escape

logger = logging.getLogger(__name__)


def _request_id(request) -> str | None:
    return getattr(request, "request_id", None)


def _error(request, status, title, message):
    context = {"title": title, "message": message, "status": status, "request_id": _request_id(request)}
    return render(request, "errors/error.html", context, status=status)


def page_not_found(request, exception=None):
    return _error(request, 404, "Page introuvable", "La page que vous cherchez n'existe pas ou a été déplacée.")


def permission_denied(request, exception=None):
    return _error(request, 403, "Accès refusé", "Vous n'avez pas accès à cette page.")


def bad_request(request, exception=None):
    return _error(request, 400, "Requête incorrecte", "Votre demande n'a pas pu être traitée.")


# The last resort, should the template itself fail: no template, no static file, nothing but the text.
FALLBACK_500 = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Erreur inattendue — Activité Partielle</title></head>
<body><main role="main"><h1>Erreur inattendue</h1><p>Erreur 500</p>
<p>Désolé, le service rencontre un problème. Réessayez un peu plus tard. Si le problème persiste, contactez
l'assistance ({support_email}){reference}.</p><p><a href="/">Retourner à l'accueil</a></p></main></body></html>
"""


def server_error(request):
    # Rendered without context processors: the database itself may be what failed.
    request_id = _request_id(request)
    context = {"support_email": settings.SUPPORT_EMAIL, "request_id": request_id}
    try:
        return HttpResponseServerError(loader.get_template("errors/500.html").render(context))
    except Exception:
        logger.exception("La page d'erreur 500 n'a pas pu être rendue")
        reference = f" en donnant la référence de la requête : {escape(request_id)}" if request_id else ""
        return HttpResponseServerError(
            FALLBACK_500.format(support_email=escape(settings.SUPPORT_EMAIL), reference=reference)
        )
