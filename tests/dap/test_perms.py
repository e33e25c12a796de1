"""can_file_dap and can_send_dap: habilitations/perms.py's rules, with the reason to show."""

import pytest

from dap.perms import FICHE_INCOMPLETE, NON_HABILITE, NON_VERIFIE, can_file_dap, can_send_dap
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("traits", "habilitated", "file_reason", "send_reason"),
    [
        ({"complete": True}, True, "", ""),
        ({"complete": True, "unverified": True}, True, "", NON_VERIFIE),
        ({}, True, FICHE_INCOMPLETE, FICHE_INCOMPLETE),
        ({"complete": True}, False, NON_HABILITE, NON_HABILITE),
    ],
)
def test_who_may_file_and_send(traits, habilitated, file_reason, send_reason):
    user, establishment = UserFactory(), EstablishmentFactory(**traits)
    if habilitated:
        HabilitationFactory(user=user, establishment=establishment)
    filed, sent = can_file_dap(user, establishment), can_send_dap(user, establishment)
    assert (bool(filed), filed.reason) == (not file_reason, file_reason)
    assert (bool(sent), sent.reason) == (not send_reason, send_reason)
