"""The extranets are reference data: a transactional test's flush (which empties every table) must not leave the
tests that run after it without them."""

import pytest
from django.core.management import call_command

from habilitations.enums import ExtranetCode
from habilitations.models import Extranet


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_the_extranets_back():
    call_command("flush", interactive=False, verbosity=0)

    assert set(Extranet.objects.values_list("code", flat=True)) == set(ExtranetCode.values)
    assert Extranet.objects.get(code=ExtranetCode.SYLAE).name == "SYLAé"
