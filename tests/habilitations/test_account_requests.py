"""Account requests: the three cases of the habilitation guide, processing, and the e-mails they produce."""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from apart.outbox.models import OutboxEmail
from habilitations.enums import AccountRequestCase, AccountRequestStatus, SireneStatus
from habilitations.models import AccountRequest, Establishment, Extranet, Habilitation
from habilitations.services import (
    account_request_approve,
    account_request_process_automatically,
    account_request_reject,
    account_request_resend_emails,
    account_request_submit,
)
from tests.factories import HabilitationFactory, SireneEtablissementFactory, UserFactory, make_siret

pytestmark = pytest.mark.django_db

IDENTIFIANT_SUBJECT = "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)"
PASSWORD_SUBJECT = "Mot de passe de connexion à l'Agence de Services et de Paiement (ASP)"
HABILITATION_SUBJECT = "Habilitation à l'activité partielle"


def submit(siret=None, *, courriel="gerard.menuca@example.fr", nom="Menuça", prenom="Gérard", **overrides):
    etablissement = SireneEtablissementFactory(**({"siret": siret} if siret else {}))
    sirene = {
        "siret": etablissement.siret,
        "denomination": etablissement.denomination,
        "code_postal": etablissement.code_postal,
        "etat_administratif": "A",
    }
    establishment_fields = {
        "siret": etablissement.siret,
        "denomination": "BOULANGERIE DU CANAL",
        "numero_voie": "12",
        "type_voie": "Rue",
        "libelle_voie": "DU FAUBOURG SAINT-ANTOINE",
        "code_postal": "75011",
        "ville": "Paris 11e Arrondissement",
        "code_commune": "75111",
        "telephone_etablissement": "01 43 00 00 00",
        "courriel_etablissement": "contact@boulangerie.fr",
        **overrides.pop("establishment", {}),
    }
    user_fields = {
        "nom": nom,
        "prenom": prenom,
        "telephone": "06 12 34 56 78",
        "courriel": courriel,
        "secret_question": "Quelle est la cylindrée de votre moto ?",
    }
    return account_request_submit(
        establishment_fields=establishment_fields,
        user_fields=user_fields,
        secret_answer="Cylindrée",
        sirene_status=overrides.pop("sirene_status", SireneStatus.FOUND),
        sirene_data=overrides.pop("sirene_data", sirene),
    )


def process(account_request):
    return account_request_process_automatically(account_request=account_request)


def emails_to(address):
    return list(OutboxEmail.objects.filter(to=address).order_by("id"))


def test_cas_1_a_new_person_gets_an_account_a_habilitation_and_three_emails():
    account_request = process(submit(courriel="Gérard.Menuça@Example.fr"))

    assert account_request.status == AccountRequestStatus.APPROVED
    assert account_request.case == AccountRequestCase.NEW_ACCOUNT
    user = User.objects.get()
    assert user.identifiant == "gerard.menuca"
    assert user.courriel == "gerard.menuca@example.fr"
    assert user.must_change_password is True
    assert user.password_expires_at > timezone.now() + datetime.timedelta(days=29)
    assert user.check_secret_answer("cylindree")
    habilitation = Habilitation.objects.get(user=user)
    assert habilitation.extranet.code == "APART"
    assert habilitation.valid_from == timezone.localdate()
    assert habilitation.valid_until == habilitation.valid_from.replace(year=habilitation.valid_from.year + 1)

    identifiant, password, habilitation_email = emails_to("gerard.menuca@example.fr")
    assert [identifiant.subject, password.subject, habilitation_email.subject] == [
        IDENTIFIANT_SUBJECT,
        PASSWORD_SUBJECT,
        HABILITATION_SUBJECT,
    ]
    assert "Bonjour Gérard Menuça" in identifiant.body_text
    assert "Voici votre identifiant de connexion:\n\ngerard.menuca\n" in identifiant.body_text
    clear_password = re.search(r"Voici votre nouveau mot de passe de connexion: \[(.+)\]", password.body_text).group(1)
    assert "Il doit être saisi sans les crochets []." in password.body_text
    assert user.check_password(clear_password)
    assert "gerard.menuca" not in password.body_text
    assert clear_password not in identifiant.body_text and clear_password not in habilitation_email.body_text
    assert f"pourrez vous connecter à compter du {habilitation.valid_from:%d/%m/%Y}" in habilitation_email.body_text
    for email in (identifiant, password, habilitation_email):
        assert "INFORMATIONS CONFIDENTIELLES" in email.body_text
        assert "CONFIDENTIAL INFORMATION" in email.body_text


def test_the_temporary_password_follows_the_service_policy():
    process(submit())

    password = re.search(r"\[(.+)\]", emails_to("gerard.menuca@example.fr")[1].body_text).group(1)
    assert len(password) == 12
    assert re.search(r"[a-z]", password) and re.search(r"[A-Z]", password) and re.search(r"[0-9]", password)
    assert re.search(r"[^A-Za-z0-9]", password)
    assert not set(password) & set("0O1lI")


def test_identifiants_are_made_unique_with_a_number():
    UserFactory(identifiant="gerard.menuca", courriel="autre.gerard@example.fr")
    UserFactory(identifiant="gerard.menuca1", courriel="troisieme.gerard@example.fr")

    process(submit(courriel="gerard.nouveau@example.fr"))

    assert User.objects.get(courriel="gerard.nouveau@example.fr").identifiant == "gerard.menuca2"


def test_cas_2_an_apart_user_adding_a_siret_gets_the_habilitation_and_no_email():
    expert = UserFactory(identifiant="ilmen.foplus", courriel="ilmen@cabinet.fr", nom="Foplus", prenom="Ilmen")
    HabilitationFactory(user=expert)

    account_request = process(submit(courriel="ILMEN@cabinet.fr", nom="Foplus", prenom="Ilmen"))

    assert account_request.status == AccountRequestStatus.APPROVED
    assert account_request.case == AccountRequestCase.EXISTING_APART
    assert User.objects.count() == 1
    assert expert.habilitations.count() == 2
    assert emails_to("ilmen@cabinet.fr") == []


def test_cas_3_a_sylae_user_gets_only_the_habilitation_email():
    sylae_user = UserFactory(identifiant="jc.martig", courriel="jc@entreprise.fr", nom="Martig", prenom="Jean")
    HabilitationFactory(user=sylae_user, extranet=Extranet.objects.for_code("SYLAE"))

    account_request = process(submit(courriel="jc@entreprise.fr", nom="Martig", prenom="Jean"))

    assert account_request.case == AccountRequestCase.EXISTING_ASP
    assert User.objects.count() == 1
    sylae_user.refresh_from_db()
    assert sylae_user.habilitations.for_extranet("APART").count() == 1
    assert [email.subject for email in emails_to("jc@entreprise.fr")] == [HABILITATION_SUBJECT]
    assert "jc.martig" not in emails_to("jc@entreprise.fr")[0].body_text


def test_an_asp_account_with_another_name_waits_for_staff():
    UserFactory(courriel="jc@entreprise.fr", nom="Martig", prenom="Jean")

    account_request = process(submit(courriel="jc@entreprise.fr", nom="Dupont", prenom="Paul"))

    assert account_request.status == AccountRequestStatus.PENDING
    assert [check["code"] for check in account_request.failed_checks] == ["identity"]
    assert OutboxEmail.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "failed"),
    [
        ({"establishment": {"denomination": "GARAGE MODERNE"}}, ["denomination"]),
        ({"establishment": {"code_postal": "69003"}}, ["code_postal"]),
        ({"courriel": "gerard@yopmail.com"}, ["courriel"]),
        (
            {"sirene_status": SireneStatus.UNAVAILABLE, "sirene_data": None},
            ["sirene_active", "denomination", "code_postal"],
        ),
    ],
)
def test_a_request_that_fails_a_check_waits_for_staff(overrides, failed):
    account_request = process(submit(**overrides))

    assert account_request.status == AccountRequestStatus.PENDING
    assert [check["code"] for check in account_request.failed_checks] == failed
    assert User.objects.count() == 0 and Establishment.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


def test_a_second_open_request_for_the_same_siret_waits_for_staff(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False
    first = submit()
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = True

    second = process(_second_for(first))

    assert second.status == AccountRequestStatus.PENDING
    assert "no_open_request" in [check["code"] for check in second.failed_checks]


def _second_for(first):
    return account_request_submit(
        establishment_fields={
            field: getattr(first, field)
            for field in (
                "siret",
                "denomination",
                "libelle_voie",
                "code_postal",
                "ville",
                "telephone_etablissement",
                "courriel_etablissement",
            )
        },
        user_fields={
            "nom": "Autre",
            "prenom": "Personne",
            "telephone": "0601020304",
            "courriel": "autre@example.fr",
            "secret_question": "Q ?",
        },
        secret_answer="R",
        sirene_status=first.sirene_status,
        sirene_data=first.sirene_data,
    )


def test_automatic_approval_can_be_switched_off(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False

    account_request = process(submit())

    assert account_request.status == AccountRequestStatus.PENDING
    assert account_request.failed_checks == []


def test_staff_approve_with_a_chosen_start_date_and_approving_twice_does_nothing(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False
    staff = UserFactory(is_staff=True)
    account_request = submit()
    start = timezone.localdate() + datetime.timedelta(days=7)

    approved = account_request_approve(account_request=account_request, by=staff, valid_from=start)
    again = account_request_approve(account_request=account_request, by=staff)

    assert approved.status == again.status == AccountRequestStatus.APPROVED
    assert approved.processed_by == staff
    habilitation = Habilitation.objects.get()
    assert habilitation.valid_from == start
    assert habilitation.valid_until == start.replace(year=start.year + 1)
    assert OutboxEmail.objects.count() == 3
    assert f"à compter du {start:%d/%m/%Y}" in OutboxEmail.objects.get(subject=HABILITATION_SUBJECT).body_text
    assert User.objects.exclude(pk=staff.pk).count() == 1


def test_staff_reject_with_a_reason_sent_to_the_requester(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False
    staff = UserFactory(is_staff=True)
    account_request = submit(courriel="demandeur@example.fr")

    rejected = account_request_reject(account_request=account_request, by=staff, reason="Siret sans lien avec vous.")
    account_request_approve(account_request=account_request, by=staff)

    assert AccountRequest.objects.get().status == AccountRequestStatus.REJECTED
    assert rejected.rejection_reason == "Siret sans lien avec vous."
    (email,) = emails_to("demandeur@example.fr")
    assert "Motif : Siret sans lien avec vous." in email.body_text
    assert rejected.reference in email.body_text
    assert Establishment.objects.count() == 0


def test_resending_gives_a_new_temporary_password_never_the_old_one():
    account_request = process(submit())
    first_password = re.search(r"\[(.+)\]", emails_to("gerard.menuca@example.fr")[1].body_text).group(1)

    written = account_request_resend_emails(account_request=account_request, by=None)

    assert written == 3
    emails = emails_to("gerard.menuca@example.fr")
    assert [email.subject for email in emails[3:]] == [IDENTIFIANT_SUBJECT, PASSWORD_SUBJECT, HABILITATION_SUBJECT]
    new_password = re.search(r"\[(.+)\]", emails[4].body_text).group(1)
    assert new_password != first_password
    user = User.objects.get()
    assert user.check_password(new_password) and not user.check_password(first_password)


def test_the_secret_answer_is_never_stored_in_clear():
    account_request = submit()

    assert "ylindr" not in account_request.secret_answer_hash
    assert account_request.secret_answer_hash.startswith("argon2$")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_for_one_siret_at_the_same_moment_make_one_establishment():
    siret = make_siret()
    SireneEtablissementFactory(siret=siret)
    requests = [
        _request_for(siret, "premier@example.fr", "Premier"),
        _request_for(siret, "second@example.fr", "Second"),
    ]
    barrier = threading.Barrier(2)
    errors = []

    def approve(account_request):
        try:
            barrier.wait(5)
            account_request_process_automatically(account_request=account_request)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(account_request,)) for account_request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors, [repr(error) for error in errors]
    assert Establishment.objects.filter(siret=siret).count() == 1
    statuses = sorted(AccountRequest.objects.values_list("status", flat=True))
    assert statuses == [AccountRequestStatus.APPROVED, AccountRequestStatus.PENDING]
    pending = AccountRequest.objects.get(status=AccountRequestStatus.PENDING)
    assert "no_space_yet" in [check["code"] for check in pending.failed_checks]
    assert Habilitation.objects.count() == 1


def _request_for(siret, courriel, nom):
    # Both requests are stored before either is processed: neither sees the other as "open" at check time.
    account_request = AccountRequest.objects.create(
        reference=f"DCC-TEST-{nom}",
        siret=siret,
        denomination="BOULANGERIE DU CANAL",
        libelle_voie="DE LA PAIX",
        code_postal="75011",
        ville="Paris",
        telephone_etablissement="0143000000",
        courriel_etablissement="contact@example.fr",
        nom=nom,
        prenom="Jean",
        telephone="0601020304",
        courriel=courriel,
        secret_question="Q ?",
        secret_answer_hash="argon2$x",
        sirene_status=SireneStatus.FOUND,
        checks=[{"code": "no_space_yet", "label": "…", "passed": True, "detail": ""}],
    )
    return account_request
