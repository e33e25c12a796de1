"""Two payment runs at the same moment (the beat's and an operator's, or two clicks): each DI in exactly one
payment, one file with all of them, the other run finds nothing to pay."""

import threading

import pytest
from django.db import connection

from indemnisation.enums import Statut
from indemnisation.models import DemandeIndemnisation, DemandeIndemnisationHistorique, Paiement
from indemnisation.paiements import paiement_run
from tests.indemnisation.paiement_helpers import make_validees, read_file

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(count: int, action):
    barrier = threading.Barrier(count)
    results, failures = [], []

    def run():
        try:
            barrier.wait()
            results.append(action())
        except Exception as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return results


def test_two_runs_at_once_pay_each_di_once():
    demandes = make_validees(4)

    results = _race(2, paiement_run)

    paiements = [paiement for paiement in results if paiement is not None]
    assert len(paiements) == 1
    assert Paiement.objects.count() == 1
    (paiement,) = paiements
    fichier = read_file(paiement.fichier)
    assert set(fichier["transactions"]) == {demande.numero for demande in demandes}
    assert fichier["nb_of_txs"] == 4
    assert DemandeIndemnisation.objects.filter(statut=Statut.MISE_EN_PAIEMENT, paiement=paiement).count() == 4
    assert DemandeIndemnisationHistorique.objects.filter(to_statut=Statut.MISE_EN_PAIEMENT).count() == 4


def test_three_runs_at_once_with_more_dis():
    make_validees(12)

    results = _race(3, paiement_run)

    assert sum(paiement is not None for paiement in results) == 1
    (paiement,) = [p for p in results if p]
    assert set(DemandeIndemnisation.objects.values_list("paiement__numero", flat=True)) == {paiement.numero}
    assert read_file(paiement.fichier)["nb_of_txs"] == 12
