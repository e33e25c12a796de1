"""The journal of staff actions (audit): every approval, rejection and resend is written there by its service,
a desk action is filed under its ticket, and the journal is read-only in the admin."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_secret_question_reset
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.enums import AccountRequestStatus
from habilitations.services import (
    Person,
    account_emails_resend,
    account_request_approve,
    account_request_habilitation,
    account_request_reject,
    establishment_fiche_update,
    habilitation_create,
    habilitation_end,
    habilitation_extend,
    habilitation_transfer,
)
from support.services import ticket_habilitation_extend
from tests.factories import (
    AccountRequestFactory,
    HabilitationFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

JOURNAL = reverse("admin:audit_staffaction_changelist")
ONE_MONTH = datetime.timedelta(days=30)


# --- Every operation writes its line ------------------------------------------------------------------------


def test_an_automatic_approval_is_recorded_with_no_agent():
    account_request = AccountRequestFactory(processed=True)
    assert account_request.status == AccountRequestStatus.APPROVED

    [entry] = StaffAction.objects.all()

    assert entry.action == StaffActionKind.ACCOUNT_REQUEST_APPROVE and entry.actor is None
    assert entry.subject == account_request and entry.siret == account_request.siret
    assert entry.target_user == account_request.user
    assert f"Demande {account_request.reference} validée automatiquement" in entry.summary


def test_an_approval_by_an_agent_is_recorded_with_the_agent(agent, settings):
    settings.ACCOUNT_REQUESTS_AUTO_APPROVE = False
    account_request = AccountRequestFactory(processed=True)
    assert StaffAction.objects.count() == 0  # left pending: nothing done yet

    account_request_approve(account_request=account_request, by=agent)
    account_request_approve(account_request=account_request, by=agent)  # twice: nothing more happens

    [entry] = StaffAction.objects.all()
    assert entry.action == StaffActionKind.ACCOUNT_REQUEST_APPROVE and entry.actor == agent
    assert entry.subject == account_request and entry.siret == account_request.siret
    assert "automatiquement" not in entry.summary


def test_a_rejection_is_recorded(agent):
    account_request = AccountRequestFactory()

    account_request_reject(account_request=account_request, by=agent, reason="Siret sans lien avec vous.")
    account_request_reject(account_request=account_request, by=agent, reason="Encore.")  # no longer pending

    [entry] = StaffAction.objects.all()
    assert entry.action == StaffActionKind.ACCOUNT_REQUEST_REJECT and entry.actor == agent
    assert entry.subject == account_request and entry.siret == account_request.siret
    assert entry.summary == f"Demande {account_request.reference} refusée : Siret sans lien avec vous."


def test_a_resend_is_recorded_about_the_request_it_came_from(agent):
    account_request = AccountRequestFactory(approved=True)
    habilitation = account_request_habilitation(account_request)
    before = set(StaffAction.objects.all())

    result = account_emails_resend(habilitation=habilitation, by=agent, about=account_request)

    [entry] = set(StaffAction.objects.all()) - before
    assert entry.action == StaffActionKind.EMAILS_RESEND and entry.actor == agent
    assert entry.subject == account_request and entry.target_user == account_request.user
    assert entry.siret == account_request.siret
    assert all(email.subject in entry.summary for email in result.emails)


def _operations(agent):
    """Each staff operation on accounts and habilitations, run once: (kind, what it was about)."""
    habilitation = HabilitationFactory(valid_from=timezone.localdate() - ONE_MONTH)  # not yet a year from today
    establishment = habilitation.establishment
    yield StaffActionKind.HABILITATION_EXTEND, habilitation_extend(habilitation=habilitation, by=agent)
    yield (
        StaffActionKind.HABILITATION_CREATE,
        habilitation_create(by=agent, user=UserFactory(), establishment=establishment),
    )
    yield StaffActionKind.SECRET_QUESTION_RESET, user_secret_question_reset(user=habilitation.user, by=agent)
    yield (
        StaffActionKind.FICHE_UPDATE,
        establishment_fiche_update(establishment=establishment, fields={"effectif": 7}, by=agent),
    )
    ticket = TicketFactory(establishment=establishment)
    yield (
        StaffActionKind.HABILITATION_TRANSFER,
        habilitation_transfer(
            establishment=establishment,
            person=Person(nom="Martin", prenom="Sophie", courriel="sophie@example.fr"),
            by=agent,
            about=ticket,
            end_users=[],
        ),
    )
    yield (
        StaffActionKind.HABILITATION_END,
        habilitation_end(
            habilitation=HabilitationFactory(establishment=establishment, valid_from=timezone.localdate() - ONE_MONTH),
            by=agent,
        ),
    )


def test_every_staff_operation_writes_one_line_with_the_agent(agent):
    for kind, _result in _operations(agent):
        entries = StaffAction.objects.filter(action=kind)
        assert entries.count() == 1, kind
        assert entries.get().actor == agent, kind

    assert set(StaffAction.objects.values_list("action", flat=True)) == {
        StaffActionKind.HABILITATION_EXTEND,
        StaffActionKind.HABILITATION_CREATE,
        StaffActionKind.SECRET_QUESTION_RESET,
        StaffActionKind.FICHE_UPDATE,
        StaffActionKind.HABILITATION_TRANSFER,
        StaffActionKind.HABILITATION_END,
    }


# --- Desk actions are filed under their ticket ----------------------------------------------------------------


def test_a_desk_action_has_the_ticket_as_subject_and_shows_on_the_ticket_page(staff_client, agent):
    habilitation = HabilitationFactory(user__identifiant="ancien.gerant", valid_from=timezone.localdate() - ONE_MONTH)
    ticket = TicketFactory(establishment=habilitation.establishment)
    other_ticket = TicketFactory(establishment=habilitation.establishment)

    staff_client.post(
        reverse("admin:support_ticket_habilitation_action", args=[ticket.pk, habilitation.pk, "prolonger"])
    )

    [entry] = StaffAction.objects.all()
    assert entry.action == StaffActionKind.HABILITATION_EXTEND
    assert entry.subject == ticket and entry.actor == agent and entry.siret == ticket.siret
    assert list(StaffAction.objects.about(ticket)) == [entry]
    assert list(StaffAction.objects.about(other_ticket)) == []
    page = staff_client.get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    journal = page[page.index('id="journal"') :]
    assert "Prolongation d&#x27;un an de l&#x27;habilitation" in journal
    assert entry.summary.replace("'", "&#x27;") in journal and "agent.asp" in journal
    other_page = staff_client.get(reverse("admin:support_ticket_change", args=[other_ticket.pk])).content.decode()
    assert "Aucune action d'agent sur cette demande." in other_page
    assert entry.summary.replace("'", "&#x27;") not in other_page


def test_the_journal_of_an_account_request_shows_on_its_page(staff_client):
    account_request = AccountRequestFactory(processed=True)

    page = staff_client.get(
        reverse("admin:habilitations_accountrequest_change", args=[account_request.pk])
    ).content.decode()

    entry = StaffAction.objects.get()
    assert "Traitement automatique" in page
    assert entry.summary.replace("'", "&#x27;") in page


# --- The journal in the admin: read-only ------------------------------------------------------------------


@pytest.fixture
def entry(agent):
    habilitation = HabilitationFactory(user__identifiant="ancien.gerant", valid_from=timezone.localdate() - ONE_MONTH)
    ticket = TicketFactory(establishment=habilitation.establishment)
    ticket_habilitation_extend(ticket=ticket, by=agent, habilitation=habilitation)
    return StaffAction.objects.get()


def test_the_journal_lists_who_did_what_about_what(staff_client, entry):
    response = staff_client.get(JOURNAL, {"q": entry.siret})

    assert [row.pk for row in response.context["cl"].result_list] == [entry.pk]
    html = response.content.decode()
    ticket = entry.subject
    assert f'<a href="{reverse("admin:support_ticket_change", args=[ticket.pk])}">{ticket.reference}</a>' in html
    assert "Prolongation d&#x27;un an de l&#x27;habilitation" in html and "agent.asp" in html
    assert staff_client.get(JOURNAL, {"q": "00000000000000"}).context["cl"].result_count == 0


def test_the_journal_names_the_automatic_processing(staff_client):
    AccountRequestFactory(processed=True)

    html = staff_client.get(JOURNAL).content.decode()

    assert "Traitement automatique" in html


def test_the_journal_is_read_only_in_the_admin(staff_client, entry):
    change = reverse("admin:audit_staffaction_change", args=[entry.pk])

    assert staff_client.get(reverse("admin:audit_staffaction_add")).status_code == 403
    assert staff_client.get(reverse("admin:audit_staffaction_delete", args=[entry.pk])).status_code == 403
    assert (
        staff_client.post(reverse("admin:audit_staffaction_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    detail = staff_client.get(change)
    assert detail.status_code == 200
    html = detail.content.decode()
    assert 'name="summary"' not in html and entry.summary.replace("'", "&#x27;") in html
    assert staff_client.post(change, {"summary": "Réécrit", "action": "ticket_reply"}).status_code == 403
    changelist = staff_client.get(JOURNAL).content.decode()
    assert 'value="delete_selected"' not in changelist
    staff_client.post(JOURNAL, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})

    [kept] = StaffAction.objects.all()
    assert (kept.pk, kept.summary, kept.action) == (entry.pk, entry.summary, entry.action)


def test_the_old_address_of_the_journal_redirects(staff_client, entry):
    response = staff_client.get("/admin/support/staffaction/", {"q": entry.siret})

    assert response.status_code == 301
    assert response.url == f"/admin/audit/staffaction/?q={entry.siret}"
    row = staff_client.get(f"/admin/support/staffaction/{entry.pk}/change/")
    assert row.status_code == 301 and row.url == f"/admin/audit/staffaction/{entry.pk}/change/"
    assert staff_client.get(response.url).context["cl"].result_count == 1
