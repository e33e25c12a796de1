"""Two runs of the reminders at the same moment (two beat workers, the command during the task): each reminder is
written once under its unique key, and its e-mail queued once (PostgreSQL)."""

import datetime
from collections import Counter

import pytest

from apart.outbox.models import OutboxEmail
from dap.enums import Statut as StatutDap
from indemnisation.models import Rappel
from indemnisation.rappels import rappels_send
from tests.dap.conftest import make_demande
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory
from tests.races import race

D = datetime.date


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once():
    establishment = EstablishmentFactory(complete=True, contact_courriel="contact@entreprise.example.fr")
    user = UserFactory(courriel="gestionnaire@example.fr")
    HabilitationFactory(user=user, establishment=establishment, valid_from=D(2026, 1, 1), valid_until=D(2026, 9, 30))
    make_demande(establishment, user, statut=StatutDap.ACCEPTEE, debut=D(2026, 1, 5), fin=D(2026, 3, 20))
    expert = UserFactory(courriel="expert@cabinet.example.fr")  # a digest: 11 establishments
    for _ in range(10):
        HabilitationFactory(user=expert, valid_from=D(2026, 1, 1), valid_until=D(2027, 6, 30))
    HabilitationFactory(user=expert, establishment=establishment, valid_from=D(2026, 1, 1), valid_until=D(2026, 9, 30))

    for _ in range(3):
        race(*(lambda: rappels_send(today=D(2026, 9, 10)) for _ in range(3)))

    assert Counter(OutboxEmail.objects.values_list("to", "kind")) == {
        ("contact@entreprise.example.fr", "rappel_di_a_deposer"): 1,
        ("gestionnaire@example.fr", "rappel_di_a_deposer"): 1,
        ("gestionnaire@example.fr", "rappel_habilitation"): 1,
        ("expert@cabinet.example.fr", "rappel_recapitulatif"): 1,
    }
    assert Rappel.objects.count() == 3 + 3 + 1 + 3 + 1
    assert not Rappel.objects.filter(email__isnull=True).exists()
