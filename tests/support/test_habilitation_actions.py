"""The services behind the desk's actions (habilitations.services), on their edge cases, with their typed
results."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.enums import AccountRequestCase, HabilitationEndOutcome
from habilitations.models import Extranet, Habilitation, one_year_after
from habilitations.services import (
    AccountEmailsResent,
    HabilitationEnd,
    HabilitationTransfer,
    Person,
    habilitation_end,
    habilitation_extend,
    habilitation_transfer,
)
from support.services import ticket_account_emails_resend
from tests.factories import EstablishmentFactory, HabilitationFactory, OutboxEmailFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = timezone.localdate


def days(n):
    return TODAY() + datetime.timedelta(days=n)


def test_ending_twice_is_harmless(agent):
    habilitation = HabilitationFactory(valid_from=days(-30))

    first = habilitation_end(habilitation=habilitation, by=agent)
    second = habilitation_end(habilitation=habilitation, by=agent)

    assert isinstance(first, HabilitationEnd) and isinstance(second, HabilitationEnd)
    assert first.outcome is HabilitationEndOutcome.ENDED
    assert second.outcome is HabilitationEndOutcome.ALREADY_ENDED
    assert (first.habilitation_id, first.identifiant, first.siret) == (
        habilitation.pk,
        habilitation.user.identifiant,
        habilitation.establishment.siret,
    )
    assert first.valid_until == habilitation.valid_until  # the end it had before
    assert second.valid_until == days(-1)
    assert OutboxEmail.objects.filter(kind="habilitation_terminee").count() == 1
    assert StaffAction.objects.filter(action=StaffActionKind.HABILITATION_END).count() == 1


def test_ending_a_future_habilitation_removes_it(agent):
    habilitation = HabilitationFactory(future=True)

    result = habilitation_end(habilitation=habilitation, by=agent)

    assert result.outcome is HabilitationEndOutcome.DELETED
    assert not Habilitation.objects.exists()
    assert StaffAction.objects.get().details["result"] == "deleted"


def test_ending_without_notice_sends_no_email(agent):
    habilitation = HabilitationFactory(valid_from=days(-30))

    habilitation_end(habilitation=habilitation, by=agent, notify=False)

    assert not OutboxEmail.objects.filter(kind="habilitation_terminee").exists()
    assert not Habilitation.objects.get().is_active()


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [
        (datetime.date(2027, 3, 1), datetime.date(2028, 2, 29)),  # active, its last day is today
        (datetime.date(2026, 5, 1), datetime.date(2027, 4, 30)),  # expired: one year from today
    ],
)
def test_extending_on_29_february_ends_on_28_february(agent, valid_from, valid_until):
    with time_machine.travel(datetime.datetime(2028, 2, 29, 10, tzinfo=PARIS), tick=False):
        habilitation = HabilitationFactory(valid_from=valid_from, valid_until=valid_until)

        extended = habilitation_extend(habilitation=habilitation, by=agent)

    assert extended.valid_until == datetime.date(2029, 2, 28)
    habilitation.refresh_from_db()
    assert habilitation.valid_until == datetime.date(2029, 2, 28)
    assert habilitation.valid_from == valid_from
    assert "28/02/2029" in OutboxEmail.objects.get(kind="habilitation_prolongee").body_text
    assert StaffAction.objects.get().details["valid_until"] == "2029-02-28"


def test_extending_an_active_habilitation_makes_it_valid_one_year_from_today(agent):
    habilitation = HabilitationFactory(valid_from=days(-100), valid_until=days(30))

    result = habilitation_extend(habilitation=habilitation, by=agent)

    habilitation.refresh_from_db()
    assert result.extended and habilitation.valid_until == one_year_after(timezone.localdate())


def test_extending_twice_extends_once(agent):
    """A replayed « Prolonger d'un an » (double click, form sent again) used to add a second year."""
    habilitation = HabilitationFactory(valid_from=days(-100), valid_until=days(30))
    habilitation_extend(habilitation=habilitation, by=agent)

    again = habilitation_extend(habilitation=habilitation, by=agent)

    habilitation.refresh_from_db()
    assert not again.extended
    assert habilitation.valid_until == one_year_after(timezone.localdate())
    assert OutboxEmail.objects.filter(kind="habilitation_prolongee").count() == 1
    assert StaffAction.objects.count() == 1


def test_extending_never_shortens_a_later_end(agent):
    later = one_year_after(timezone.localdate()) + datetime.timedelta(days=200)
    habilitation = HabilitationFactory(valid_from=days(-1), valid_until=later)

    result = habilitation_extend(habilitation=habilitation, by=agent)

    habilitation.refresh_from_db()
    assert not result.extended and habilitation.valid_until == later
    assert not OutboxEmail.objects.filter(kind="habilitation_prolongee").exists()


def test_a_transfer_renews_a_former_habilitation_of_the_new_person(agent):
    establishment = EstablishmentFactory()
    returning = UserFactory(courriel="retour@example.fr")
    former = HabilitationFactory(
        user=returning, establishment=establishment, valid_from=days(-500), valid_until=days(-100)
    )
    leaving = HabilitationFactory(establishment=establishment, valid_from=days(-50)).user

    result = habilitation_transfer(
        establishment=establishment,
        person=Person(nom="Retour", prenom="Anne", courriel="retour@example.fr"),
        by=agent,
    )

    former.refresh_from_db()
    assert isinstance(result, HabilitationTransfer)
    assert result.habilitation == former and result.user == returning and not result.account_created
    assert result.case is AccountRequestCase.EXISTING_APART  # an APART habilitation, though expired
    assert former.valid_from == TODAY() and former.is_active()
    assert all(isinstance(item, HabilitationEnd) for item in result.ended)
    assert [(item.identifiant, item.outcome) for item in result.ended] == [
        (leaving.identifiant, HabilitationEndOutcome.ENDED)
    ]


def test_a_transfer_to_a_new_person_with_a_taken_identifiant_numbers_it(agent):
    establishment = EstablishmentFactory()
    UserFactory(identifiant="claire.durand", courriel="homonyme@example.fr")

    result = habilitation_transfer(
        establishment=establishment,
        person=Person(nom="Durand", prenom="Claire", courriel="claire@example.fr", telephone=""),
        by=agent,
    )

    assert result.user.identifiant == "claire.durand1"
    assert result.account_created and result.user.must_change_password
    assert result.case is AccountRequestCase.NEW_ACCOUNT
    assert User.objects.count() == 3  # the homonym, the agent, the new account


def test_a_transfer_leaves_other_extranets_alone(agent):
    establishment = EstablishmentFactory()
    sylae = HabilitationFactory(establishment=establishment, sylae=True)
    assert sylae.extranet == Extranet.objects.for_code("SYLAE")

    result = habilitation_transfer(
        establishment=establishment,
        person=Person(nom="Durand", prenom="Claire", courriel="claire@example.fr"),
        by=agent,
    )

    sylae.refresh_from_db()
    assert sylae.is_active()
    assert result.ended == []


def test_the_desk_resend_returns_exactly_the_rows_it_wrote(agent):
    habilitation = HabilitationFactory(user__temporary_password=True)
    ticket = TicketFactory(establishment=habilitation.establishment, courriel=habilitation.user.courriel)
    older = OutboxEmailFactory(kind="autre", to=habilitation.user.courriel, subject="ancien")
    before = set(OutboxEmail.objects.all())

    result = ticket_account_emails_resend(ticket=ticket, by=agent, habilitation=habilitation)

    assert isinstance(result, AccountEmailsResent) and result.new_temporary_password
    assert [email.kind for email in result.emails] == ["identifiant", "mot_de_passe", "habilitation"]
    assert set(result.emails) == set(OutboxEmail.objects.all()) - before
    assert older not in result.emails
