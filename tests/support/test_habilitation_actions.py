"""The services behind the desk's actions (habilitations.services), on their edge cases."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from apart.outbox.models import OutboxEmail
from habilitations.models import Extranet, Habilitation
from habilitations.services import (
    habilitation_account_emails_resend,
    habilitation_end,
    habilitation_extend,
    habilitation_transfer,
)
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def days(n):
    return TODAY() + datetime.timedelta(days=n)


def test_ending_twice_is_harmless():
    habilitation = HabilitationFactory(valid_from=days(-30))

    first = habilitation_end(habilitation=habilitation)
    second = habilitation_end(habilitation=habilitation)

    assert first["result"] == "ended" and second["result"] == "already_ended"
    assert OutboxEmail.objects.filter(kind="habilitation_terminee").count() == 1


def test_ending_a_future_habilitation_removes_it():
    habilitation = HabilitationFactory(valid_from=days(10))

    assert habilitation_end(habilitation=habilitation)["result"] == "deleted"
    assert not Habilitation.objects.exists()


def test_extending_keeps_the_29th_of_february_rule():
    habilitation = HabilitationFactory(valid_from=days(-1), valid_until=datetime.date(TODAY().year + 3, 2, 28))
    habilitation_extend(habilitation=habilitation)

    habilitation.refresh_from_db()
    assert habilitation.valid_until == datetime.date(TODAY().year + 4, 2, 28)


def test_a_transfer_renews_a_former_habilitation_of_the_new_person():
    establishment = EstablishmentFactory()
    returning = UserFactory(courriel="retour@example.fr")
    former = HabilitationFactory(
        user=returning, establishment=establishment, valid_from=days(-500), valid_until=days(-100)
    )
    leaving = HabilitationFactory(establishment=establishment, valid_from=days(-50)).user

    result = habilitation_transfer(
        establishment=establishment, nom="Retour", prenom="Anne", courriel="retour@example.fr"
    )

    former.refresh_from_db()
    assert result.habilitation == former and not result.account_created
    assert former.valid_from == TODAY() and former.is_active()
    assert [item["identifiant"] for item in result.ended] == [leaving.identifiant]


def test_a_transfer_to_a_new_person_with_a_taken_identifiant_numbers_it():
    establishment = EstablishmentFactory()
    UserFactory(identifiant="claire.durand", courriel="homonyme@example.fr")

    result = habilitation_transfer(
        establishment=establishment, nom="Durand", prenom="Claire", courriel="claire@example.fr", telephone=""
    )

    assert result.user.identifiant == "claire.durand1"
    assert result.account_created and result.user.must_change_password
    assert User.objects.count() == 2


def test_a_transfer_leaves_other_extranets_alone():
    establishment = EstablishmentFactory()
    sylae = HabilitationFactory(establishment=establishment, extranet=Extranet.objects.for_code("SYLAE"))

    habilitation_transfer(establishment=establishment, nom="Durand", prenom="Claire", courriel="claire@example.fr")

    sylae.refresh_from_db()
    assert sylae.is_active()


def test_resend_returns_exactly_the_rows_it_wrote():
    user = UserFactory(must_change_password=True)
    habilitation = HabilitationFactory(user=user)
    OutboxEmail.objects.create(
        kind="autre", to=user.courriel, from_email="x@example.fr", subject="ancien", body_text="."
    )

    emails = habilitation_account_emails_resend(habilitation=habilitation)

    assert [email.kind for email in emails] == ["identifiant", "mot_de_passe", "habilitation"]
