"""The anonymous home page kept rendered in the cache (portal.home_cache): the same page and headers as a render,
a working login form, the banners' changes at once, and a cache that fails never seen by the visitor."""

import datetime
import re

import pytest
from csp.middleware import CSPMiddleware
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal import home_cache
from portal.models import Announcement
from tests.conftest import _free_port
from tests.factories import HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture(autouse=True)
def _cache_not_paused(monkeypatch):
    # A failure of the cache in an earlier test of this process must not turn the cache off here.
    monkeypatch.setattr(home_cache, "_paused_until", 0.0)
    monkeypatch.setattr(home_cache, "_local", None)


def _visit(client, path="/"):
    """A new visitor's GET: no cookie; the response and its number of SQL queries."""
    client.cookies.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, len(queries)


def _normalised(response) -> str:
    html = response.content.decode()
    return NONCE.sub('nonce="…"', TOKEN.sub('name="csrfmiddlewaretoken" value="…"', html))


def _headers(response) -> dict:
    return {name: value for name, value in response.headers.items() if name not in {"X-Request-ID"}}


def test_the_cached_page_is_the_rendered_page_with_its_own_token_and_nonce(client, settings):
    Announcement.objects.create(body="Maintenance de l'extranet ce soir de 20 h à 22 h.")
    settings.HOME_PAGE_CACHE_SECONDS = 0
    rendered, _ = _visit(client)
    settings.HOME_PAGE_CACHE_SECONDS = 60
    first, first_queries = _visit(client)
    cached, cached_queries = _visit(client)

    assert rendered.status_code == first.status_code == cached.status_code == 200
    assert first_queries > 0 and cached_queries == 0  # the second comes from the cache: not even the banners
    assert _normalised(cached) == _normalised(first) == _normalised(rendered)
    assert "Maintenance de l&#x27;extranet ce soir de 20 h à 22 h." in cached.content.decode()
    assert _headers(cached) == _headers(first) == _headers(rendered)
    assert "csrftoken" in cached.cookies and cached.cookies["csrftoken"].value != first.cookies["csrftoken"].value
    # Each visitor his own token; no nonce, as in the rendered page (no template reads it).
    assert TOKEN.search(cached.content.decode())[1] != TOKEN.search(first.content.decode())[1]
    assert NONCE.findall(cached.content.decode()) == NONCE.findall(rendered.content.decode()) == []


def test_a_nonce_read_by_the_template_is_the_request_s_own_in_the_cached_page(rf):
    def request():
        made = rf.get("/")
        CSPMiddleware(lambda request: None).process_request(made)
        return made

    first = request()
    version = home_cache.cached_page(first).version
    token, nonce = get_token(first), str(first.csp_nonce)
    html = f'<input value="{token}"><script nonce="{nonce}"></script>'
    home_cache.keep_page(first, html=html, csrf_token=token, version=version)
    second = request()
    page = home_cache.cached_page(second).page

    found = re.fullmatch(r'<input value="([^"]+)"><script nonce="([^"]+)"></script>', page)
    assert _unmask_cipher_token(found[1]) == second.META["CSRF_COOKIE"]  # the secret of the cookie set for him
    assert found[2] == second._csp_nonce != nonce


def test_a_visitor_logs_in_through_the_form_of_a_cached_page():
    HabilitationFactory(user=UserFactory(identifiant="gerard.menuca"))
    Client().get("/")  # another visitor: the page is now in the cache
    client = Client(enforce_csrf_checks=True)

    page, queries = _visit(client)
    response = client.post(
        reverse("espace:login"),
        {
            "csrfmiddlewaretoken": TOKEN.search(page.content.decode())[1],
            "username": "gerard.menuca",
            "password": "Mot-de-passe-2026;",
        },
    )

    assert queries == 0
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).content.decode().count("gerard.menuca") >= 1


def test_a_banner_published_changed_or_ended_shows_at_the_next_request(client):
    _visit(client)
    announcement = Announcement.objects.create(body="Un incident technique s'est produit hier.")
    assert "Un incident technique s&#x27;est produit hier." in _visit(client)[0].content.decode()
    _visit(client)  # cached again, with the banner

    announcement.body = "L'incident est résolu."
    announcement.save()
    assert "L&#x27;incident est résolu." in _visit(client)[0].content.decode()

    announcement.is_active = False
    announcement.save()
    assert "L&#x27;incident est résolu." not in _visit(client)[0].content.decode()

    Announcement.objects.create(body="Bandeau supprimé ensuite").delete()
    assert "Bandeau supprimé ensuite" not in _visit(client)[0].content.decode()


def test_a_banner_is_never_kept_past_its_start_or_end_date(settings):
    now = timezone.now()
    settings.HOME_PAGE_CACHE_SECONDS = 60
    assert home_cache._seconds_to_keep() == 60
    Announcement.objects.create(body="Bientôt", starts_at=now + datetime.timedelta(seconds=20))
    Announcement.objects.create(
        body="En cours", starts_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(seconds=40)
    )
    assert 18 <= home_cache._seconds_to_keep() <= 20
    Announcement.objects.create(body="Dans un instant", starts_at=now + datetime.timedelta(milliseconds=300))
    assert home_cache._seconds_to_keep() == 0  # not kept at all: the next request shows it


def test_a_logged_in_user_a_query_string_and_a_waiting_message_get_the_page_rendered(client):
    _visit(client)
    _, with_query = _visit(client, "/?utm_source=courriel")
    assert with_query > 0

    user = UserFactory(identifiant="gerard.menuca")
    HabilitationFactory(user=user)
    client.force_login(user)
    response = client.get("/")
    assert "Vous êtes connecté en tant que <strong>gerard.menuca</strong>." in response.content.decode()

    # The message of the logout is shown once, on the page rendered for it; then the cached page, without it.
    logout = client.post(reverse("accounts:logout"))
    shown = client.get(logout.url)
    again = client.get("/")
    assert "Vous êtes déconnecté." in shown.content.decode()
    assert "Vous êtes connecté en tant que" not in shown.content.decode()
    assert "Vous êtes déconnecté." not in again.content.decode()


@pytest.fixture
def cache_refusing(settings):
    url = f"redis://127.0.0.1:{_free_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }


def test_with_the_cache_refusing_the_home_page_is_rendered_and_the_failure_logged(client, cache_refusing, caplog):
    Announcement.objects.create(body="Maintenance de l'extranet ce soir.")
    with caplog.at_level("WARNING"):
        first, _ = _visit(client)
        second, queries = _visit(client)

    for response in (first, second):
        assert response.status_code == 200
        assert "Maintenance de l&#x27;extranet ce soir." in response.content.decode()
        assert "csrfmiddlewaretoken" in response.content.decode() and "csrftoken" in response.cookies
    assert queries > 0
    assert any("Cache indisponible : page d'accueil" in record.getMessage() for record in caplog.records)


def test_with_redis_as_the_cache_the_page_comes_from_it_and_follows_the_banners(client, settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    first, _ = _visit(client)
    cached, queries = _visit(client)
    Announcement.objects.create(body="Maintenance de l'extranet ce soir.")
    after, _ = _visit(client)

    assert queries == 0 and _normalised(cached) == _normalised(first)
    assert "Maintenance de l&#x27;extranet ce soir." in after.content.decode()


def test_a_banner_changed_by_another_process_shows_once_this_process_reads_the_cache_again(client):
    _visit(client)  # rendered: kept in the cache, and in this process for HOME_PAGE_RECHECK_SECONDS
    # Another gunicorn worker saves a banner: its version in the cache changes, not this process's copy.
    Announcement.objects.bulk_create([Announcement(body="Bandeau d'un autre processus")])
    cache.set(home_cache.VERSION_KEY, "version-de-l-autre-processus", timeout=None)

    within, within_queries = _visit(client)
    home_cache._local = (home_cache._local[0], 0.0)  # HOME_PAGE_RECHECK_SECONDS later
    after, _ = _visit(client)

    assert within_queries == 0 and "Bandeau d&#x27;un autre processus" not in within.content.decode()
    assert "Bandeau d&#x27;un autre processus" in after.content.decode()
