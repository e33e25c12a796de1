"""The desk's actions on a habilitation ticket follow the staff roles: an Agent ASP answers the ticket but
neither resends, extends, ends, transfers nor resets; a Superviseur ASP does all of it."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import AGENT_ASP, SUPERVISEUR_ASP
from accounts.services import staff_roles_sync
from apart.outbox.models import OutboxEmail
from habilitations.models import Habilitation
from tests.factories import HabilitationFactory, TicketFactory, UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

DESK_LINKS = [
    "Renvoyer les courriels",
    "Prolonger d'un an",
    "Mettre fin",
    "Transférer l'habilitation",
    "Réinitialiser la question secrète",
]


def member_of(role):
    staff_roles_sync()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def ticket_and_habilitation():
    habilitation = HabilitationFactory(
        user__courriel="gerant@boulangerie.fr", valid_from=timezone.localdate() - datetime.timedelta(days=30)
    )
    ticket = TicketFactory(establishment=habilitation.establishment, courriel="gerant@boulangerie.fr")
    return ticket, habilitation


def action_url(ticket, habilitation, action):
    return reverse("admin:support_ticket_habilitation_action", args=[ticket.pk, habilitation.pk, action])


def test_an_agent_handles_the_ticket_but_is_not_offered_nor_allowed_the_habilitation_actions(
    client, ticket_and_habilitation
):
    ticket, habilitation = ticket_and_habilitation
    two_factor_login(client, member_of(AGENT_ASP))
    emails = OutboxEmail.objects.count()

    html = client.get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()

    assert ticket.reference in html
    for link in DESK_LINKS:
        assert link not in html
    for action in ("renvoyer-courriels", "prolonger", "terminer"):
        assert client.post(action_url(ticket, habilitation, action)).status_code == 403
    assert client.get(reverse("admin:support_ticket_transfer", args=[ticket.pk])).status_code == 403
    secret_question = reverse("admin:support_ticket_secret_question", args=[ticket.pk, habilitation.user.pk])
    assert client.post(secret_question).status_code == 403
    assert OutboxEmail.objects.count() == emails
    assert Habilitation.objects.get(pk=habilitation.pk).valid_until == habilitation.valid_until


def test_a_supervisor_is_offered_and_runs_them(client, ticket_and_habilitation):
    ticket, habilitation = ticket_and_habilitation
    two_factor_login(client, member_of(SUPERVISEUR_ASP))

    html = client.get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    for link in DESK_LINKS:
        assert link in html
    client.post(action_url(ticket, habilitation, "prolonger"))

    assert Habilitation.objects.get(pk=habilitation.pk).valid_until > habilitation.valid_until
