"""An accepted DAP followed by an avenant, instructed like any DAP."""

from decimal import Decimal

import pytest

from dap.enums import Statut
from dap.models import Decision
from dap.services import (
    ActionRefusee,
    DemandeInvalide,
    avenant_create,
    demande_accept,
    demande_refuse,
    demande_save,
    demande_send,
)

from .conftest import days, valid_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(employer, establishment, ud_agent):
    demande = demande_save(by=employer, establishment=establishment, data=valid_data())
    demande_send(demande=demande, by=employer)
    demande_accept(demande=demande, by=ud_agent, heures_autorisees="80", date_debut=days(1), date_fin=days(14))
    demande.refresh_from_db()
    return demande


def test_an_avenant_starts_from_the_decision_and_changes_the_end_date(accepted, employer):
    avenant = avenant_create(demande=accepted, by=employer, date_fin=days(30))
    assert avenant.numero == f"{accepted.numero}-A1"
    assert avenant.parent == accepted and avenant.statut == Statut.PROVISOIRE
    assert (avenant.date_debut, avenant.date_fin) == (days(1), days(30))
    assert avenant.heures_previsionnelles == Decimal("80")  # the hours authorised, not asked
    assert avenant.historique.get().comment == f"Avenant à la demande {accepted.numero}"


def test_an_avenant_goes_through_the_same_instruction(accepted, employer, ud_agent):
    avenant = avenant_create(demande=accepted, by=employer, nb_salaries=3, heures_previsionnelles="60")
    demande_send(demande=avenant, by=employer)  # its own family's period does not overlap it
    decision = demande_accept(
        demande=avenant, by=ud_agent, heures_autorisees="60", date_debut=days(1), date_fin=days(14)
    )
    assert decision.nb_salaries == 3
    assert Decision.objects.count() == 2
    second = avenant_create(demande=avenant, by=employer, date_fin=days(20))
    assert second.numero == f"{accepted.numero}-A2" and second.parent == accepted
    assert second.nb_salaries == 3  # from the décision in force, the first avenant's


def test_an_avenant_asked_from_the_initial_dap_starts_from_the_decision_in_force(accepted, employer, ud_agent):
    avenant = avenant_create(demande=accepted, by=employer, nb_salaries=3, heures_previsionnelles="60")
    demande_send(demande=avenant, by=employer)
    demande_accept(demande=avenant, by=ud_agent, heures_autorisees="50", date_debut=days(1), date_fin=days(14))
    second = avenant_create(demande=accepted, by=employer, date_fin=days(20))
    assert (second.nb_salaries, second.heures_previsionnelles, second.date_fin) == (3, Decimal("50"), days(20))


def test_one_avenant_at_a_time(accepted, employer):
    first = avenant_create(demande=accepted, by=employer, date_fin=days(30))
    with pytest.raises(ActionRefusee, match=first.numero):
        avenant_create(demande=accepted, by=employer, date_fin=days(20))


def test_an_avenant_must_change_something(accepted, employer):
    with pytest.raises(DemandeInvalide) as invalid:
        avenant_create(demande=accepted, by=employer, date_fin=days(14))
    assert invalid.value.erreurs == {
        "date_fin": "L'avenant doit modifier la date de fin, le nombre de salariés ou le nombre d'heures."
    }


def test_an_avenant_keeps_the_limits(accepted, employer):
    with pytest.raises(DemandeInvalide) as invalid:
        avenant_create(demande=accepted, by=employer, nb_salaries=13)
    assert "nb_salaries" in invalid.value.erreurs


def test_no_avenant_to_a_refused_dap(employer, establishment, ud_agent):
    demande = demande_save(by=employer, establishment=establishment, data=valid_data())
    demande_send(demande=demande, by=employer)
    demande_refuse(demande=demande, by=ud_agent, motif="Non")
    with pytest.raises(ActionRefusee, match="demande acceptée"):
        avenant_create(demande=demande, by=employer, date_fin=days(20))
