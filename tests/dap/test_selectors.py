"""The employer's DAPs and décisions, through his habilitations only, in one query whatever their number."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dap.enums import Statut
from dap.selectors import decision_for_user, decisions_for_user, demande_for_user, demandes_for_user
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

from .conftest import days, make_demande

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert_comptable(db):
    """An expert-comptable holding 12 establishments, two DAPs each; a stranger's DAP beside them."""
    user = UserFactory()
    establishments = []
    for _ in range(12):
        establishment = EstablishmentFactory(complete=True)
        HabilitationFactory(user=user, establishment=establishment)
        make_demande(establishment, user, statut=Statut.ACCEPTEE, debut=days(1), fin=days(10))
        make_demande(establishment, user, statut=Statut.PROVISOIRE, debut=days(20), fin=days(30))
        establishments.append(establishment)
    return user, establishments


def test_the_user_sees_the_daps_of_his_establishments_only(expert_comptable):
    user, establishments = expert_comptable
    stranger = make_demande(EstablishmentFactory(complete=True), UserFactory(), debut=days(1), fin=days(5))
    demandes = demandes_for_user(user=user)
    assert demandes.count() == 24
    assert stranger not in demandes
    assert demande_for_user(user=user, numero=stranger.numero) is None
    assert decisions_for_user(user=user).count() == 12
    assert decision_for_user(user=user, numero=stranger.numero) is None


def test_an_expired_habilitation_hides_the_daps(establishment, employer):
    from habilitations.models import Habilitation

    demande = make_demande(establishment, employer, debut=days(1), fin=days(5))
    Habilitation.objects.filter(user=employer).update(valid_from=days(-400), valid_until=days(-1))
    assert demande_for_user(user=employer, numero=demande.numero) is None


def test_filters(expert_comptable):
    user, establishments = expert_comptable
    assert demandes_for_user(user=user, etablissement=establishments[0]).count() == 2
    assert demandes_for_user(user=user, statut=Statut.PROVISOIRE).count() == 12
    assert demandes_for_user(user=user, periode=(days(15), days(25))).count() == 12
    assert decisions_for_user(user=user, etablissement=establishments[3]).count() == 1


def test_one_query_for_a_page_whatever_the_number_of_establishments(expert_comptable):
    user, _establishments = expert_comptable
    with CaptureQueriesContext(connection) as queries:
        rows = [(d.numero, d.establishment.siret) for d in demandes_for_user(user=user)[:10]]
        decisions = [(d.code_di, d.demande.establishment.siret) for d in decisions_for_user(user=user)[:10]]
    assert len(rows) == len(decisions) == 10
    assert len(queries) == 2
    assert "habilitations_habilitation" in queries[0]["sql"]  # the habilitations as a subquery, not a list of ids
