"""The client's IP for every limit and for django-axes: REMOTE_ADDR unless BEHIND_PROXY=1, then the address the
proxy saw (PROXY_COUNT from the right of X-Forwarded-For), so a client cannot pick its address and the users
behind one proxy are not one user."""

import pytest
from axes.helpers import get_client_ip_address
from django.urls import reverse

from tests.factories import HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("espace:login")
PASSWORD = "Mot-de-passe-2026;"
PROXY = "10.0.0.2"


@pytest.fixture
def employer():
    user = UserFactory(identifiant="gerard.menuca")
    HabilitationFactory(user=user)
    return user


def ip_of(rf, **meta):
    return get_client_ip_address(rf.get("/", **meta))


def attempt(client, *, forwarded, username="gerard.menuca", password="mauvais", remote=PROXY):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
    )


def test_without_a_proxy_the_forwarded_header_is_ignored(rf, settings):
    assert settings.BEHIND_PROXY is False and settings.PROXY_COUNT == 1

    assert ip_of(rf, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1") == "203.0.113.7"


def test_without_a_proxy_a_forged_header_does_not_escape_the_lockout(client, employer):
    for number in range(5):
        attempt(client, forwarded=f"198.51.100.{number}", remote="203.0.113.7")

    assert attempt(client, forwarded="198.51.100.99", remote="203.0.113.7", password=PASSWORD).status_code == 429


def test_behind_one_proxy_the_right_most_address_is_the_client(rf, settings):
    settings.BEHIND_PROXY = True

    assert ip_of(rf, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7") == "203.0.113.7"
    # What the client wrote itself (left of what the proxy appended) is never believed.
    assert ip_of(rf, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7") == "203.0.113.7"
    assert ip_of(rf, REMOTE_ADDR=PROXY) == PROXY  # not through the proxy: the socket's address
    assert ip_of(rf, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="pas-une-adresse") == PROXY


def test_behind_two_proxies_the_second_address_from_the_right(rf, settings):
    settings.BEHIND_PROXY, settings.PROXY_COUNT = True, 2

    forwarded = "6.6.6.6, 203.0.113.7, 10.0.0.1"
    assert ip_of(rf, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded) == "203.0.113.7"


def test_two_users_behind_the_proxy_are_not_locked_together(client, employer, settings):
    settings.BEHIND_PROXY = True
    for number in range(settings.LOGIN_IP_FAILURE_LIMIT):
        attempt(client, forwarded="198.51.100.66", username=f"inconnu{number}")
    for _ in range(5):
        attempt(client, forwarded="198.51.100.66")
    assert attempt(client, forwarded="198.51.100.66", password=PASSWORD).status_code == 429

    response = attempt(client, forwarded="203.0.113.7", password=PASSWORD)

    assert response.status_code == 302 and response.url == reverse("espace:home")


def _gunicorn_scheme(headers: bytes, peer=("127.0.0.1", 50000)) -> str:
    """The wsgi.url_scheme gunicorn gives a request, with the production config (apart/gunicorn_conf.py)."""
    from gunicorn.app.base import Application
    from gunicorn.http.message import Request
    from gunicorn.http.unreader import IterUnreader

    class _Production(Application):
        def load_config(self):
            self.load_config_from_module_name_or_filename("python:apart.gunicorn_conf")

        def load(self):
            return None

    request = Request(_Production().cfg, IterUnreader([b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"]), peer, 1)
    return request.scheme


def test_without_a_proxy_gunicorn_does_not_believe_x_forwarded_proto_either(settings):
    """BEHIND_PROXY=0: a client's X-Forwarded-Proto does not make a request https. Django does not read it
    (no SECURE_PROXY_SSL_HEADER), and gunicorn must not either: by default it believes it from 127.0.0.1
    (forwarded_allow_ips), and Django then takes the request for https (HSTS sent, secure cookies…)."""
    assert _gunicorn_scheme(b"X-Forwarded-Proto: https\r\n") == "http"
    assert _gunicorn_scheme(b"X-Forwarded-Ssl: on\r\n") == "http"
