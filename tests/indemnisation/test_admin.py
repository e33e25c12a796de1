"""The DIs in the ASP's admin: read-only (fields, employees, history); the action « Remettre en instruction (rejet
par erreur) » asks for a motif on an intermediate page, puts the Invalidée DIs back to Envoyée with an audit row, and
is offered only to the staff who hold its right (the Superviseur ASP)."""

from html import unescape

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import AGENT_ASP, SUPERVISEUR_ASP
from accounts.services import staff_roles_sync
from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from indemnisation import services
from indemnisation.enums import Statut
from indemnisation.models import DemandeIndemnisationHistorique
from tests.factories import UserFactory, two_factor_login
from tests.indemnisation.helpers import make_decision, make_di, make_employer, row
from tests.instruction.conftest import login_agent

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:indemnisation_demandeindemnisation_changelist")


def staff(client, role):
    staff_roles_sync()
    user = UserFactory(is_staff=True, identifiant=f"{role.lower().replace(' ', '.')}")
    user.groups.add(Group.objects.get(name=role))
    two_factor_login(client, user)
    return user


@pytest.fixture
def employer():
    return make_employer()


def sent(employer, index=0):
    establishment, user = employer
    return make_di(make_decision(establishment, user), user, rows=[row(index)], send=True)


@pytest.fixture
def invalidee(employer):
    demande = sent(employer, 0)
    return services.demande_invalidate(demande=demande, by=employer[1], motif="Rejet par erreur de l'incident")


def reinstate(client, *demandes, **data):
    return client.post(
        CHANGELIST,
        {"action": "reinstate_selected", ACTION_CHECKBOX_NAME: [demande.pk for demande in demandes], **data},
        follow=True,
    )


def test_the_list_and_the_page_are_read_only(client, employer, invalidee):
    staff(client, SUPERVISEUR_ASP)

    listing = unescape(client.get(CHANGELIST).content.decode())
    assert invalidee.numero in listing and employer[0].siret in listing and "Invalidée" in listing
    assert client.get(CHANGELIST, {"q": invalidee.numero}).context["cl"].result_count == 1
    assert client.get(CHANGELIST, {"q": employer[0].siret}).context["cl"].result_count == 1

    page = client.get(reverse("admin:indemnisation_demandeindemnisation_change", args=[invalidee.pk]))
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert 'name="_save"' not in html and "<textarea" not in html
    assert "NOM0" in html and "Rejet par erreur de l'incident" in html
    assert client.get(reverse("admin:indemnisation_demandeindemnisation_add")).status_code == 403


def test_the_action_asks_for_a_motif_then_reinstates_with_an_audit_row(client, employer, invalidee):
    user = staff(client, SUPERVISEUR_ASP)
    envoyee = sent(employer, 1)
    OutboxEmail.objects.all().delete()

    page = reinstate(client, invalidee, envoyee)
    html = unescape(page.content.decode())
    assert "Remettre en instruction des demandes d'indemnisation invalidées par erreur" in html
    assert invalidee.numero in html and f"ignorée(s) : {envoyee.numero}" in html
    assert 'name="motif"' in html

    refused = reinstate(client, invalidee, apply="1", motif=" ")
    assert "Indiquez pourquoi la demande est remise en instruction" in unescape(refused.content.decode())
    invalidee.refresh_from_db()
    assert invalidee.statut == Statut.INVALIDEE

    done = reinstate(client, invalidee, apply="1", motif="Incident du 12 : rejet automatique à tort")

    assert "1 demande(s) d'indemnisation remise(s) en instruction" in unescape(done.content.decode())
    invalidee.refresh_from_db()
    assert invalidee.statut == Statut.ENVOYEE and invalidee.motif_invalidation == ""
    last = DemandeIndemnisationHistorique.objects.filter(demande=invalidee).last()
    assert last.to_statut == Statut.ENVOYEE and last.by == user
    action = StaffAction.objects.get(action=StaffActionKind.DI_REINSTATE)
    assert action.actor == user and invalidee.numero in action.summary and "Incident du 12" in action.summary
    assert OutboxEmail.objects.filter(kind="di_statut").exists()


def test_a_selection_without_an_invalidee_di_does_nothing(client, employer):
    staff(client, SUPERVISEUR_ASP)
    envoyee = sent(employer)

    response = reinstate(client, envoyee, apply="1", motif="Par erreur")

    assert "Aucune des demandes sélectionnées n'est invalidée" in unescape(response.content.decode())
    envoyee.refresh_from_db()
    assert envoyee.statut == Statut.ENVOYEE
    assert not StaffAction.objects.filter(action=StaffActionKind.DI_REINSTATE).exists()


def test_the_action_needs_its_right(client, invalidee):
    staff(client, AGENT_ASP)  # reads the DIs, may not put one back

    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert "reinstate_selected" not in listing.content.decode()

    reinstate(client, invalidee, apply="1", motif="Par erreur")

    invalidee.refresh_from_db()
    assert invalidee.statut == Statut.INVALIDEE
    assert not StaffAction.objects.filter(action=StaffActionKind.DI_REINSTATE).exists()


@pytest.mark.parametrize("who", ["employer", "agent_ud"])
def test_a_ud_agent_or_an_employer_does_not_reach_the_admin(client, employer, invalidee, who):
    if who == "employer":
        two_factor_login(client, employer[1])
    else:
        login_agent(client)

    response = client.get(CHANGELIST)
    reinstate(client, invalidee, apply="1", motif="Par erreur")

    assert response.status_code == 302 and "login" in response.url
    invalidee.refresh_from_db()
    assert invalidee.statut == Statut.INVALIDEE
