"""Établissements vérifiés: a space obtained by automatic approval is non vérifié until its claimant types the
activation code sent by post to the SIRENE address (or staff verify it); the first code typed wins."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.enums import AccountRequestStatus, EstablishmentVerification
from habilitations.letters import activation_letter_html
from habilitations.models import ActivationLetter, Establishment, Habilitation
from habilitations.perms import can_submit_to_administration, is_habilitated_on
from habilitations.services import activation_letter_code
from tests.factories import (
    AccountRequestFactory,
    EstablishmentFactory,
    SireneEtablissementFactory,
    UserFactory,
    two_factor_login,
)
from tests.races import at_once

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _automatic(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = True


@pytest.fixture
def etablissement():
    return SireneEtablissementFactory(
        numero_voie="12", type_voie="RUE", libelle_voie="DU FAUBOURG SAINT-ANTOINE", libelle_commune="PARIS 11"
    )


def claim(siret, courriel, nom="Menuça"):
    """CRÉER MON ESPACE, approved automatically: the claimant, the establishment and their letter."""
    account_request = AccountRequestFactory(siret=siret, courriel=courriel, nom=nom, processed=True)
    assert account_request.status == AccountRequestStatus.APPROVED, account_request.failed_checks
    letter = ActivationLetter.objects.open().get(user=account_request.user, establishment=account_request.establishment)
    user = account_request.user
    user.must_change_password = False  # as after the first connection
    user.save(update_fields=["must_change_password"])
    return user, account_request.establishment, letter


def type_code(client, user, establishment, code):
    client.force_login(user)
    return client.post(reverse("espace:activation_code", args=[establishment.siret]), {"code": code})


def code_errors(response):
    return response.context["form"].errors.get("code", [])


def test_automatic_approval_gives_the_space_at_once_but_non_verifie_with_a_letter_to_the_sirene_address(
    etablissement,
):
    user, establishment, letter = claim(etablissement.siret, "gerard@example.fr")

    assert is_habilitated_on(user, establishment)  # instant access
    assert not establishment.is_verified
    assert not can_submit_to_administration(user, establishment)
    assert letter.recipient_lines[-2:] == ["12 Rue DU FAUBOURG SAINT-ANTOINE", "75011 PARIS 11"]
    code = activation_letter_code(letter)
    assert len(code) == 8 and code not in letter.code_hash and code not in letter.code_sealed
    assert letter.expires_at == letter.created_at + datetime.timedelta(days=30)


def test_a_staff_approved_request_gives_a_verifie_establishment(etablissement):
    account_request = AccountRequestFactory(siret=etablissement.siret, approved=True)

    assert account_request.establishment.verification == EstablishmentVerification.STAFF
    assert can_submit_to_administration(account_request.user, account_request.establishment)
    assert not ActivationLetter.objects.exists()


def test_typing_the_letters_code_makes_the_establishment_verifie_with_a_line_in_the_journal(client, etablissement):
    user, establishment, letter = claim(etablissement.siret, "gerard@example.fr")
    client.force_login(user)
    page = client.get(reverse("espace:establishment", args=[establishment.siret]))
    assert "saisissez le code d'activation reçu par courrier" in page.content.decode()

    code = activation_letter_code(letter)
    response = type_code(client, user, establishment, f" {code[:4].lower()} {code[4:]} ")

    assert response.status_code == 302
    establishment.refresh_from_db()
    assert establishment.verification == EstablishmentVerification.CODE
    assert can_submit_to_administration(user, establishment)
    [entry] = StaffAction.objects.filter(action=StaffActionKind.ESTABLISHMENT_VERIFY)
    assert entry.siret == establishment.siret and entry.target_user == user
    letter.refresh_from_db()
    assert letter.used_at is not None
    assert escape("Code d'activation accepté") in client.get(response.url).content.decode()


@pytest.mark.parametrize("written_as", ["argon2 (before)", "hmac, key rotated since"])
def test_a_letter_written_before_a_key_rotation_or_with_the_old_hash_still_verifies(
    client, settings, etablissement, written_as
):
    from django.contrib.auth.hashers import make_password

    user, establishment, letter = claim(etablissement.siret, "gerard@example.fr")
    code = activation_letter_code(letter)
    assert letter.code_hash.startswith("hmac-sha256$")  # a keyed fingerprint, microseconds, not a password hash
    if written_as.startswith("argon2"):
        ActivationLetter.objects.filter(pk=letter.pk).update(code_hash=make_password(code))
    else:
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
        settings.SECRET_KEY = "une-nouvelle-cle-secrete-apres-rotation-0123456789"
    client.force_login(user)

    assert "incorrect" in " ".join(code_errors(type_code(client, user, establishment, "ZZZZ9999")))
    response = type_code(client, user, establishment, code)

    assert response.status_code == 302
    establishment.refresh_from_db()
    assert establishment.verification == EstablishmentVerification.CODE


def test_five_wrong_codes_lock_the_letter_and_staff_can_issue_a_new_one(client, staff_client, etablissement, agent):
    user, establishment, letter = claim(etablissement.siret, "gerard@example.fr")
    right = activation_letter_code(letter)
    other = Establishment.objects.get(pk=establishment.pk)

    messages = [code_errors(type_code(client, user, other, "AAAAAAAA"))[0] for _ in range(5)]

    assert messages[0] == "Ce code d'activation est incorrect. Il vous reste 4 essais."
    assert messages[3] == "Ce code d'activation est incorrect. Il vous reste 1 essai."
    assert messages[4].startswith("Ce code d'activation est bloqué après 5 essais erronés.")
    # Locked: even the right code is refused now, and no sixth try is counted.
    assert code_errors(type_code(client, user, establishment, right))[0].startswith("Ce code d'activation est bloqué")
    letter.refresh_from_db()
    assert letter.failed_tries == 5
    establishment.refresh_from_db()
    assert not establishment.is_verified

    two_factor_login(staff_client, agent)
    staff_client.post(
        reverse("admin:habilitations_activationletter_changelist"),
        {"action": "issue_new_letter", "_selected_action": [letter.pk]},
    )
    letter.refresh_from_db()
    assert letter.cancelled_at is not None
    new = ActivationLetter.objects.open().get(user=user)
    assert type_code(client, user, establishment, activation_letter_code(new)).status_code == 302
    establishment.refresh_from_db()
    assert establishment.is_verified


def test_the_code_expires_after_30_days(client, etablissement):
    user, establishment, letter = claim(etablissement.siret, "gerard@example.fr")
    code = activation_letter_code(letter)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=30, minutes=1)):
        response = type_code(client, user, establishment, code)

    [message] = code_errors(response)
    assert message.startswith("Ce code d'activation a expiré le ")
    establishment.refresh_from_db()
    assert not establishment.is_verified


def test_a_second_claimant_of_a_non_verifie_establishment_may_file_again_and_gets_its_own_letter(
    client, etablissement, captcha_test_mode
):
    first, establishment, first_letter = claim(etablissement.siret, "premier@example.fr", nom="Premier")

    response = client.post(
        reverse("habilitations:create_space"),
        {"siret": etablissement.siret, "captcha_0": "x", "captcha_1": "PASSED", "cgu": "on"},
    )
    assert response.status_code == 302  # not "un espace existe déjà"
    second, same, second_letter = claim(etablissement.siret, "second@example.fr", nom="Second")

    assert same == establishment
    assert second_letter != first_letter and second_letter.user == second
    assert is_habilitated_on(first, establishment) and is_habilitated_on(second, establishment)


def test_a_verifie_establishment_still_stops_a_second_claimant(client, etablissement, captcha_test_mode):
    EstablishmentFactory(siret=etablissement.siret)
    response = client.post(
        reverse("habilitations:create_space"),
        {"siret": etablissement.siret, "captcha_0": "x", "captcha_1": "PASSED", "cgu": "on"},
    )
    assert response.status_code == 409


def test_the_first_valid_code_wins_and_the_other_claimant_is_ended_and_told(client, etablissement):
    first, establishment, first_letter = claim(etablissement.siret, "premier@example.fr", nom="Premier")
    second, _, second_letter = claim(etablissement.siret, "second@example.fr", nom="Second")
    first_code = activation_letter_code(first_letter)

    assert type_code(client, second, establishment, activation_letter_code(second_letter)).status_code == 302

    assert not is_habilitated_on(first, establishment)
    assert is_habilitated_on(second, establishment)
    [email] = OutboxEmail.objects.filter(to="premier@example.fr", kind="etablissement_verifie_par_un_autre")
    assert email.subject == "Fin de votre accès à un établissement de l'activité partielle"
    assert "a saisi avant vous le code d'activation" in email.body_text
    first_letter.refresh_from_db()
    assert first_letter.cancelled_at is not None and first_letter.code_sealed == ""
    # The loser's code no longer opens anything: the establishment is gone from their space.
    assert type_code(client, first, establishment, first_code).status_code == 404
    assert Habilitation.objects.active().filter(establishment=establishment).count() == 1


@pytest.mark.parametrize("verified", [False, True])
def test_can_submit_to_administration_needs_a_verifie_establishment(etablissement, verified):
    user = UserFactory()
    establishment = EstablishmentFactory() if verified else EstablishmentFactory(unverified=True)
    from tests.factories import HabilitationFactory

    HabilitationFactory(user=user, establishment=establishment)
    assert can_submit_to_administration(user, establishment) is verified
    assert not can_submit_to_administration(UserFactory(), establishment)


# --- Commands and admin ----------------------------------------------------------------------------------


def test_activation_letters_writes_one_pdf_per_letter_to_print_once(tmp_path, etablissement, capsys):
    _, establishment, letter = claim(etablissement.siret, "gerard@example.fr")
    code = activation_letter_code(letter)
    html = activation_letter_html(letter, code=code)
    assert "DU FAUBOURG SAINT-ANTOINE" in html and "75011 PARIS 11" in html and code in html
    assert f"{timezone.localtime(letter.expires_at):%d/%m/%Y}" in html and "Saisir le code d'activation" in html

    from weasyprint import HTML

    assert len(HTML(string=html).render().pages) == 1  # one A4 sheet

    call_command("activation_letters", "--output", str(tmp_path / "lettres"))

    [pdf] = list((tmp_path / "lettres").iterdir())
    assert pdf.read_bytes().startswith(b"%PDF") and establishment.siret in pdf.name
    letter.refresh_from_db()
    assert letter.exported_at is not None and letter.code_sealed == ""  # the clear code is gone
    call_command("activation_letters", "--output", str(tmp_path / "lettres"))
    assert len(list((tmp_path / "lettres").iterdir())) == 1
    assert "0 courrier(s)" in capsys.readouterr().out


def test_activation_letters_does_not_print_weasyprint_progress(tmp_path, etablissement, caplog):
    """WeasyPrint logs seven « Step n - … » lines at INFO per PDF: the command's output drowned in them."""
    claim(etablissement.siret, "gerard@example.fr")

    with caplog.at_level("INFO"):
        call_command("activation_letters", "--output", str(tmp_path / "lettres"))

    assert len(list((tmp_path / "lettres").iterdir())) == 1
    assert [record.getMessage() for record in caplog.records if record.name.startswith("weasyprint")] == []


def test_verify_establishment_command(etablissement):
    _, establishment, letter = claim(etablissement.siret, "gerard@example.fr")

    call_command("verify_establishment", etablissement.siret)

    establishment.refresh_from_db()
    assert establishment.verification == EstablishmentVerification.STAFF
    letter.refresh_from_db()
    assert letter.cancelled_at is not None
    assert StaffAction.objects.filter(action=StaffActionKind.ESTABLISHMENT_VERIFY, siret=establishment.siret).exists()


def test_the_admin_verify_action_needs_the_verify_permission(client, etablissement):
    _, establishment, _ = claim(etablissement.siret, "gerard@example.fr")
    changelist = reverse("admin:habilitations_establishment_changelist")
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(
        Permission.objects.get(codename="view_establishment"), Permission.objects.get(codename="change_establishment")
    )
    two_factor_login(client, clerk)
    assert "verify_selected" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "verify_selected", "_selected_action": [establishment.pk]})
    establishment.refresh_from_db()
    assert not establishment.is_verified

    clerk.user_permissions.add(Permission.objects.get(codename="verify_establishment"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    two_factor_login(client, clerk)
    page = client.get(reverse("admin:habilitations_establishment_change", args=[establishment.pk]))
    assert "En attente de saisie" in page.content.decode()  # its letter, as staff see it
    client.post(changelist, {"action": "verify_selected", "_selected_action": [establishment.pk]})
    establishment.refresh_from_db()
    assert establishment.verification == EstablishmentVerification.STAFF


def test_the_colleagues_a_losing_claimant_asked_for_leave_with_them(client, etablissement):
    from habilitations.services import colleague_account_request_submit

    first, establishment, _ = claim(etablissement.siret, "premier@example.fr", nom="Premier")
    second, _, second_letter = claim(etablissement.siret, "second@example.fr", nom="Second")
    colleague_request = colleague_account_request_submit(
        requested_by=first,
        establishment=establishment,
        user_fields={
            "nom": "Collegue",
            "prenom": "Paul",
            "telephone": "06 12 34 56 78",
            "courriel": "collegue@example.fr",
            "secret_question": "Quelle est la cylindrée de votre moto ?",
        },
        secret_answer="Cylindrée",
    )
    assert is_habilitated_on(colleague_request.user, establishment)
    assert not ActivationLetter.objects.filter(user=colleague_request.user).exists()  # a colleague claims nothing

    type_code(client, second, establishment, activation_letter_code(second_letter))

    assert not is_habilitated_on(colleague_request.user, establishment)
    assert OutboxEmail.objects.filter(to="collegue@example.fr", kind="etablissement_verifie_par_un_autre").exists()


def test_a_claim_whose_sirene_record_has_no_street_waits_for_staff(settings):
    from tests.factories import make_siret

    siret = make_siret()  # unknown to the local SIRENE copy: only the request's data, without any street
    account_request = AccountRequestFactory(siret=siret, processed=True)

    assert account_request.status == AccountRequestStatus.PENDING
    assert "sirene_address" in [check["code"] for check in account_request.failed_checks]
    assert not Establishment.objects.filter(siret=siret).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_codes_never_count_more_than_five_tries(etablissement):
    from habilitations.services import ActivationCodeRefused, activation_code_submit

    user, establishment, letter = claim(etablissement.siret, "gerard@example.fr")
    outcomes = at_once(
        *(lambda: activation_code_submit(establishment=establishment, user=user, code="AAAAAAAA") for _ in range(8))
    )
    refusals = [outcome.message for outcome in outcomes if isinstance(outcome, ActivationCodeRefused)]

    letter.refresh_from_db()
    assert letter.failed_tries == 5
    assert len(refusals) == 8  # five tries consumed, three refused as locked without counting
