"""The project's URLs, plus a page that fails: the 500 page and the 500 line, tested for real."""

from django.urls import path

from apart.urls import handler400, handler403, handler404, handler500
from apart.urls import urlpatterns as project_urlpatterns


class Boom(Exception):
    pass


def boom(request):
    raise Boom("une erreur de test")


urlpatterns = [path("test-erreur-500/", boom), *project_urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
