"""Account requests: the three cases of the habilitation guide, processing, and the e-mails they produce."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from apart.outbox.models import OutboxEmail
from habilitations.enums import AccountRequestCase, AccountRequestStatus
from habilitations.models import AccountRequest, Establishment, Extranet, Habilitation, one_year_after
from habilitations.services import (
    account_request_approve,
    account_request_process_automatically,
    account_request_reject,
)
from tests.factories import (
    AccountRequestFactory,
    HabilitationFactory,
    SireneEtablissementFactory,
    UserFactory,
    delivered_text,
    make_siret,
)
from tests.races import at_once

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
COURRIEL = "gerard.menuca@example.fr"
IDENTIFIANT_SUBJECT = "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)"
PASSWORD_SUBJECT = "Mot de passe de connexion à l'Agence de Services et de Paiement (ASP)"
HABILITATION_SUBJECT = "Habilitation à l'activité partielle"


def emails_to(address):
    return list(OutboxEmail.objects.filter(to=address).order_by("id"))


def password_in(email) -> str:
    return re.search(r"Voici votre nouveau mot de passe de connexion : \[(.+)\]", delivered_text(email)).group(1)


def test_cas_1_a_new_person_gets_an_account_a_habilitation_and_three_emails():
    account_request = AccountRequestFactory(processed=True, courriel="Gérard.Menuça@Example.fr")

    assert account_request.status == AccountRequestStatus.APPROVED
    assert account_request.case == AccountRequestCase.NEW_ACCOUNT
    user = User.objects.get()
    assert user.identifiant == "gerard.menuca"
    assert user.courriel == COURRIEL
    assert user.must_change_password is True
    assert user.password_expires_at > timezone.now() + datetime.timedelta(days=29)
    assert user.check_secret_answer("cylindree")
    habilitation = Habilitation.objects.get(user=user)
    assert habilitation.extranet.code == "APART"
    assert habilitation.valid_from == timezone.localdate()
    assert habilitation.valid_until == one_year_after(habilitation.valid_from)

    identifiant, password, habilitation_email = emails_to(COURRIEL)
    assert [identifiant.subject, password.subject, habilitation_email.subject] == [
        IDENTIFIANT_SUBJECT,
        PASSWORD_SUBJECT,
        HABILITATION_SUBJECT,
    ]
    assert identifiant.body_text.startswith("Bonjour Gérard Menuça,\n")
    assert "Voici votre identifiant de connexion :\n\ngerard.menuca\n" in identifiant.body_text
    clear_password = password_in(password)
    assert "Il doit être saisi sans les crochets []." in password.body_text
    assert user.check_password(clear_password)
    assert "gerard.menuca" not in password.body_text
    assert clear_password not in identifiant.body_text and clear_password not in habilitation_email.body_text
    assert f"pourrez vous connecter à compter du {habilitation.valid_from:%d/%m/%Y}" in habilitation_email.body_text
    for email in (identifiant, password, habilitation_email):
        assert "INFORMATIONS CONFIDENTIELLES" in email.body_text
        assert "CONFIDENTIAL INFORMATION" in email.body_text


def test_an_account_created_on_29_february_is_habilitated_until_28_february():
    with time_machine.travel(datetime.datetime(2028, 2, 29, 10, tzinfo=PARIS), tick=False):
        AccountRequestFactory(processed=True, courriel=COURRIEL)

    habilitation = Habilitation.objects.get(user__courriel=COURRIEL)
    assert (habilitation.valid_from, habilitation.valid_until) == (
        datetime.date(2028, 2, 29),
        datetime.date(2029, 2, 28),
    )
    habilitation_email = emails_to(COURRIEL)[2]
    assert "à compter du 29/02/2028" in habilitation_email.body_text
    assert "Habilitation valable jusqu'au 28/02/2029." in habilitation_email.body_text


def test_the_temporary_password_follows_the_service_policy():
    AccountRequestFactory(processed=True, courriel=COURRIEL)

    password = password_in(emails_to(COURRIEL)[1])
    assert len(password) == 12
    assert re.search(r"[a-z]", password) and re.search(r"[A-Z]", password) and re.search(r"[0-9]", password)
    assert re.search(r"[^A-Za-z0-9]", password)
    assert not set(password) & set("0O1lI")


def test_identifiants_are_made_unique_with_a_number():
    UserFactory(identifiant="gerard.menuca", courriel="autre.gerard@example.fr")
    UserFactory(identifiant="gerard.menuca1", courriel="troisieme.gerard@example.fr")

    AccountRequestFactory(processed=True, courriel="gerard.nouveau@example.fr")

    assert User.objects.get(courriel="gerard.nouveau@example.fr").identifiant == "gerard.menuca2"


def test_cas_2_an_apart_user_adding_a_siret_gets_the_habilitation_and_no_email():
    expert = UserFactory(identifiant="ilmen.foplus", courriel="ilmen@cabinet.fr", nom="Foplus", prenom="Ilmen")
    HabilitationFactory(user=expert)

    account_request = AccountRequestFactory(processed=True, courriel="ILMEN@cabinet.fr", nom="Foplus", prenom="Ilmen")

    assert account_request.status == AccountRequestStatus.APPROVED
    assert account_request.case == AccountRequestCase.EXISTING_APART
    assert User.objects.count() == 1
    assert expert.habilitations.count() == 2
    assert emails_to("ilmen@cabinet.fr") == []


def test_cas_3_a_sylae_user_gets_only_the_habilitation_email():
    sylae_user = UserFactory(identifiant="jc.martig", courriel="jc@entreprise.fr", nom="Martig", prenom="Jean")
    HabilitationFactory(user=sylae_user, extranet=Extranet.objects.for_code("SYLAE"))

    account_request = AccountRequestFactory(processed=True, courriel="jc@entreprise.fr", nom="Martig", prenom="Jean")

    assert account_request.case == AccountRequestCase.EXISTING_ASP
    assert User.objects.count() == 1
    sylae_user.refresh_from_db()
    assert sylae_user.habilitations.for_extranet("APART").count() == 1
    assert [email.subject for email in emails_to("jc@entreprise.fr")] == [HABILITATION_SUBJECT]
    assert "jc.martig" not in emails_to("jc@entreprise.fr")[0].body_text


def test_an_asp_account_with_another_name_waits_for_staff():
    UserFactory(courriel="jc@entreprise.fr", nom="Martig", prenom="Jean")

    account_request = AccountRequestFactory(processed=True, courriel="jc@entreprise.fr", nom="Dupont", prenom="Paul")

    assert account_request.status == AccountRequestStatus.PENDING
    assert [check["code"] for check in account_request.failed_checks] == ["identity"]
    assert OutboxEmail.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "failed"),
    [
        ({"denomination": "GARAGE MODERNE"}, ["denomination"]),
        ({"code_postal": "69003"}, ["code_postal"]),
        ({"courriel": "gerard@yopmail.com"}, ["courriel"]),
        ({"sirene_unavailable": True}, ["sirene_active", "denomination", "code_postal"]),
    ],
)
def test_a_request_that_fails_a_check_waits_for_staff(fields, failed):
    account_request = AccountRequestFactory(processed=True, **fields)

    assert account_request.status == AccountRequestStatus.PENDING
    assert [check["code"] for check in account_request.failed_checks] == failed
    assert User.objects.count() == 0 and Establishment.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


def test_a_second_open_request_for_the_same_siret_waits_for_staff(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False
    first = AccountRequestFactory(processed=True)
    assert first.status == AccountRequestStatus.PENDING
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = True

    second = AccountRequestFactory(processed=True, siret=first.siret, courriel="autre@example.fr", nom="Autre")

    assert second.status == AccountRequestStatus.PENDING
    assert "no_open_request" in [check["code"] for check in second.failed_checks]


def test_automatic_approval_can_be_switched_off(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False

    account_request = AccountRequestFactory(processed=True)

    assert account_request.status == AccountRequestStatus.PENDING
    assert account_request.failed_checks == []


def test_staff_approve_with_a_chosen_start_date_and_approving_twice_does_nothing():
    staff = UserFactory(staff=True)
    # A week before 29 February 2028: the chosen start is a 29th, its year ends on 28 February.
    with time_machine.travel(datetime.datetime(2028, 2, 22, 10, tzinfo=PARIS), tick=False):
        account_request = AccountRequestFactory(courriel=COURRIEL)
        start = timezone.localdate() + datetime.timedelta(days=7)

        approved = account_request_approve(account_request=account_request, by=staff, valid_from=start)
        again = account_request_approve(account_request=account_request, by=staff)

    assert start == datetime.date(2028, 2, 29)
    assert approved.status == again.status == AccountRequestStatus.APPROVED
    assert approved.processed_by == staff
    habilitation = Habilitation.objects.get()
    assert habilitation.valid_from == start
    assert habilitation.valid_until == one_year_after(start) == datetime.date(2029, 2, 28)
    assert OutboxEmail.objects.count() == 3
    assert f"à compter du {start:%d/%m/%Y}" in OutboxEmail.objects.get(subject=HABILITATION_SUBJECT).body_text
    assert User.objects.exclude(pk=staff.pk).count() == 1


def test_staff_reject_with_a_reason_sent_to_the_requester():
    staff = UserFactory(staff=True)
    account_request = AccountRequestFactory(courriel="demandeur@example.fr")

    rejected = account_request_reject(account_request=account_request, by=staff, reason="Siret sans lien avec vous.")
    account_request_approve(account_request=account_request, by=staff)

    assert AccountRequest.objects.get().status == AccountRequestStatus.REJECTED
    assert rejected.rejection_reason == "Siret sans lien avec vous."
    (email,) = emails_to("demandeur@example.fr")
    assert "Motif : Siret sans lien avec vous." in email.body_text
    assert rejected.reference in email.body_text
    assert Establishment.objects.count() == 0


@pytest.mark.argon2
def test_the_secret_answer_is_never_stored_in_clear():
    account_request = AccountRequestFactory()

    assert "ylindr" not in account_request.secret_answer_hash
    assert account_request.secret_answer_hash.startswith("argon2$")


# --- The fiche établissement an approved request creates ----------------------------------------------------


def test_the_new_fiche_has_the_account_user_as_personne_a_contacter_and_the_sirene_enseigne():
    account_request = AccountRequestFactory(
        processed=True,
        courriel=COURRIEL,
        nom="Menuça",
        prenom="Gérard",
        telephone="06 12 34 56 78",
        enseigne="AU PAIN DORÉ",
    )

    establishment = Establishment.objects.get(siret=account_request.siret)
    assert establishment == account_request.establishment
    assert (
        establishment.contact_nom,
        establishment.contact_prenom,
        establishment.contact_telephone,
        establishment.contact_courriel,
    ) == ("Menuça", "Gérard", "06 12 34 56 78", COURRIEL)
    assert establishment.enseigne == "AU PAIN DORÉ"
    assert establishment.display_name == "BOULANGERIE DU CANAL — AU PAIN DORÉ"
    # Only the informations complémentaires are left to fill: with them, the fiche is complete.
    assert [str(label) for label in establishment.missing_fiche_fields()] == [
        "effectif salarié de l'établissement",
        "code APE / NAF",
    ]
    Establishment.objects.filter(pk=establishment.pk).update(effectif=12, code_naf="10.71C")
    assert Establishment.objects.get(pk=establishment.pk).fiche_complete is True


def test_a_request_for_an_existing_space_leaves_its_fiche_alone():
    holder = UserFactory()
    habilitation = HabilitationFactory(user=holder, establishment__complete=True)
    establishment = habilitation.establishment
    fiche_before = Establishment.objects.filter(pk=establishment.pk).values().get()

    account_request = AccountRequestFactory(
        processed=True, siret=establishment.siret, requested_by=holder, courriel="collegue@example.fr"
    )

    assert account_request.status == AccountRequestStatus.APPROVED
    fiche_after = Establishment.objects.filter(pk=establishment.pk).values().get()
    assert {name: value for name, value in fiche_after.items() if name != "updated_at"} == {
        name: value for name, value in fiche_before.items() if name != "updated_at"
    }


# --- Two requests at the same moment ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_for_one_siret_at_the_same_moment_make_one_establishment(settings):
    siret = make_siret()
    SireneEtablissementFactory(siret=siret)
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = True
    first = AccountRequestFactory(siret=siret, courriel="premier@example.fr", nom="Premier")
    second = AccountRequestFactory(siret=siret, courriel="second@example.fr", nom="Second")
    # Both were submitted at the same moment: neither saw the other as an open request when checked.
    AccountRequest.objects.filter(pk=second.pk).update(checks=first.checks)
    second.refresh_from_db()
    assert first.failed_checks == second.failed_checks == []
    outcomes = at_once(
        lambda: account_request_process_automatically(account_request=first),
        lambda: account_request_process_automatically(account_request=second),
    )
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]

    assert not errors, [repr(error) for error in errors]
    assert Establishment.objects.filter(siret=siret).count() == 1
    statuses = sorted(AccountRequest.objects.values_list("status", flat=True))
    assert statuses == [AccountRequestStatus.APPROVED, AccountRequestStatus.PENDING]
    pending = AccountRequest.objects.get(status=AccountRequestStatus.PENDING)
    assert "no_space_yet" in [check["code"] for check in pending.failed_checks]
    assert Habilitation.objects.count() == 1
