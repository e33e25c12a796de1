"""Brute force: django-axes locks (identifiant, IP) after 5 failures for 15 minutes; an IP after 30."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import HabilitationFactory, UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

LOGIN = reverse("espace:login")
PASSWORD = "Mot-de-passe-2026;"


@pytest.fixture
def employer():
    user = UserFactory(identifiant="gerard.menuca")
    HabilitationFactory(user=user)
    return user


def attempt(client, username="gerard.menuca", password="mauvais", ip="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_fifth_failure_locks_the_pair_for_15_minutes(client, employer, caplog):
    for _ in range(4):
        assert attempt(client).status_code == 200

    locked = attempt(client)

    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Connexion temporairement bloquée" in html
    assert "pendant encore 15 minutes" in html
    assert reverse("accounts:forgotten_password") in html
    assert attempt(client, password=PASSWORD).status_code == 429  # even the right password
    assert "Connexion bloquée" in caplog.text


def test_the_lockout_ends_after_15_minutes(client, employer):
    for _ in range(5):
        attempt(client)

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=16)):
        response = attempt(client, password=PASSWORD)

    assert response.status_code == 302


def test_a_lockout_from_elsewhere_does_not_lock_the_user_out(client, employer):
    for _ in range(5):
        attempt(client, ip="198.51.100.66")

    assert attempt(client, password=PASSWORD, ip="203.0.113.7").status_code == 302


def test_a_success_resets_the_count(client, employer):
    for _ in range(4):
        attempt(client)
    assert attempt(client, password=PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))

    for _ in range(4):
        assert attempt(client).status_code == 200


def test_an_ip_alone_is_locked_after_30_failures_over_any_identifiants(client, employer, settings):
    for number in range(settings.LOGIN_IP_FAILURE_LIMIT):
        assert attempt(client, username=f"inconnu{number}").status_code == 200

    assert attempt(client, password=PASSWORD).status_code == 429
    assert attempt(client, password=PASSWORD, ip="203.0.113.8").status_code == 302


def test_staff_lift_a_lockout_in_the_admin(client, employer):
    for _ in range(5):
        attempt(client)
    staff = UserFactory(staff=True)
    admin_client = type(client)()
    two_factor_login(admin_client, staff)
    attempt_row = AccessAttempt.objects.get(username="gerard.menuca")

    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt_row.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert attempt(client, password=PASSWORD).status_code == 302


# --- One lockout for every login form: /admin/login/ too --------------------------------------------------------

ADMIN_LOGIN = reverse("admin:login")


@pytest.fixture
def staff_member():
    return UserFactory(staff=True, identifiant="agent.asp")


def admin_attempt(client, username="agent.asp", password="mauvais", ip="203.0.113.7"):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_once_the_ip_is_locked_on_connexion_the_admin_login_refuses_even_the_right_password(
    client, employer, staff_member, settings
):
    for number in range(settings.LOGIN_IP_FAILURE_LIMIT):
        attempt(client, username=f"inconnu{number}")

    response = admin_attempt(client, password=PASSWORD)

    assert response.status_code == 429
    html = response.content.decode()
    assert "Connexion temporairement bloquée" in html and "pendant encore 15 minutes" in html
    assert "_auth_user_id" not in client.session
    assert admin_attempt(client, password=PASSWORD, ip="203.0.113.8").status_code == 302  # another IP


def test_failures_on_the_admin_login_count_toward_the_same_lockout(client, employer, staff_member, settings):
    for number in range(settings.LOGIN_IP_FAILURE_LIMIT - 1):
        attempt(client, username=f"inconnu{number}")
    assert admin_attempt(client, username="inconnu-admin").status_code == 200  # the 30th failure, on the admin

    assert admin_attempt(client, password=PASSWORD).status_code == 429
    assert attempt(client, password=PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
