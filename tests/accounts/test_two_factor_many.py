"""The double authentification required for the accounts holding more than 50 establishments: asked at the login,
with a grace period of 7 days (« Plus tard »), an e-mail when it starts and one 2 days before its end; and the staff's
reset of a user's factors from the admin, with a motif in the journal."""

import datetime
import re

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import TwoFactorRecoveryCode, User
from accounts.roles import AGENT_ASP, SUPERVISEUR_ASP
from accounts.services import staff_roles_sync
from accounts.tasks import two_factor_grace_reminders
from accounts.two_factor import recovery_codes_create, two_factor_grace_reminders_send, two_factor_reset
from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.perms import holds_many_establishments
from tests.factories import HabilitationFactory, UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-de-passe-2026;"
LOGIN = reverse("espace:login")
HOME = reverse("espace:home")
VERIFY = reverse("accounts:two_factor_verify")
ENROL = reverse("accounts:two_factor_enrol")
LATER = reverse("accounts:two_factor_later")
USERS = reverse("admin:accounts_user_changelist")
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # a Monday, 11:00 in Paris
STARTED = "double_authentification_demandee"
REMINDER = "double_authentification_rappel"
RESET = "double_authentification_reinitialisee"


def holder(count: int, identifiant: str = "cabinet.lambert") -> User:
    user = UserFactory(identifiant=identifiant, courriel=f"{identifiant}@cabinet.example")
    HabilitationFactory.create_batch(count, user=user)
    return user


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def expert(clock):
    return holder(51)


def login(client, username="cabinet.lambert"):
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")


def code_of(device) -> str:
    return f"{totp(device.bin_key):06d}"


def emails(kind: str) -> int:
    return OutboxEmail.objects.filter(kind=kind).count()


# --- The rule: more than 50 establishments ---------------------------------------------------------------------


@pytest.mark.parametrize(("establishments", "required"), [(50, False), (51, True)])
def test_the_rule_counts_more_than_50_establishments(client, clock, establishments, required):
    user = holder(establishments)

    login(client)
    response = client.get(HOME)

    assert holds_many_establishments(user) is required
    if required:
        assert response.status_code == 302 and response.url == ENROL
    else:
        assert response.status_code == 200
        assert not emails(STARTED)


def test_ended_habilitations_and_other_extranets_are_not_counted(clock):
    from habilitations.enums import ExtranetCode
    from habilitations.models import Extranet

    user = holder(50)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    HabilitationFactory(user=user, valid_from=yesterday - datetime.timedelta(days=365), valid_until=yesterday)
    other = next(code for code in ExtranetCode.values if code != ExtranetCode.APART)
    HabilitationFactory(user=user, extranet=Extranet.objects.for_code(other))

    assert not holds_many_establishments(user)


def test_the_threshold_is_a_setting(settings, clock):
    settings.TWO_FACTOR_ESTABLISHMENTS_THRESHOLD = 2

    assert not holds_many_establishments(holder(2, "deux"))
    assert holds_many_establishments(holder(3, "trois"))


# --- The enrolment asked at the login, and the grace period ----------------------------------------------------


def test_the_login_asks_the_enrolment_with_7_days_to_do_it_and_an_email(client, expert):
    response = login(client)

    assert response.status_code == 302
    assert client.get(response.url).url == ENROL
    html = client.get(ENROL).content.decode()
    assert "Il vous reste 7 jours pour activer la double authentification" in html
    assert "Vous représentez plus de 50 établissements" in html
    assert ">Plus tard</button>" in html
    assert 'aria-label="Menu de mon espace"' not in html  # no page of the space offered: each would lead back
    expert.refresh_from_db()
    assert expert.two_factor_grace_started_at == START
    email = OutboxEmail.objects.get(kind=STARTED)
    assert email.to == "cabinet.lambert@cabinet.example"
    assert "Vous avez 7 jours, jusqu'au 09/03/2026 à 11:00, pour l'activer" in email.body_text


def test_plus_tard_lets_the_session_go_on_during_the_grace_period(client, expert):
    login(client)
    client.get(ENROL)

    response = client.post(LATER, follow=True)

    assert response.redirect_chain == [(HOME, 302)] and response.status_code == 200
    assert "Il vous reste 7 jours pour activer la double authentification" in response.content.decode()
    assert client.get(reverse("accounts:my_account")).status_code == 200
    settings_page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "obligatoire pour votre compte : il vous reste 7 jours pour activer" in settings_page


def test_each_login_asks_again_with_the_days_left_then_after_7_days_the_space_is_closed(client, expert, clock):
    login(client)
    client.post(LATER)
    client.post(reverse("accounts:logout"))

    clock.move_to(START + datetime.timedelta(days=3))
    login(client)
    assert client.get(HOME).url == ENROL
    assert "Il vous reste 4 jours pour activer" in client.get(ENROL).content.decode()
    client.post(LATER)
    assert client.get(HOME).status_code == 200
    client.post(reverse("accounts:logout"))

    clock.move_to(START + datetime.timedelta(days=6, hours=23))
    login(client)
    assert "Il vous reste 1 jour pour activer" in client.get(ENROL).content.decode()
    client.post(reverse("accounts:logout"))

    clock.move_to(START + datetime.timedelta(days=7, minutes=1))
    login(client)
    html = client.get(ENROL).content.decode()
    assert "Le délai pour activer la double authentification est écoulé" in html
    assert "Plus tard" not in html
    refused = client.post(LATER, follow=True)
    assert "Le délai est écoulé : activez la double authentification" in refused.content.decode()
    for path in [HOME, reverse("accounts:my_account"), reverse("portal:home")]:
        assert client.get(path).url == ENROL, path
    # Only the enrolment, the help pages and the logout stay open.
    assert client.get(reverse("support:help")).status_code == 200
    assert client.post(reverse("accounts:logout")).url == reverse("portal:home")
    assert emails(STARTED) == 1  # once, whatever the number of logins


def test_plus_tard_chosen_before_the_end_stops_at_the_end(client, expert, clock):
    clock.move_to(START + datetime.timedelta(days=6, hours=23, minutes=50))
    login(client)
    client.get(HOME)
    expert.refresh_from_db()
    expert.two_factor_grace_started_at = START
    expert.save(update_fields=["two_factor_grace_started_at"])
    client.post(LATER)
    assert client.get(HOME).status_code == 200

    clock.move_to(START + datetime.timedelta(days=7, minutes=5))

    assert client.get(HOME).url == ENROL


def test_after_the_enrolment_the_login_asks_the_code(client, expert, clock):
    login(client)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=expert, confirmed=False)
    done = client.post(ENROL, {"code": code_of(device)})
    assert "Ils ne seront plus jamais affichés" in done.content.decode()
    assert client.get(HOME).status_code == 200
    client.post(reverse("accounts:logout"))

    clock.move_to(START + datetime.timedelta(days=30))  # long after the grace period: nothing else asked
    response = login(client)

    assert response.url == VERIFY
    clock.shift(datetime.timedelta(seconds=30))  # the next code (one already accepted is refused)
    assert client.post(VERIFY, {"code": code_of(device)}).url == HOME
    assert client.get(HOME).status_code == 200


def test_a_holder_with_a_device_gives_the_code_as_any_account(client, expert):
    device = TOTPDevice.objects.create(user=expert, name="Téléphone", confirmed=True)

    response = login(client)

    assert response.url == VERIFY
    assert client.post(VERIFY, {"code": code_of(device)}).url == HOME
    assert not emails(STARTED)


def test_a_holder_cannot_turn_it_off(client, expert):
    device = two_factor_login(client, expert)

    client.post(reverse("accounts:two_factor_disable"), {"code": code_of(device)})

    assert TOTPDevice.objects.filter(user=expert, confirmed=True).exists()
    assert "obligatoire pour votre compte" in client.get(reverse("accounts:two_factor")).content.decode()


def test_staff_and_ud_agents_have_no_grace_period(client, clock):
    agent = holder(51, "agent.ud")
    agent.groups.add(Group.objects.get_or_create(name="Agent UD")[0])

    login(client, "agent.ud")
    html = client.get(ENROL).content.decode()

    assert "Plus tard" not in html and "obligatoire pour votre compte" in html
    assert client.post(LATER).url == ENROL
    assert client.get(reverse("instruction:home")).url == ENROL
    agent.refresh_from_db()
    assert agent.two_factor_grace_started_at is None and not emails(STARTED)


# --- The reminder, 2 days before the end -----------------------------------------------------------------------


def test_the_reminder_goes_2_days_before_the_end_once(client, expert, clock):
    login(client)
    client.get(HOME)

    clock.move_to(START + datetime.timedelta(days=4, hours=23))
    assert two_factor_grace_reminders_send() == 0
    clock.move_to(START + datetime.timedelta(days=5))
    assert two_factor_grace_reminders() == 1  # the beat's task
    assert two_factor_grace_reminders_send() == 0
    clock.move_to(START + datetime.timedelta(days=6))
    assert two_factor_grace_reminders_send() == 0

    email = OutboxEmail.objects.get(kind=REMINDER)
    assert email.to == expert.courriel
    assert "il vous reste jusqu'au 09/03/2026 à 11:00 pour l'activer" in email.body_text
    assert emails(STARTED) == 1


def test_no_reminder_once_enrolled_or_after_the_end_or_without_the_establishments(client, expert, clock):
    login(client)
    client.get(HOME)
    enrolled, gone = holder(51, "inscrit"), holder(51, "parti")
    User.objects.filter(pk__in=[enrolled.pk, gone.pk]).update(two_factor_grace_started_at=START)
    TOTPDevice.objects.create(user=enrolled, name="Téléphone", confirmed=True)
    gone.habilitations.update(valid_until=timezone.localdate() + datetime.timedelta(days=2))

    clock.move_to(START + datetime.timedelta(days=7, minutes=1))
    assert two_factor_grace_reminders_send() == 0  # the grace period is over for cabinet.lambert
    clock.move_to(START + datetime.timedelta(days=5, hours=1))
    assert two_factor_grace_reminders_send() == 1

    assert list(OutboxEmail.objects.filter(kind=REMINDER).values_list("to", flat=True)) == [expert.courriel]


# --- Staff: the reset ------------------------------------------------------------------------------------------


def member_of(role: str) -> User:
    staff_roles_sync()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)


def test_the_reset_deletes_the_factors_restarts_the_grace_tells_the_user_and_is_journaled(expert):
    TOTPDevice.objects.create(user=expert, name="Téléphone", confirmed=True)
    recovery_codes_create(user=expert)
    User.objects.filter(pk=expert.pk).update(two_factor_grace_started_at=START, two_factor_grace_reminded_at=START)
    supervisor = member_of(SUPERVISEUR_ASP)

    two_factor_reset(user=expert, by=supervisor, motif="Téléphone perdu, identité vérifiée (demande n° 42).")

    expert.refresh_from_db()
    assert not TOTPDevice.objects.filter(user=expert).exists()
    assert not TwoFactorRecoveryCode.objects.filter(user=expert).exists()
    assert expert.two_factor_grace_started_at is None and expert.two_factor_grace_reminded_at is None
    email = OutboxEmail.objects.get(kind=RESET)
    assert email.to == expert.courriel
    assert "a réinitialisé la double authentification du compte cabinet.lambert" in email.body_text
    assert "vous activerez la double authentification à nouveau" in email.body_text
    action = StaffAction.objects.get()
    assert action.action == StaffActionKind.TWO_FACTOR_RESET
    assert (action.actor, action.target_user) == (supervisor, expert)
    assert action.details["motif"] == "Téléphone perdu, identité vérifiée (demande n° 42)."
    assert (action.details["devices_deleted"], action.details["recovery_codes_deleted"]) == (1, 10)


def test_after_a_reset_the_next_login_asks_the_enrolment_with_a_new_grace_period(client, expert, clock):
    User.objects.filter(pk=expert.pk).update(two_factor_grace_started_at=START - datetime.timedelta(days=30))
    TOTPDevice.objects.create(user=expert, name="Téléphone", confirmed=True)
    two_factor_reset(user=expert, by=UserFactory(staff=True), motif="Téléphone perdu.")

    login(client)

    assert client.get(HOME).url == ENROL
    assert "Il vous reste 7 jours" in client.get(ENROL).content.decode()


@pytest.mark.parametrize("target", ["superuser", "staff"])
def test_a_non_superuser_may_not_reset_an_agents_or_a_superusers_factors(target):
    victim = UserFactory(is_staff=True, is_superuser=target == "superuser")
    TOTPDevice.objects.create(user=victim, name="Téléphone", confirmed=True)

    with pytest.raises(PermissionDenied):
        two_factor_reset(user=victim, by=member_of(SUPERVISEUR_ASP), motif="Tentative.")

    assert TOTPDevice.objects.filter(user=victim).exists()
    assert not StaffAction.objects.exists() and not emails(RESET)


def test_a_superuser_resets_an_agents_factors():
    agent = member_of(AGENT_ASP)
    TOTPDevice.objects.create(user=agent, name="Téléphone", confirmed=True)

    two_factor_reset(user=agent, by=UserFactory(staff=True), motif="Nouveau téléphone.")

    assert not TOTPDevice.objects.filter(user=agent).exists()


def run(client, user, **data):
    return client.post(USERS, {"action": "reset_two_factor", "_selected_action": [user.pk], **data}, follow=True)


def test_a_supervisor_resets_from_the_admin_with_a_motif(client, expert):
    TOTPDevice.objects.create(user=expert, name="Téléphone", confirmed=True)
    two_factor_login(client, member_of(SUPERVISEUR_ASP))

    page = run(client, expert)
    html = page.content.decode()
    assert "Réinitialiser la double authentification" in html and 'name="motif"' in html
    assert TOTPDevice.objects.filter(user=expert).exists()  # not before it is confirmed
    refused = run(client, expert, apply="1", motif="")
    assert "Indiquez le motif de la réinitialisation" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=expert).exists()

    done = run(client, expert, apply="1", motif="Téléphone perdu.")

    assert "1 double(s) authentification(s) réinitialisée(s)" in done.content.decode()
    assert not TOTPDevice.objects.filter(user=expert).exists()
    assert StaffAction.objects.get(action=StaffActionKind.TWO_FACTOR_RESET).details["motif"] == "Téléphone perdu."
    assert emails(RESET) == 1


def test_the_admin_action_leaves_a_superuser_alone_for_a_supervisor(client):
    superuser = UserFactory(staff=True)
    device = TOTPDevice.objects.create(user=superuser, name="Téléphone", confirmed=True)
    two_factor_login(client, member_of(SUPERVISEUR_ASP))

    html = run(client, superuser, apply="1", motif="Tentative.").content.decode()

    assert "n&#x27;est réinitialisée que par un super-utilisateur" in html.replace("'", "&#x27;")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not StaffAction.objects.exists()


def test_the_action_needs_its_own_right(client, expert):
    def offered(user):
        request = RequestFactory().get(USERS)
        request.user = user
        return "reset_two_factor" in admin.site._registry[User].get_actions(request)

    assert offered(member_of(SUPERVISEUR_ASP))
    assert not offered(member_of(AGENT_ASP))
    TOTPDevice.objects.create(user=expert, name="Téléphone", confirmed=True)
    two_factor_login(client, member_of(AGENT_ASP))
    run(client, expert, apply="1", motif="Sans le droit.")
    assert TOTPDevice.objects.filter(user=expert).exists()


def test_the_change_page_shows_the_state_of_the_double_authentification(client, expert):
    TOTPDevice.objects.create(user=expert, name="Téléphone", confirmed=True)
    recovery_codes_create(user=expert)
    two_factor_login(client, UserFactory(staff=True))

    html = client.get(reverse("admin:accounts_user_change", args=[expert.pk])).content.decode()

    assert re.search(r"Activée \(10 code\(s\) de secours utilisable\(s\)\)", html)
