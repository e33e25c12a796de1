"""The URL conf of the surge benchmark's server only (bench/surge_settings.py): the site's, plus a bare view.

`/bench/nu/` answers a few bytes through the whole middleware stack (sessions, CSRF, axes, logs…) with no template and
no query: the server's ceiling, to which bench/surge.py compares the home page. Never in apart/urls.py.
"""

from django.http import HttpResponse
from django.urls import include, path

from apart import urls as site_urls


def bare(request):
    return HttpResponse("nu", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/nu/", bare), path("", include(site_urls))]

handler404 = site_urls.handler404
handler500 = site_urls.handler500
handler403 = site_urls.handler403
handler400 = site_urls.handler400
