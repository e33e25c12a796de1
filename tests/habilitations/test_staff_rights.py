"""The staff roles in the account-request queue: who may approve, reject and resend; a resend never replaces a
password its holder chose; approving twice does nothing the second time."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import AGENT_ASP, SUPERVISEUR_ASP
from accounts.services import staff_roles_sync
from apart.outbox.models import OutboxEmail
from audit.models import StaffAction
from habilitations.enums import AccountRequestStatus
from habilitations.models import AccountRequest, ActivationLetter, Habilitation
from habilitations.services import account_emails_resend, account_request_approve
from referentiels.models import SireneEtablissement
from tests.factories import AccountRequestFactory, HabilitationFactory, UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:habilitations_accountrequest_changelist")
HABILITATIONS = reverse("admin:habilitations_habilitation_changelist")
OWN_PASSWORD = "Mot-de-passe-2026;"  # UserFactory's: the one the holder chose


@pytest.fixture(autouse=True)
def _staff_decides(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False


def member_of(role):
    staff_roles_sync()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def run(client, url, action, obj, **data):
    return client.post(url, {"action": action, "_selected_action": [obj.pk], **data}, follow=True)


def test_an_agent_approves_and_rejects_but_cannot_resend_the_emails(client):
    two_factor_login(client, member_of(AGENT_ASP))
    to_approve, to_reject = AccountRequestFactory(), AccountRequestFactory()
    approved = AccountRequestFactory(approved=True)
    emails = OutboxEmail.objects.count()

    run(client, CHANGELIST, "approve_selected", to_approve, apply="1")
    run(client, CHANGELIST, "reject_selected", to_reject, apply="1", reason="SIRET sans rapport.")
    run(client, CHANGELIST, "resend_emails", approved)
    run(client, HABILITATIONS, "resend_account_emails", Habilitation.objects.get(user=approved.user))

    assert AccountRequest.objects.get(pk=to_approve.pk).status == AccountRequestStatus.APPROVED
    assert AccountRequest.objects.get(pk=to_reject.pk).status == AccountRequestStatus.REJECTED
    # Three e-mails for the new account, one for the refusal, none for the resends.
    assert OutboxEmail.objects.count() == emails + 4


def test_a_supervisor_resends_the_emails(client):
    two_factor_login(client, member_of(SUPERVISEUR_ASP))
    approved = AccountRequestFactory(approved=True)
    emails = OutboxEmail.objects.count()

    response = run(client, CHANGELIST, "resend_emails", approved)

    assert "courriel(s) remis en file d&#x27;envoi." in response.content.decode()
    assert OutboxEmail.objects.count() > emails


def test_a_staff_member_who_may_edit_requests_still_cannot_approve_them(client):
    from django.contrib.auth.models import Permission

    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_accountrequest", "change_accountrequest"])
    )
    two_factor_login(client, clerk)
    pending = AccountRequestFactory()

    run(client, CHANGELIST, "approve_selected", pending, apply="1")
    run(client, CHANGELIST, "reject_selected", pending, apply="1", reason="Non.")

    assert AccountRequest.objects.get(pk=pending.pk).status == AccountRequestStatus.PENDING
    assert not StaffAction.objects.exists()


def test_a_resend_never_replaces_a_password_the_holder_chose(agent):
    """Staff ticked « doit changer son mot de passe » on an account whose holder chose a password: the resend
    must not send a temporary one that replaces it."""
    habilitation = HabilitationFactory()
    user = habilitation.user
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])

    result = account_emails_resend(habilitation=habilitation, by=agent)
    account_emails_resend(habilitation=habilitation, by=agent)

    user.refresh_from_db()
    assert user.check_password(OWN_PASSWORD)
    assert result.new_temporary_password is False
    assert not OutboxEmail.objects.filter(kind="mot_de_passe").exists()


def test_a_resend_keeps_the_password_of_a_holder_who_logged_in(agent):
    from django.utils import timezone

    habilitation = HabilitationFactory(user__temporary_password=True)
    user = habilitation.user
    user.last_login = timezone.now()  # logged in with it: it arrived, and may be the one they now use
    user.save(update_fields=["last_login"])

    account_emails_resend(habilitation=habilitation, by=agent)

    user.refresh_from_db()
    assert user.check_password(OWN_PASSWORD)


def test_a_second_approve_is_a_no_op(client, agent):
    two_factor_login(client, agent)
    pending = AccountRequestFactory()

    run(client, CHANGELIST, "approve_selected", pending, apply="1")
    emails, journal = OutboxEmail.objects.count(), StaffAction.objects.count()
    user = AccountRequest.objects.get(pk=pending.pk).user
    password = user.password
    run(client, CHANGELIST, "approve_selected", pending, apply="1")
    account_request_approve(account_request=pending, by=agent)

    assert OutboxEmail.objects.count() == emails
    assert StaffAction.objects.count() == journal
    assert Habilitation.objects.filter(user=user).count() == 1
    user.refresh_from_db()
    assert user.password == password


# --- Approval and the establishment's proof ------------------------------------------------------------------

VERIFIED = "L&#x27;établissement sera marqué vérifié : aucun courrier d&#x27;activation ne sera envoyé."
LETTER = "Un établissement non vérifié le restera : un courrier d&#x27;activation sera envoyé à son adresse SIRENE"


def failing_request():
    """Two checks failed (denomination, code postal): the approval asks for a confirmation first."""
    return AccountRequestFactory(denomination="GARAGE MODERNE", code_postal="69003")


def test_a_supervisor_s_approval_verifies_the_establishment_and_the_confirmation_says_so(client):
    two_factor_login(client, member_of(SUPERVISEUR_ASP))
    pending = failing_request()

    confirmation = run(client, CHANGELIST, "approve_selected", pending).content.decode()
    assert VERIFIED in confirmation and LETTER not in confirmation
    run(client, CHANGELIST, "approve_selected", pending, apply="1")

    pending.refresh_from_db()
    assert pending.status == AccountRequestStatus.APPROVED
    assert pending.establishment.is_verified
    assert not ActivationLetter.objects.filter(establishment=pending.establishment).exists()


def test_an_agent_without_the_right_to_verify_approves_and_a_letter_brings_the_proof(client):
    """An « Agent ASP » has no habilitations.verify_establishment: his approval must not verify the establishment
    either; the claimant gets the activation letter an automatic approval sends."""
    two_factor_login(client, member_of(AGENT_ASP))
    pending = failing_request()

    confirmation = run(client, CHANGELIST, "approve_selected", pending).content.decode()
    assert LETTER in confirmation and VERIFIED not in confirmation
    run(client, CHANGELIST, "approve_selected", pending, apply="1")

    pending.refresh_from_db()
    assert pending.status == AccountRequestStatus.APPROVED
    assert not pending.establishment.is_verified
    [letter] = ActivationLetter.objects.filter(establishment=pending.establishment)
    assert letter.user == pending.user
    assert "courrier d'activation à imprimer" in StaffAction.objects.about(pending).get().summary


def test_an_agent_cannot_approve_a_claim_no_letter_can_reach_it_is_left_pending(client):
    two_factor_login(client, member_of(AGENT_ASP))
    pending = failing_request()
    SireneEtablissement.objects.filter(siret=pending.siret).delete()  # no postal address anywhere

    page = run(client, CHANGELIST, "approve_selected", pending, apply="1").content.decode()

    assert "0 demande(s) validée(s)" in page
    assert f"aucune adresse SIRENE où envoyer le courrier d&#x27;activation : {pending.reference}" in page
    pending.refresh_from_db()
    assert pending.status == AccountRequestStatus.PENDING
    assert not Habilitation.objects.filter(establishment__siret=pending.siret).exists()
