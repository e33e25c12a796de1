"""Two decisions at the same moment (an agent's and the implicit acceptance, or two agents'): one wins, the other
finds the DAP decided and does nothing."""

import datetime

import pytest
from django.utils import timezone

from dap.enums import STATUTS_ACCEPTES, Statut
from dap.models import Decision, DemandeAutorisation, DemandeHistorique
from dap.services import demande_accept, demande_refuse, demande_save, demande_send, demandes_apply_deadlines
from tests.races import race

from .conftest import days, valid_data


@pytest.mark.django_db(transaction=True)
def test_an_agent_and_the_deadline_decide_once(employer, establishment, ud_agent):
    demande = demande_save(by=employer, establishment=establishment, data=valid_data())
    demande_send(demande=demande, by=employer)
    DemandeAutorisation.objects.filter(pk=demande.pk).update(
        implicit_acceptance_on=timezone.localdate() - datetime.timedelta(days=1)
    )

    race(
        lambda: demande_refuse(demande=demande, by=ud_agent, motif="Non"),
        lambda: demande_accept(
            demande=demande, by=ud_agent, heures_autorisees="10", date_debut=days(1), date_fin=days(14)
        ),
        lambda: demandes_apply_deadlines(),
    )

    demande.refresh_from_db()
    decided = DemandeHistorique.objects.filter(demande=demande, from_statut=Statut.ENVOYEE)
    assert decided.count() == 1
    assert decided.get().to_statut == demande.statut
    assert Decision.objects.filter(demande=demande).count() == (1 if demande.statut in STATUTS_ACCEPTES else 0)
