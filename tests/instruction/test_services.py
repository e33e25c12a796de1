"""The UD agents' services and the database's own guard on their départements."""

import pytest
from django.db import IntegrityError

from audit.models import StaffAction
from instruction.models import AgentDepartement
from instruction.services import AgentRefused, agent_create, agent_departements_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return agent_create(
        identifiant="agent.ud13", courriel="ud13@ddets.example", departements=["13"], password="Agent-UD-2026;"
    ).agent


def test_the_database_refuses_a_departement_that_does_not_exist(agent):
    with pytest.raises(IntegrityError):
        AgentDepartement.objects.create(agent=agent, code="20")


def test_the_database_refuses_the_same_departement_twice(agent):
    with pytest.raises(IntegrityError):
        AgentDepartement.objects.create(agent=agent, code="13")


def test_setting_the_same_departements_again_changes_and_journals_nothing(agent):
    assert agent_departements_set(agent=agent, departements=["13"]) == ["13"]

    assert not StaffAction.objects.filter(action="agent_ud_departements").exists()


def test_an_agent_keeps_at_least_one_known_departement(agent):
    with pytest.raises(AgentRefused, match="au moins un département"):
        agent_departements_set(agent=agent, departements=[])
    with pytest.raises(AgentRefused, match="Département inconnu : 99"):
        agent_departements_set(agent=agent, departements=["13", "99"])

    assert agent.departement_codes == ["13"]
