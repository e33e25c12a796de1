"""ASP staff settle account requests in the admin: the queue, its checks, approve, reject, resend."""

import pytest
from django.urls import reverse

from apart.outbox.models import OutboxEmail
from habilitations.enums import AccountRequestStatus
from habilitations.models import AccountRequest
from tests.factories import UserFactory
from tests.habilitations.test_account_requests import submit

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:habilitations_accountrequest_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def pending_request(settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False
    return submit(courriel="demandeur@example.fr", establishment={"denomination": "GARAGE MODERNE"})


def test_the_queue_shows_the_failed_checks_and_filters_by_status_and_age(staff_client, pending_request):
    html = staff_client.get(CHANGELIST, {"status__exact": "pending", "anciennete": "moins48h"}).content.decode()

    assert pending_request.reference in html
    assert "✘ Dénomination cohérente avec SIRENE" in html
    assert staff_client.get(CHANGELIST, {"anciennete": "plus48h"}).context["cl"].result_count == 0
    detail = staff_client.get(reverse("admin:habilitations_accountrequest_change", args=[pending_request.pk]))
    assert "SIRENE : BOULANGERIE DU CANAL" in detail.content.decode()


def test_approve_from_the_admin(staff_client, pending_request):
    response = staff_client.post(
        CHANGELIST, {"action": "approve_selected", "_selected_action": [pending_request.pk]}, follow=True
    )

    assert "1 demande(s) validée(s)" in response.content.decode()
    pending_request.refresh_from_db()
    assert pending_request.status == AccountRequestStatus.APPROVED
    assert pending_request.processed_by.is_staff
    assert OutboxEmail.objects.filter(to="demandeur@example.fr").count() == 3


def test_reject_from_the_admin_asks_for_a_reason(staff_client, pending_request):
    data = {"action": "reject_selected", "_selected_action": [pending_request.pk]}

    confirmation = staff_client.post(CHANGELIST, data)
    assert "Motif du refus" in confirmation.content.decode()
    staff_client.post(CHANGELIST, {**data, "apply": "1", "reason": ""})
    pending_request.refresh_from_db()
    assert pending_request.status == AccountRequestStatus.PENDING  # no reason, no rejection

    response = staff_client.post(
        CHANGELIST, {**data, "apply": "1", "reason": "Dénomination sans rapport."}, follow=True
    )

    assert "1 demande(s) refusée(s)" in response.content.decode()
    pending_request.refresh_from_db()
    assert pending_request.status == AccountRequestStatus.REJECTED
    assert "Motif : Dénomination sans rapport." in OutboxEmail.objects.get(to="demandeur@example.fr").body_text


def test_resend_the_emails_of_an_approved_request(staff_client, pending_request):
    staff_client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [pending_request.pk]})

    response = staff_client.post(
        CHANGELIST, {"action": "resend_emails", "_selected_action": [pending_request.pk]}, follow=True
    )

    assert "3 courriel(s) renvoyé(s)" in response.content.decode()
    assert OutboxEmail.objects.filter(to="demandeur@example.fr").count() == 6


def test_a_processed_request_is_read_only(staff_client, pending_request):
    staff_client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [pending_request.pk]})

    html = staff_client.get(
        reverse("admin:habilitations_accountrequest_change", args=[pending_request.pk])
    ).content.decode()

    assert 'name="denomination"' not in html
    assert AccountRequest.objects.get().secret_answer_hash not in html
