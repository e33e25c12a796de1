"""ASP staff settle account requests in the admin: the queue, its checks, approve, reject, resend — each through
its service, with its line in the journal."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apart.outbox.models import OutboxEmail
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.enums import AccountRequestStatus
from habilitations.models import AccountRequest, Establishment
from tests.factories import AccountRequestFactory, UserFactory, two_factor_login

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:habilitations_accountrequest_changelist")
DEMANDEUR = "demandeur@example.fr"


def change_url(account_request):
    return reverse("admin:habilitations_accountrequest_change", args=[account_request.pk])


@pytest.fixture(autouse=True)
def _staff_decides(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False


@pytest.fixture
def pending_request():
    """A request whose denomination and code postal do not match SIRENE: two checks failed."""
    return AccountRequestFactory(courriel=DEMANDEUR, denomination="GARAGE MODERNE", code_postal="69003")


def journal(account_request):
    return list(StaffAction.objects.about(account_request).order_by("pk"))


def run(client, action, account_request, **data):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [account_request.pk], **data}, follow=True)


def test_the_queue_shows_the_failed_checks_and_filters_by_status_and_age(staff_client, pending_request):
    html = staff_client.get(CHANGELIST, {"status__exact": "pending", "anciennete": "moins48h"}).content.decode()

    assert pending_request.reference in html
    assert "✘ Dénomination cohérente avec SIRENE, Code postal cohérent avec SIRENE" in html
    assert staff_client.get(CHANGELIST, {"anciennete": "plus48h"}).context["cl"].result_count == 0
    detail = staff_client.get(change_url(pending_request))
    assert "SIRENE : BOULANGERIE DU CANAL" in detail.content.decode()


# --- Approve ---------------------------------------------------------------------------------------------


def test_approving_a_request_whose_checks_failed_asks_for_a_confirmation_naming_them(staff_client, pending_request):
    page = run(staff_client, "approve_selected", pending_request)

    html = page.content.decode()
    assert page.templates[0].name == "admin/apart/action_confirm.html"
    assert "Valider des demandes dont des contrôles ont échoué" in html
    assert str(pending_request) in html
    # What was typed beside what SIRENE says, for the agent to judge.
    assert "Dénomination cohérente avec SIRENE — saisie : GARAGE MODERNE ; SIRENE : BOULANGERIE DU CANAL" in html
    assert "Code postal cohérent avec SIRENE — saisi : 69003 ; SIRENE : 75011" in html
    assert "Courriel durable" not in html  # a check that passed is not named
    assert 'name="apply"' in html
    pending_request.refresh_from_db()
    assert pending_request.status == AccountRequestStatus.PENDING
    assert OutboxEmail.objects.filter(to=DEMANDEUR).count() == 0
    assert journal(pending_request) == []


def test_approve_once_confirmed_creates_the_account_and_writes_the_journal(staff_client, agent, pending_request):
    response = run(staff_client, "approve_selected", pending_request, apply="1")

    assert "1 demande(s) validée(s)" in response.content.decode()
    pending_request.refresh_from_db()
    assert pending_request.status == AccountRequestStatus.APPROVED
    assert pending_request.processed_by == agent
    assert OutboxEmail.objects.filter(to=DEMANDEUR).count() == 3
    [entry] = journal(pending_request)
    assert entry.action == StaffActionKind.ACCOUNT_REQUEST_APPROVE
    assert entry.actor == agent and entry.subject == pending_request and entry.siret == pending_request.siret
    assert entry.target_user == pending_request.user
    assert entry.details["failed_checks"] == ["denomination", "code_postal"]
    # The request's page shows its journal.
    assert entry.summary in staff_client.get(change_url(pending_request)).content.decode()


def test_a_request_whose_checks_all_passed_is_approved_at_once(staff_client, agent):
    account_request = AccountRequestFactory(courriel=DEMANDEUR)
    assert account_request.failed_checks == []

    response = run(staff_client, "approve_selected", account_request)

    assert "1 demande(s) validée(s)" in response.content.decode()
    account_request.refresh_from_db()
    assert account_request.status == AccountRequestStatus.APPROVED
    assert [entry.actor for entry in journal(account_request)] == [agent]


# --- Reject ----------------------------------------------------------------------------------------------


def test_reject_asks_for_a_reason_and_refuses_nothing_without_one(staff_client, pending_request):
    confirmation = run(staff_client, "reject_selected", pending_request).content.decode()
    assert "Motif du refus" in confirmation and str(pending_request) in confirmation

    response = run(staff_client, "reject_selected", pending_request, apply="1", reason="  ")

    assert "Indiquez le motif du refus : il est envoyé au demandeur." in response.content.decode()
    pending_request.refresh_from_db()
    assert pending_request.status == AccountRequestStatus.PENDING
    assert OutboxEmail.objects.filter(to=DEMANDEUR).count() == 0
    assert journal(pending_request) == []


def test_reject_with_a_reason_emails_it_and_writes_the_journal(staff_client, agent, pending_request):
    response = run(staff_client, "reject_selected", pending_request, apply="1", reason="Dénomination sans rapport.")

    assert "1 demande(s) refusée(s)" in response.content.decode()
    pending_request.refresh_from_db()
    assert pending_request.status == AccountRequestStatus.REJECTED
    assert pending_request.rejection_reason == "Dénomination sans rapport."
    assert "Motif : Dénomination sans rapport." in OutboxEmail.objects.get(to=DEMANDEUR).body_text
    assert Establishment.objects.count() == 0
    [entry] = journal(pending_request)
    assert entry.action == StaffActionKind.ACCOUNT_REQUEST_REJECT
    assert entry.actor == agent and entry.subject == pending_request and entry.siret == pending_request.siret
    assert "Dénomination sans rapport." in entry.summary


# --- Resend ----------------------------------------------------------------------------------------------


def test_resend_the_emails_of_an_approved_request(staff_client, agent):
    account_request = AccountRequestFactory(approved=True, courriel=DEMANDEUR)
    assert OutboxEmail.objects.filter(to=DEMANDEUR).count() == 3

    response = run(staff_client, "resend_emails", account_request)

    page = response.content.decode()
    assert "3 courriel(s) remis en file d&#x27;envoi." in page and "renvoyé" not in page
    assert OutboxEmail.objects.filter(to=DEMANDEUR).count() == 6
    entry = journal(account_request)[-1]
    assert entry.action == StaffActionKind.EMAILS_RESEND
    assert entry.actor == agent and entry.subject == account_request and entry.siret == account_request.siret
    assert entry.target_user == account_request.user


def test_resend_does_nothing_for_a_pending_request(staff_client, pending_request):
    response = run(staff_client, "resend_emails", pending_request)

    assert "0 courriel(s) remis en file d&#x27;envoi." in response.content.decode()
    assert OutboxEmail.objects.filter(to=DEMANDEUR).count() == 0
    assert journal(pending_request) == []


# --- The request's page ----------------------------------------------------------------------------------


def test_a_processed_request_is_read_only(staff_client, pending_request, agent):
    run(staff_client, "approve_selected", pending_request, apply="1")

    html = staff_client.get(change_url(pending_request)).content.decode()

    assert 'name="denomination"' not in html
    assert AccountRequest.objects.get().secret_answer_hash not in html


def test_the_secret_question_of_a_pending_request_cannot_be_edited(staff_client, pending_request):
    html = staff_client.get(change_url(pending_request)).content.decode()
    assert 'name="secret_question"' not in html and "Quelle était la marque de votre première voiture ?" in html

    data = {
        name: getattr(pending_request, name)
        for name in [
            "denomination",
            "numero_voie",
            "extension_voie",
            "type_voie",
            "libelle_voie",
            "complement_adresse",
            "code_postal",
            "ville",
            "code_commune",
            "telephone_etablissement",
            "fax",
            "courriel_etablissement",
            "nom",
            "prenom",
            "telephone",
            "courriel",
        ]
    }
    response = staff_client.post(change_url(pending_request), {**data, "secret_question": "Autre question ?"})

    assert response.status_code == 302
    pending_request.refresh_from_db()
    assert pending_request.secret_question == "Quelle était la marque de votre première voiture ?"


# --- Permissions -----------------------------------------------------------------------------------------


@pytest.fixture
def viewer_client(client):
    viewer = UserFactory(is_staff=True, identifiant="lecteur.asp")
    viewer.user_permissions.add(Permission.objects.get(codename="view_accountrequest"))
    two_factor_login(client, viewer)
    return client


def test_staff_who_may_only_view_are_not_offered_the_actions(viewer_client, pending_request):
    response = viewer_client.get(CHANGELIST)

    html = response.content.decode()
    assert response.status_code == 200 and pending_request.reference in html
    for action in ("approve_selected", "reject_selected", "resend_emails"):
        assert f'value="{action}"' not in html
    # With the change permission, the same page offers them.
    two_factor_login(viewer_client, UserFactory(staff=True))
    html = viewer_client.get(CHANGELIST).content.decode()
    for action in ("approve_selected", "reject_selected", "resend_emails"):
        assert f'value="{action}"' in html


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("approve_selected", {"apply": "1"}),
        ("reject_selected", {"apply": "1", "reason": "Dénomination sans rapport."}),
        ("resend_emails", {}),
    ],
)
def test_staff_who_may_only_view_cannot_run_the_actions(viewer_client, action, data):
    pending = AccountRequestFactory(courriel="autre@example.fr")
    approved = AccountRequestFactory(approved=True, courriel=DEMANDEUR)
    emails_before = OutboxEmail.objects.count()
    journal_before = StaffAction.objects.count()

    for account_request in (pending, approved):
        viewer_client.post(CHANGELIST, {"action": action, "_selected_action": [account_request.pk], **data})

    pending.refresh_from_db()
    assert pending.status == AccountRequestStatus.PENDING
    assert OutboxEmail.objects.count() == emails_before
    assert StaffAction.objects.count() == journal_before
