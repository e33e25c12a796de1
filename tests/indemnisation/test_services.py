from decimal import Decimal

import pytest

from indemnisation import services
from indemnisation.enums import Statut
from indemnisation.models import DemandeIndemnisationHistorique
from tests.indemnisation.helpers import make_decision, make_di, make_employer, row

pytestmark = pytest.mark.django_db


def test_a_di_is_calculated_sent_validated_with_its_history():
    establishment, user = make_employer()
    decision = make_decision(establishment, user)
    demande = make_di(decision, user, rows=[row(0), row(1, heures_chomees="35,5")])

    assert demande.statut == Statut.PROVISOIRE
    assert demande.nb_salaries == 2
    assert demande.total_heures == Decimal("55.50")
    demande = services.demande_send(demande=demande, by=user)
    assert demande.statut == Statut.ENVOYEE
    demande = services.demande_validate(demande=demande, by=user)
    assert demande.statut == Statut.VALIDEE
    assert list(DemandeIndemnisationHistorique.objects.filter(demande=demande).values_list("to_statut", flat=True)) == [
        Statut.PROVISOIRE,
        Statut.ENVOYEE,
        Statut.VALIDEE,
    ]
