"""The ASP's roles read the DAPs in the admin (read-only there: the UD decides in /instruction/)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import AGENT_ASP, SUPERVISEUR_ASP
from tests.factories import UserFactory, two_factor_login

from .conftest import envoyee

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [AGENT_ASP, SUPERVISEUR_ASP])
def test_an_asp_role_reads_the_daps_and_decisions_in_the_admin_without_changing_them(client, role, paris, employer):
    call_command("sync_staff_roles")
    staff = UserFactory(identifiant=f"asp.{role[:5].lower()}", staff=True)
    staff.is_superuser = False
    staff.save()
    staff.groups.add(Group.objects.get(name=role))
    demande = envoyee(paris, employer, numero="DAP-ADMIN-1")
    two_factor_login(client, staff)

    listing = client.get(reverse("admin:dap_demandeautorisation_changelist"))
    page = client.get(reverse("admin:dap_demandeautorisation_change", args=[demande.pk]))

    assert listing.status_code == 200 and "DAP-ADMIN-1" in listing.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:dap_decision_changelist")).status_code == 200
