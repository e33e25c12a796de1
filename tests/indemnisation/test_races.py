"""Two DIs sent at the same moment share the décision's hours and the employees' quota: the second one reads what
the first wrote (PostgreSQL)."""

from decimal import Decimal

import pytest

from indemnisation import services
from indemnisation.checks import mois_precedent
from indemnisation.enums import Statut
from indemnisation.models import DemandeIndemnisation
from tests.indemnisation.helpers import last_month, make_decision, make_di, make_employer, row
from tests.races import at_once


def _race(*actions):
    """« sent », or the refusal's message, for each DI sent at once."""
    outcomes = at_once(*actions)
    for outcome in outcomes:
        if isinstance(outcome, Exception) and not isinstance(outcome, services.DemandeInvalide):
            raise outcome
    return [
        outcome.erreurs.get("__all__", "") if isinstance(outcome, services.DemandeInvalide) else "sent"
        for outcome in outcomes
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dis_of_one_decision_sent_at_once_never_exceed_its_hours():
    establishment, user = make_employer()
    decision = make_decision(establishment, user, heures=Decimal("100"))
    first = make_di(decision, user, mois=mois_precedent(last_month()), rows=[row(0, heures_chomees="60")])
    second = make_di(decision, user, mois=last_month(), rows=[row(0, heures_chomees="60")])

    outcomes = _race(
        lambda: services.demande_send(demande=first, by=user), lambda: services.demande_send(demande=second, by=user)
    )

    assert sorted(outcomes)[1] == "sent"
    assert sorted(outcomes)[0].startswith("Le total des heures chômées (60,00 h) dépasse")
    assert DemandeIndemnisation.objects.filter(statut=Statut.ENVOYEE).count() == 1
