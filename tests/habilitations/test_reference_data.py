"""The extranets are reference data: a transactional test's flush must not leave the next test without them."""

import pytest

from habilitations.enums import ExtranetCode
from habilitations.models import Extranet


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_runs_first():
    assert Extranet.objects.filter(code=ExtranetCode.APART).exists()


@pytest.mark.django_db
def test_the_extranets_are_still_there_after_its_flush():
    assert set(Extranet.objects.values_list("code", flat=True)) == set(ExtranetCode.values)
