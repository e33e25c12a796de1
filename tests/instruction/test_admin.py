"""The UD agents in the ASP's admin: the Superviseur ASP adds them (through the service) and changes their
départements; the Agent ASP reads them only."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import AGENT_ASP, SUPERVISEUR_ASP
from accounts.services import staff_roles_sync
from apart.outbox.models import OutboxEmail
from audit.models import StaffAction
from instruction.models import AgentUD
from instruction.services import agent_create
from tests.factories import UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

ADD = reverse("admin:instruction_agentud_add")
LIST = reverse("admin:instruction_agentud_changelist")


def staff_of(client, role):
    staff_roles_sync()
    user = UserFactory(is_staff=True, identifiant=f"{role.lower().replace(' ', '.')}")
    user.groups.add(Group.objects.get(name=role))
    two_factor_login(client, user)
    return user


@pytest.fixture
def existing():
    return agent_create(
        identifiant="agent.ud33",
        courriel="ud33@ddets.example",
        prenom="Paul",
        nom="Durand",
        departements=["33"],
        password="Agent-UD-2026;",
    ).agent


NEW_AGENT = {
    "identifiant": "agent.ud75",
    "prenom": "Inès",
    "nom": "Martin",
    "courriel": "ines.martin@ddets.example",
    "departements": ["75", "92"],
}


def test_a_supervisor_adds_an_agent_who_gets_a_temporary_password_by_e_mail(client):
    supervisor = staff_of(client, SUPERVISEUR_ASP)

    response = client.post(ADD, NEW_AGENT)

    assert response.status_code == 302
    agent = AgentUD.objects.get(user__identifiant="agent.ud75")
    assert agent.departement_codes == ["75", "92"]
    assert agent.user.must_change_password and not agent.user.is_staff
    assert list(agent.user.groups.values_list("name", flat=True)) == ["Agent UD"]
    assert OutboxEmail.objects.filter(kind="agent_ud_compte", to="ines.martin@ddets.example").exists()
    assert StaffAction.objects.get(action="agent_ud_create").actor == supervisor
    listed = client.get(LIST).content.decode()
    assert "agent.ud75" in listed and "75, 92" in listed


def test_a_taken_identifiant_is_refused_next_to_its_field(client, existing):
    staff_of(client, SUPERVISEUR_ASP)

    response = client.post(ADD, {**NEW_AGENT, "identifiant": "Agent.UD33"})

    assert response.status_code == 200
    assert "Cet identifiant est déjà pris." in response.content.decode()
    assert AgentUD.objects.count() == 1


def test_a_supervisor_changes_the_departements_journaled(client, existing):
    supervisor = staff_of(client, SUPERVISEUR_ASP)
    url = reverse("admin:instruction_agentud_change", args=[existing.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"departements": ["33", "2A"]})

    assert response.status_code == 302
    assert existing.departement_codes == ["2A", "33"]
    action = StaffAction.objects.get(action="agent_ud_departements")
    assert action.actor == supervisor and action.details["before"] == ["33"] and action.details["after"] == ["2A", "33"]


def test_an_agent_asp_reads_the_agents_but_cannot_add_or_change_them(client, existing):
    staff_of(client, AGENT_ASP)

    assert "agent.ud33" in client.get(LIST).content.decode()
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, NEW_AGENT).status_code == 403
    url = reverse("admin:instruction_agentud_change", args=[existing.pk])
    client.post(url, {"departements": ["75"]})
    assert existing.departement_codes == ["33"]
    assert not AgentUD.objects.filter(user__identifiant="agent.ud75").exists()


def test_nobody_deletes_an_agent_in_the_admin(client, existing):
    staff_of(client, SUPERVISEUR_ASP)

    assert client.get(reverse("admin:instruction_agentud_delete", args=[existing.pk])).status_code == 403
