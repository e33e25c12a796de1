"""Double authentification: TOTP (django-otp) after the password, required for staff and « Agent UD », optional
for the others from "Mon compte"; 10 single-use recovery codes, hashed at rest; wrong codes count toward the lockout."""

import datetime
import re
from base64 import b32decode

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import TwoFactorRecoveryCode
from accounts.two_factor import recovery_codes_create
from tests.factories import HabilitationFactory, UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-de-passe-2026;"
LOGIN = reverse("espace:login")
ADMIN_LOGIN = reverse("admin:login")
VERIFY = reverse("accounts:two_factor_verify")
ENROL = reverse("accounts:two_factor_enrol")
SETTINGS = reverse("accounts:two_factor")
WRONG_CODE = "Le code de vérification est incorrect ou a expiré"


@pytest.fixture
def employer():
    user = UserFactory(identifiant="gerard.menuca")
    HabilitationFactory(user=user)
    return user


@pytest.fixture
def employer_device(employer):
    return TOTPDevice.objects.create(user=employer, name="Téléphone", confirmed=True)


def code_of(device) -> str:
    """The code the app shows now (time-machine moves it with the clock)."""
    return f"{totp(device.bin_key):06d}"


def login(client, username="gerard.menuca", password=PASSWORD, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def verify(client, code, ip="203.0.113.7"):
    return client.post(VERIFY, {"code": code}, REMOTE_ADDR=ip)


def field_errors(response) -> list[str]:
    html = response.content.decode()
    block = re.search(r'<div id="id_code-error">(.*?)</div>', html, re.S)
    return re.findall(r'<p class="fr-error-text">(.*?)</p>', block.group(1)) if block else []


# --- Enrolment -------------------------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_text_key_then_ten_recovery_codes_kept_hashed(client, employer):
    client.force_login(employer)

    page = client.get(ENROL)

    html = page.content.decode()
    device = TOTPDevice.objects.get(user=employer, confirmed=False)
    assert re.search(r'<svg role="img" aria-label="QR code à scanner"[^>]*>.*<path d="M', html, re.S)
    assert "<img" not in html.split('class="fr-my-3w apart-qr-code"')[1].split("</div>")[0]  # inline, CSP-safe
    shown_key = re.search(r'<code class="apart-text-key">([A-Z2-7 ]+)</code>', html).group(1)
    assert b32decode(shown_key.replace(" ", "")) == device.bin_key
    assert "Valider" in html

    done = client.post(ENROL, {"code": code_of(device)})

    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "Ils ne seront plus jamais affichés" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    rows = list(TwoFactorRecoveryCode.objects.filter(user=employer))
    assert len(rows) == 10
    assert all(code.replace("-", "") not in row.code_hash for row in rows for code in codes)
    assert all(any(check_password(code.replace("-", ""), row.code_hash) for row in rows) for code in codes)
    assert client.get(reverse("espace:home")).status_code == 200  # this session is verified


def test_a_wrong_enrolment_code_is_refused_next_to_the_field(client, employer):
    client.force_login(employer)
    client.get(ENROL)

    response = client.post(ENROL, {"code": "000000"})

    assert response.status_code == 200
    assert any(WRONG_CODE in error for error in field_errors(response))
    assert not TOTPDevice.objects.filter(user=employer, confirmed=True).exists()
    assert not TwoFactorRecoveryCode.objects.exists()


WAIT = "Trop de codes erronés à la suite : attendez quelques secondes"


def test_a_right_code_typed_during_django_otps_delay_is_told_to_wait_not_that_it_is_wrong(client, employer):
    """After a wrong code django-otp refuses every code for 1 s, then 2, 4, 8…: the right code was answered « incorrect
    ou a expiré », and the person, sure of their code, kept retyping it within the delay."""
    client.force_login(employer)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=employer, confirmed=False)
    client.post(ENROL, {"code": "000000"})

    response = client.post(ENROL, {"code": code_of(device)})

    assert [error for error in field_errors(response) if WAIT in error]
    assert not [error for error in field_errors(response) if WRONG_CODE in error]
    device.refresh_from_db()
    assert not device.confirmed
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=5)):
        assert "Ils ne seront plus jamais affichés" in client.post(ENROL, {"code": code_of(device)}).content.decode()


def test_at_the_login_a_code_typed_during_the_delay_is_told_to_wait_a_recovery_code_still_works(
    client, employer_device
):
    code = recovery_codes_create(user=employer_device.user)[0]
    login(client)
    verify(client, "123456")

    response = verify(client, code_of(employer_device))

    assert [error for error in field_errors(response) if WAIT in error]
    assert "_auth_user_id" not in client.session
    assert verify(client, code).status_code == 302  # the delay is django-otp's, for the app's codes only


def test_turning_it_off_with_a_code_typed_during_the_delay_is_told_to_wait(client, employer, employer_device):
    two_factor_login(client, employer)
    disable = reverse("accounts:two_factor_disable")
    client.post(disable, {"code": "123456"})

    response = client.post(disable, {"code": code_of(employer_device)})

    assert [error for error in field_errors(response) if WAIT in error]
    assert TOTPDevice.objects.filter(user=employer).exists()


# --- Login -----------------------------------------------------------------------------------------------------


def test_with_a_device_the_login_asks_the_code_before_opening_the_session(client, employer_device):
    response = login(client)

    assert response.status_code == 302 and response.url == VERIFY
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("espace:home")).status_code == 302  # not logged in yet
    page = client.get(VERIFY).content.decode()
    assert "Code de vérification" in page and "Valider" in page

    wrong = verify(client, "123456")
    assert wrong.status_code == 200
    assert any(WRONG_CODE in error for error in field_errors(wrong))
    assert "_auth_user_id" not in client.session

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=5)):
        right = verify(client, code_of(employer_device))  # after django-otp's 1-second throttle
        assert right.status_code == 302 and right.url == reverse("espace:home")
        assert client.get(reverse("espace:home")).status_code == 200


def test_a_recovery_code_works_once_only(client, employer_device):
    code = recovery_codes_create(user=employer_device.user)[0]
    login(client)

    response = verify(client, code.upper())

    assert response.status_code == 302 and response.url == reverse("espace:home")
    assert TwoFactorRecoveryCode.objects.filter(used_at__isnull=False).count() == 1
    client.post(reverse("accounts:logout"))
    login(client)
    again = verify(client, code)
    assert again.status_code == 200
    assert any(WRONG_CODE in error for error in field_errors(again))
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_toward_the_login_lockout(client, employer_device, settings):
    login(client)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert verify(client, "000000").status_code == 200

    locked = verify(client, "000000")

    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    attempt = AccessAttempt.objects.get(username="gerard.menuca")
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=40)):
        assert verify(client, code_of(employer_device)).status_code == 429  # even the right code
        assert login(client).status_code == 429  # and the password form
    assert "_auth_user_id" not in client.session


def test_an_ip_locked_on_the_password_forms_cannot_give_a_code_either(client, employer_device, settings):
    login(client)
    other = type(client)()
    for number in range(settings.LOGIN_IP_FAILURE_LIMIT):
        other.post(ADMIN_LOGIN, {"username": f"inconnu{number}", "password": "x"}, REMOTE_ADDR="203.0.113.7")

    assert verify(client, code_of(employer_device)).status_code == 429


# --- Required for staff and « Agent UD » -----------------------------------------------------------------------


def test_staff_without_a_device_are_sent_to_the_enrolment_before_any_admin_page(client):
    UserFactory(staff=True, identifiant="agent.asp")

    response = client.post(ADMIN_LOGIN, {"username": "agent.asp", "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302
    for path in ["/admin/", "/admin/accounts/user/", "/admin/habilitations/habilitation/"]:
        page = client.get(path)
        assert page.status_code == 302 and page.url == ENROL, path
    enrol = client.get(ENROL).content.decode()
    assert "obligatoire pour votre compte" in enrol


def test_the_required_enrolment_offers_none_of_the_pages_it_leads_back_from(client, employer):
    """An agent without a device saw the employer's menu (ÉTABLISSEMENTS, DEMANDE CRÉATION DE COMPTE, Mon compte…)
    on the enrolment page: each link led back to it. An employer who enrols by choice keeps the menu."""
    UserFactory(staff=True, identifiant="agent.asp")
    client.post(ADMIN_LOGIN, {"username": "agent.asp", "password": PASSWORD, "next": "/admin/"})

    required = client.get(ENROL).content.decode()

    assert "obligatoire pour votre compte" in required
    assert "DEMANDE CRÉATION DE COMPTE" not in required and 'aria-label="Menu de mon espace"' not in required
    assert "DECONNEXION" in required
    client.post(reverse("accounts:logout"))
    client.force_login(employer)
    chosen = client.get(ENROL).content.decode()
    assert "DEMANDE CRÉATION DE COMPTE" in chosen and 'aria-label="Menu de mon espace"' in chosen


def test_staff_with_a_device_give_the_code_after_the_password_on_the_admin_login(client):
    agent = UserFactory(staff=True, identifiant="agent.asp")
    device = TOTPDevice.objects.create(user=agent, name="Téléphone", confirmed=True)

    response = client.post(ADMIN_LOGIN, {"username": "agent.asp", "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302 and response.url == VERIFY
    assert client.get("/admin/").url.startswith(ADMIN_LOGIN)  # not logged in
    done = verify(client, code_of(device))
    assert done.status_code == 302 and done.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_agent_ud_is_required_the_double_authentification(client, employer):
    employer.groups.add(Group.objects.get_or_create(name="Agent UD")[0])
    client.force_login(employer)

    response = client.get(reverse("espace:home"))

    assert response.status_code == 302 and response.url == ENROL


def test_staff_cannot_turn_it_off(client):
    agent = UserFactory(staff=True)
    device = two_factor_login(client, agent)

    client.post(reverse("accounts:two_factor_disable"), {"code": code_of(device)})

    assert TOTPDevice.objects.filter(user=agent, confirmed=True).exists()
    assert "obligatoire pour votre compte" in client.get(SETTINGS).content.decode()


# --- Optional for the others, from "Mon compte" ----------------------------------------------------------------


def test_a_user_turns_it_on_from_mon_compte_and_is_then_asked_the_code_at_connexion(client, employer):
    client.force_login(employer)
    assert "Gérer la double authentification" in client.get(reverse("accounts:my_account")).content.decode()
    assert "Activer la double authentification" in client.get(SETTINGS).content.decode()
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=employer)
    client.post(ENROL, {"code": code_of(device)})
    client.post(reverse("accounts:logout"))

    response = login(client)

    assert response.status_code == 302 and response.url == VERIFY
    assert "_auth_user_id" not in client.session


def test_a_user_turns_it_off_with_a_code_and_logs_in_with_the_password_alone(client, employer, employer_device):
    two_factor_login(client, employer)
    recovery_codes_create(user=employer)

    refused = client.post(reverse("accounts:two_factor_disable"), {"code": "000000"})
    assert any(WRONG_CODE in error for error in field_errors(refused))
    assert TOTPDevice.objects.filter(user=employer).exists()

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=5)):
        client.post(reverse("accounts:two_factor_disable"), {"code": code_of(employer_device)})
    assert not TOTPDevice.objects.filter(user=employer).exists()
    assert not TwoFactorRecoveryCode.objects.filter(user=employer).exists()
    client.post(reverse("accounts:logout"))

    response = login(client)
    assert response.status_code == 302 and response.url == reverse("espace:home")


def test_without_a_device_an_employer_logs_in_with_the_password_alone(client, employer):
    response = login(client)

    assert response.status_code == 302 and response.url == reverse("espace:home")
    assert client.get(reverse("espace:home")).status_code == 200


def test_a_code_given_in_a_browser_where_another_account_is_logged_in_opens_the_right_account(client, employer_device):
    colleague = UserFactory(identifiant="collegue")
    HabilitationFactory(user=colleague)
    client.force_login(colleague)

    login(client)
    verify(client, code_of(employer_device))

    assert client.session["_auth_user_id"] == str(employer_device.user.pk)


@pytest.mark.argon2
def test_recovery_codes_are_hashed_with_the_production_hasher(employer):
    codes = recovery_codes_create(user=employer)

    hashes = list(TwoFactorRecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(hashes) == 10 and all(value.startswith("argon2$") for value in hashes)
    assert not any(code.replace("-", "") in value for value in hashes for code in codes)


# --- Replacing the device (changer de téléphone) -----------------------------------------------------------------


def current_code_errors(response) -> list[str]:
    html = response.content.decode()
    block = re.search(r'<div id="id_current_code-error">(.*?)</div>', html, re.S)
    return re.findall(r'<p class="fr-error-text">(.*?)</p>', block.group(1)) if block else []


def test_replacing_the_device_needs_a_code_of_the_current_one(client, employer, employer_device):
    """A session alone (a cookie left on a shared computer, or stolen) must not swap the account's second factor
    for its own: turning it off already needs a code, so does replacing it."""
    two_factor_login(client, employer)
    old_codes = recovery_codes_create(user=employer)
    page = client.get(ENROL).content.decode()
    assert "Code actuel" in page
    new_device = TOTPDevice.objects.get(user=employer, confirmed=False)

    refused = client.post(ENROL, {"code": code_of(new_device)})

    assert refused.status_code == 200
    assert current_code_errors(refused)
    assert list(TOTPDevice.objects.filter(user=employer, confirmed=True)) == [employer_device]
    assert TwoFactorRecoveryCode.objects.filter(user=employer).count() == 10

    wrong = client.post(ENROL, {"code": code_of(new_device), "current_code": "000000"})
    assert any(WRONG_CODE in error for error in current_code_errors(wrong))
    assert list(TOTPDevice.objects.filter(user=employer, confirmed=True)) == [employer_device]

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=31)):
        done = client.post(ENROL, {"code": code_of(new_device), "current_code": old_codes[0]})

    assert done.status_code == 200
    assert len(re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.content.decode())) == 10
    assert list(TOTPDevice.objects.filter(user=employer, confirmed=True)) == [new_device]


def test_a_session_opened_before_the_device_cannot_replace_it(client, employer, employer_device):
    """A session logged in before the double authentification was turned on is not verified: it is sent to the
    code step everywhere, and the enrolment page (open to it) does not let it put its own device in place."""
    client.force_login(employer)
    assert client.get(reverse("espace:home")).url == VERIFY
    client.get(ENROL)
    new_device = TOTPDevice.objects.get(user=employer, confirmed=False)

    response = client.post(ENROL, {"code": code_of(new_device)})

    assert current_code_errors(response)
    assert list(TOTPDevice.objects.filter(user=employer, confirmed=True)) == [employer_device]
    assert client.get(reverse("espace:home")).url == VERIFY
