"""The access rules, each written once in habilitations/perms.py."""

import datetime

import pytest

from habilitations.enums import ApartAccessRefusal
from habilitations.perms import can_create_dap, can_enter_apart
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)


def test_an_active_apart_habilitation_lets_the_user_in():
    habilitation = HabilitationFactory(valid_from=TODAY)

    assert can_enter_apart(habilitation.user, TODAY)


def test_a_habilitation_that_starts_later_says_when():
    habilitation = HabilitationFactory(valid_from=TODAY + datetime.timedelta(days=3))

    access = can_enter_apart(habilitation.user, TODAY)

    assert not access
    assert access.refusal == ApartAccessRefusal.NOT_YET
    assert access.date == TODAY + datetime.timedelta(days=3)


def test_an_expired_habilitation_says_since_when():
    habilitation = HabilitationFactory(valid_from=datetime.date(2024, 1, 10), valid_until=datetime.date(2025, 1, 10))

    access = can_enter_apart(habilitation.user, TODAY)

    assert (access.refusal, access.date) == (ApartAccessRefusal.EXPIRED, datetime.date(2025, 1, 10))


def test_an_account_of_another_extranet_only_is_not_let_in():
    habilitation = HabilitationFactory(sylae=True, valid_from=TODAY)

    assert can_enter_apart(habilitation.user, TODAY).refusal == ApartAccessRefusal.NONE


def test_a_dap_needs_a_complete_fiche_and_a_habilitation_on_it():
    complete = EstablishmentFactory(complete=True)
    incomplete = EstablishmentFactory()
    user = UserFactory()
    HabilitationFactory(user=user, establishment=complete)
    HabilitationFactory(user=user, establishment=incomplete)
    stranger = UserFactory()

    assert can_create_dap(user, complete) is True
    assert can_create_dap(user, incomplete) is False
    assert can_create_dap(stranger, complete) is False
    assert can_create_dap(user, None) is False


def test_a_dap_is_refused_on_an_expired_habilitation():
    establishment = EstablishmentFactory(complete=True)
    habilitation = HabilitationFactory(establishment=establishment, expired=True)

    assert can_create_dap(habilitation.user, establishment) is False
