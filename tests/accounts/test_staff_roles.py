"""The staff roles are groups declared in code (accounts/roles.py) and synced by `sync_staff_roles`; only a
superuser gives rights: a staff member cannot raise their own nor anyone's through the admin."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from accounts.roles import AGENT_ASP, AGENT_UD, STAFF_ROLES, SUPERVISEUR_ASP
from accounts.services import staff_roles_sync
from apart.outbox.models import OutboxEmail
from tests.factories import HabilitationFactory, UserFactory, two_factor_login

pytestmark = pytest.mark.django_db


def held(group_name) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


# --- sync_staff_roles --------------------------------------------------------------------------------------


def test_the_command_creates_the_three_groups_with_exactly_their_permissions():
    call_command("sync_staff_roles")

    assert set(Group.objects.values_list("name", flat=True)) >= {"Agent ASP", "Superviseur ASP", "Agent UD"}
    for name in (AGENT_ASP, SUPERVISEUR_ASP, AGENT_UD):
        assert held(name) == set(STAFF_ROLES[name])
    assert "habilitations.approve_accountrequest" in held(AGENT_ASP)
    assert "habilitations.resend_account_emails" not in held(AGENT_ASP)
    assert "habilitations.resend_account_emails" in held(SUPERVISEUR_ASP)
    assert held(SUPERVISEUR_ASP) > held(AGENT_ASP)
    assert held(AGENT_UD) == set()


def test_the_sync_is_idempotent_and_takes_back_what_the_code_no_longer_gives():
    call_command("sync_staff_roles")
    call_command("sync_staff_roles")
    assert Group.objects.filter(name=AGENT_ASP).count() == 1
    # Someone added a right by hand; the code drops another one.
    group = Group.objects.get(name=AGENT_ASP)
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    trimmed = {**STAFF_ROLES, AGENT_ASP: [p for p in STAFF_ROLES[AGENT_ASP] if p != "support.change_ticket"]}

    staff_roles_sync(roles=trimmed)

    assert held(AGENT_ASP) == set(trimmed[AGENT_ASP])
    assert "support.change_ticket" not in held(AGENT_ASP) and "accounts.delete_user" not in held(AGENT_ASP)


def test_every_declared_permission_exists():
    """A typo in roles.py fails the sync rather than giving a group less than it says."""
    staff_roles_sync()

    with pytest.raises(Exception, match="Permission inconnue"):
        staff_roles_sync(roles={AGENT_ASP: ["support.approve_ticket"]})


# --- The user admin: rights are a superuser's business -------------------------------------------------------


@pytest.fixture
def supervisor(client):
    staff_roles_sync()
    user = UserFactory(is_staff=True, identifiant="superviseur.asp")
    user.groups.add(Group.objects.get(name=SUPERVISEUR_ASP))
    two_factor_login(client, user)
    return user


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def forged_post(client, user, **extra):
    """The change form of `user`, posted with the rights fields a staff member must not set."""
    data = {
        "identifiant": user.identifiant,
        "nom": user.nom,
        "prenom": user.prenom,
        "telephone": user.telephone,
        "courriel": user.courriel,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [Group.objects.get(name=SUPERVISEUR_ASP).pk],
        "user_permissions": [Permission.objects.get(codename="delete_user").pk],
        **extra,
    }
    return client.post(change_url(user), data)


def test_a_supervisor_sees_the_rights_fields_read_only(client, supervisor):
    employer = UserFactory()

    html = client.get(change_url(employer)).content.decode()

    assert client.get(change_url(employer)).status_code == 200
    for field in ("is_staff", "is_superuser", "groups", "user_permissions"):
        assert f'name="{field}"' not in html


def test_a_supervisor_cannot_make_anyone_staff_or_superuser(client, supervisor):
    employer = UserFactory(nom="Menuça")

    response = forged_post(client, employer, nom="Menuça-Durand")

    assert response.status_code == 302  # the rest of the form is saved
    employer = User.objects.get(pk=employer.pk)
    assert employer.nom == "Menuça-Durand"
    assert not employer.is_staff and not employer.is_superuser
    assert not employer.groups.exists() and not employer.user_permissions.exists()


def test_a_supervisor_sees_the_courriel_and_identifiant_of_an_account_read_only(client, supervisor):
    employer = UserFactory(identifiant="gerard.menuca1", courriel="gerard@boulangerie.fr")

    html = client.get(change_url(employer)).content.decode()

    assert 'name="courriel"' not in html and 'name="identifiant"' not in html
    assert "gerard@boulangerie.fr" in html and "gerard.menuca1" in html
    assert 'name="nom"' in html  # the rest stays editable


def test_a_supervisor_cannot_redirect_a_new_account_to_his_own_address(client, supervisor):
    """The take-over: an account that never logged in, its courriel changed to the agent's own address, then
    « Renvoyer les courriels » sends the new temporary password there."""
    habilitation = HabilitationFactory(
        user__temporary_password=True, user__identifiant="gerard.menuca1", user__courriel="gerard@boulangerie.fr"
    )
    employer = habilitation.user

    response = forged_post(
        client, employer, courriel="superviseur@pirate.example", identifiant="pirate.asp", must_change_password="on"
    )

    assert response.status_code == 302  # the rest of the form is saved; the two fields are ignored
    employer = User.objects.get(pk=employer.pk)
    assert (employer.courriel, employer.identifiant) == ("gerard@boulangerie.fr", "gerard.menuca1")
    client.post(
        reverse("admin:habilitations_habilitation_changelist"),
        {"action": "resend_account_emails", "_selected_action": [habilitation.pk]},
    )
    assert OutboxEmail.objects.filter(kind="mot_de_passe").exists()
    assert not OutboxEmail.objects.filter(to="superviseur@pirate.example").exists()


def test_a_superuser_still_corrects_a_courriel(client):
    two_factor_login(client, UserFactory(staff=True))
    staff_roles_sync()
    employer = UserFactory(courriel="ancienne@boulangerie.fr")

    forged_post(client, employer, courriel="nouvelle@boulangerie.fr")

    assert User.objects.get(pk=employer.pk).courriel == "nouvelle@boulangerie.fr"


def test_a_supervisor_cannot_raise_their_own_rights(client, supervisor):
    forged_post(client, supervisor)

    supervisor = User.objects.get(pk=supervisor.pk)
    assert not supervisor.is_superuser
    assert list(supervisor.groups.values_list("name", flat=True)) == [SUPERVISEUR_ASP]
    assert not supervisor.user_permissions.exists()


def test_a_supervisor_cannot_take_over_another_agent_or_a_superuser(client, supervisor):
    for other in (UserFactory(is_staff=True), UserFactory(staff=True)):
        password = other.password

        assert forged_post(client, other, courriel="pirate@example.fr").status_code == 403
        assert (
            client.post(
                reverse("admin:auth_user_password_change", args=[other.pk]),
                {"password1": "Pirate-2026;x", "password2": "Pirate-2026;x"},
            ).status_code
            == 403
        )
        other = User.objects.get(pk=other.pk)
        assert other.password == password and other.courriel != "pirate@example.fr"


def test_a_superuser_still_gives_rights(client):
    two_factor_login(client, UserFactory(staff=True))
    staff_roles_sync()
    employer = UserFactory()

    forged_post(client, employer)

    employer = User.objects.get(pk=employer.pk)
    assert employer.is_staff and employer.is_superuser
    assert list(employer.groups.values_list("name", flat=True)) == [SUPERVISEUR_ASP]


def test_a_non_superuser_cannot_delete_an_agent_in_bulk(client):
    """Django asks has_delete_permission(obj) of each selected account: an agent in the selection refuses it all."""
    deleter = UserFactory(is_staff=True)
    deleter.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "delete_user"]))
    two_factor_login(client, deleter)
    agent, employer = UserFactory(is_staff=True), UserFactory()

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [agent.pk, employer.pk], "post": "yes"},
    )

    assert response.status_code == 403

    assert User.objects.filter(pk__in=[agent.pk, employer.pk]).count() == 2


def test_only_a_superuser_types_a_password_for_someone_else(client, supervisor):
    employer = UserFactory()
    password = employer.password
    url = reverse("admin:auth_user_password_change", args=[employer.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"password1": "Pirate-2026;x", "password2": "Pirate-2026;x"}).status_code == 403
    assert User.objects.get(pk=employer.pk).password == password
