"""A UD agent of Paris and Hauts-de-Seine logged in (second factor passed), and DAPs in and out of its départements."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from dap.enums import Statut
from dap.services import departement_or_blank
from instruction.services import agent_create
from tests.dap.conftest import make_demande
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory, two_factor_login


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def login_agent(client, identifiant="agent.ud75", departements=("75", "92")):
    agent = agent_create(
        identifiant=identifiant,
        courriel=f"{identifiant}@ddets.example",
        prenom="Inès",
        nom="Martin",
        departements=list(departements),
        password="Agent-UD-2026;",
    ).agent
    agent.user.must_set_secret_question = False
    agent.user.save()
    two_factor_login(client, agent.user)
    return agent.user


@pytest.fixture
def agent_user(client, db):
    return login_agent(client)


@pytest.fixture
def employer(db):
    return UserFactory(courriel="employeur@example.fr")


@pytest.fixture
def paris(employer):
    establishment = EstablishmentFactory(complete=True, code_postal="75011", denomination="BOULANGERIE DU CANAL")
    HabilitationFactory(user=employer, establishment=establishment)
    return establishment


@pytest.fixture
def lyon(employer):
    establishment = EstablishmentFactory(
        complete=True, code_postal="69002", ville="Lyon", denomination="BOUCHON LYONNAIS"
    )
    HabilitationFactory(user=employer, establishment=establishment)
    return establishment


def envoyee(establishment, user, *, deadline_in: int = 15, statut=Statut.ENVOYEE, **fields):
    """A DAP sent to the UD whose implicit acceptance falls in `deadline_in` days."""
    demande = make_demande(establishment, user, statut=statut, debut=days(1), fin=days(14), **fields)
    if statut != Statut.PROVISOIRE:  # as demande_send stores it
        demande.departement = departement_or_blank(establishment.code_postal)
        demande.save(update_fields=["departement"])
    if statut == Statut.ENVOYEE:
        demande.implicit_acceptance_on = days(deadline_in)
        demande.save(update_fields=["implicit_acceptance_on"])
    return demande


@pytest.fixture
def other_client(db):
    return Client()
