"""« Renvoyer les courriels » (Cas n°3, nothing received): one service, one rule, whichever page asks for it.

A holder who never connected gets a new temporary password (the old one stops working) and the three e-mails of
the account's creation; one who chose their own password keeps it and gets the habilitation e-mail alone.
"""

import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from accounts.services import user_password_change
from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.models import AccountRequest, Habilitation
from habilitations.services import account_emails_resend, account_request_habilitation
from support.models import Ticket
from tests.factories import (
    AccountRequestFactory,
    HabilitationFactory,
    OutboxEmailFactory,
    TicketFactory,
    delivered_text,
    two_factor_login,
)

pytestmark = pytest.mark.django_db

COURRIEL = "claire.durand@example.fr"
FACTORY_PASSWORD = "Mot-de-passe-2026;"  # UserFactory's
OWN_PASSWORD = "Mon-propre-mot-de-passe-2026;"
CREATION_KINDS = ["identifiant", "mot_de_passe", "habilitation"]


def clear_password(email) -> str:
    return re.search(r"Voici votre nouveau mot de passe de connexion : \[(.+)\]", delivered_text(email)).group(1)


def rows_to(address) -> set:
    return set(OutboxEmail.objects.filter(to=address))


# --- The service -------------------------------------------------------------------------------------------


def test_a_holder_who_never_connected_gets_a_new_temporary_password_and_three_emails(agent):
    habilitation = HabilitationFactory(user__temporary_password=True, user__courriel=COURRIEL)
    OutboxEmailFactory(to=COURRIEL, subject="un courriel plus ancien")
    before = rows_to(COURRIEL)

    result = account_emails_resend(habilitation=habilitation, by=agent)

    assert result.new_temporary_password is True
    assert [email.kind for email in result.emails] == CREATION_KINDS
    assert set(result.emails) == rows_to(COURRIEL) - before  # exactly the rows written
    for email in result.emails:
        stored = OutboxEmail.objects.get(pk=email.pk)
        assert (stored.to, stored.subject, stored.body_text) == (COURRIEL, email.subject, email.body_text)
    user = habilitation.user
    user.refresh_from_db()
    new_password = clear_password(result.emails[1])
    assert user.check_password(new_password)
    assert not user.check_password(FACTORY_PASSWORD)  # the old one no longer works
    assert user.must_change_password
    assert user.identifiant in result.emails[0].body_text
    [entry] = StaffAction.objects.all()
    assert entry.action == StaffActionKind.EMAILS_RESEND and entry.actor == agent and entry.target_user == user
    assert entry.siret == habilitation.establishment.siret
    assert entry.details["new_temporary_password"] is True


def test_a_holder_who_chose_a_password_keeps_it_and_gets_the_habilitation_email_alone(agent):
    habilitation = HabilitationFactory(user__courriel=COURRIEL)
    before = rows_to(COURRIEL)

    result = account_emails_resend(habilitation=habilitation, by=agent)

    assert result.new_temporary_password is False
    assert [email.kind for email in result.emails] == ["habilitation"]
    assert set(result.emails) == rows_to(COURRIEL) - before
    assert not OutboxEmail.objects.filter(kind="mot_de_passe").exists()
    user = habilitation.user
    user.refresh_from_db()
    assert user.check_password(FACTORY_PASSWORD) and not user.must_change_password
    assert StaffAction.objects.get().details["new_temporary_password"] is False


def test_resending_twice_is_harmless(agent):
    never_connected = HabilitationFactory(user__temporary_password=True, user__courriel=COURRIEL)
    connected = HabilitationFactory(user__courriel="connecte@example.fr")

    first = account_emails_resend(habilitation=never_connected, by=agent)
    second = account_emails_resend(habilitation=never_connected, by=agent)
    account_emails_resend(habilitation=connected, by=agent)
    account_emails_resend(habilitation=connected, by=agent)

    user = never_connected.user
    user.refresh_from_db()
    assert user.check_password(clear_password(second.emails[1]))  # the last one sent is the one that works
    assert not user.check_password(clear_password(first.emails[1]))
    assert [email.kind for email in OutboxEmail.objects.filter(to=COURRIEL).order_by("pk")] == CREATION_KINDS * 2
    connected.user.refresh_from_db()
    assert connected.user.check_password(FACTORY_PASSWORD)
    assert OutboxEmail.objects.filter(to="connecte@example.fr").count() == 2
    assert StaffAction.objects.filter(action=StaffActionKind.EMAILS_RESEND).count() == 4


# --- The same rule from each page that calls it ---------------------------------------------------------------


def from_the_account_request_admin(client, case):
    return client.post(
        reverse("admin:habilitations_accountrequest_changelist"),
        {"action": "resend_emails", "_selected_action": [case.account_request.pk]},
    )


def from_the_habilitation_admin(client, case):
    return client.post(
        reverse("admin:habilitations_habilitation_changelist"),
        {"action": "resend_account_emails", "_selected_action": [case.habilitation.pk]},
    )


def from_the_ticket_desk(client, case):
    return client.post(
        reverse(
            "admin:support_ticket_habilitation_action",
            args=[case.ticket.pk, case.habilitation.pk, "renvoyer-courriels"],
        )
    )


CALLERS = [from_the_account_request_admin, from_the_habilitation_admin, from_the_ticket_desk]


@dataclass
class Case:
    account_request: AccountRequest
    habilitation: Habilitation
    ticket: Ticket


@pytest.fixture
def case():
    """An approved CRÉER MON ESPACE request (its holder got the three e-mails and has not connected yet), and
    the holder's « Habilitation à l'extranet » ticket: nothing received."""
    account_request = AccountRequestFactory(approved=True, courriel=COURRIEL)
    habilitation = account_request_habilitation(account_request)
    ticket = TicketFactory(establishment=habilitation.establishment, courriel=COURRIEL)
    return Case(account_request=account_request, habilitation=habilitation, ticket=ticket)


@pytest.mark.parametrize("caller", CALLERS)
def test_from_every_page_a_holder_who_never_connected_gets_a_new_password(client, agent, case, caller):
    first_password = clear_password(OutboxEmail.objects.get(to=COURRIEL, kind="mot_de_passe"))
    two_factor_login(client, agent)
    before = rows_to(COURRIEL)

    response = caller(client, case)

    assert response.status_code == 302
    written = sorted(rows_to(COURRIEL) - before, key=lambda email: email.pk)
    assert [email.kind for email in written] == CREATION_KINDS
    user = case.account_request.user
    user.refresh_from_db()
    new_password = clear_password(next(email for email in written if email.kind == "mot_de_passe"))
    assert new_password != first_password
    assert user.check_password(new_password) and not user.check_password(first_password)
    [entry] = StaffAction.objects.filter(action=StaffActionKind.EMAILS_RESEND)
    assert entry.actor == agent and entry.target_user == user and entry.details["new_temporary_password"] is True


@pytest.mark.parametrize("caller", CALLERS)
def test_from_every_page_a_holder_who_chose_a_password_keeps_it(client, agent, case, caller):
    user_password_change(user=case.account_request.user, new_password=OWN_PASSWORD)  # the first connection
    two_factor_login(client, agent)
    before = rows_to(COURRIEL)

    response = caller(client, case)

    assert response.status_code == 302
    assert [email.kind for email in rows_to(COURRIEL) - before] == ["habilitation"]
    user = case.account_request.user
    user.refresh_from_db()
    assert user.check_password(OWN_PASSWORD) and not user.must_change_password
    [entry] = StaffAction.objects.filter(action=StaffActionKind.EMAILS_RESEND)
    assert entry.actor == agent and entry.details["new_temporary_password"] is False


@pytest.mark.parametrize(
    ("caller", "subject"),
    [(from_the_account_request_admin, "account_request"), (from_the_ticket_desk, "ticket")],
)
def test_the_journal_row_is_about_the_page_it_came_from(client, agent, case, caller, subject):
    two_factor_login(client, agent)

    caller(client, case)

    expected = getattr(case, subject)
    [entry] = StaffAction.objects.filter(action=StaffActionKind.EMAILS_RESEND)
    assert entry.subject == expected
    assert list(StaffAction.objects.about(expected).filter(action=StaffActionKind.EMAILS_RESEND)) == [entry]
