"""The staff desk in the admin: the tickets' queue, replies, and the actions that settle the seeds' cases
(Cas 2.1 transfer, Cas n°3 resend, forgotten secret answer, extend, end), each with its e-mails and audit entry."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from apart.outbox.models import OutboxEmail, OutboxStatus
from audit.enums import StaffActionKind
from audit.models import StaffAction
from habilitations.models import Habilitation, one_year_after
from support.enums import TicketMessageAuthor, TicketMotif, TicketStatus
from support.models import Ticket
from tests.factories import (
    EstablishmentFactory,
    HabilitationFactory,
    TicketFactory,
    UserFactory,
    delivered_text,
    two_factor_login,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:support_ticket_changelist")
TODAY = timezone.localdate
IDENTIFIANT = "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)"
PASSWORD = "Mot de passe de connexion à l'Agence de Services et de Paiement (ASP)"
HABILITATION = "Habilitation à l'activité partielle"
NEW = "nouvelle@boulangerie.fr"  # the requester's address, which the tickets below are written from


@pytest.fixture
def establishment():
    return EstablishmentFactory(denomination="BOULANGERIE DU CANAL")


@pytest.fixture
def old_holder(establishment):
    """The previous user, who left the company (Cas 2.1); habilitated for 3 months already."""
    user = UserFactory(identifiant="ancien.gerant", courriel="ancien@boulangerie.fr")
    HabilitationFactory(user=user, establishment=establishment, valid_from=TODAY() - datetime.timedelta(days=90))
    return user


def change_url(ticket):
    return reverse("admin:support_ticket_change", args=[ticket.pk])


def action_url(ticket, habilitation, action):
    return reverse("admin:support_ticket_habilitation_action", args=[ticket.pk, habilitation.pk, action])


def emails_to(address, *, after=0):
    return list(OutboxEmail.objects.filter(to=address, pk__gt=after).order_by("pk"))


def last_email_pk():
    return OutboxEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def audit(ticket):
    return list(StaffAction.objects.about(ticket).order_by("pk"))


# --- The queue -------------------------------------------------------------------------------------


def test_the_queue_lists_status_motif_age_and_assignee_with_filters(staff_client, agent, establishment):
    recent = TicketFactory(establishment=establishment, courriel=NEW)
    old = TicketFactory(other_motif=True, courriel="autre@example.fr")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=3), assignee=agent)

    response = staff_client.get(CHANGELIST)

    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        recent.reference,
        old.reference,
        "Nouveau",
        "Habilitation à l&#x27;extranet",
        "Demande d&#x27;indemnisation",
        "3\xa0jours",
        "agent.asp",
    ]:
        assert text in html, text

    def references(**params):
        return {ticket.reference for ticket in staff_client.get(CHANGELIST, params).context["cl"].result_list}

    assert references(motif__exact="habilitation") == {recent.reference}
    assert references(anciennete="plus48h") == {old.reference}
    assert references(anciennete="moins48h") == {recent.reference}
    assert references(a_traiter="miennes") == {old.reference}
    assert references(a_traiter="libres") == {recent.reference}
    assert references(status__exact="nouveau") == {recent.reference, old.reference}
    assert references(assignee__id__exact=agent.pk) == {old.reference}


@pytest.mark.parametrize("search", ["siret", "siret_spaced", "reference", "courriel"])
def test_staff_find_a_ticket_by_siret_reference_or_email(staff_client, establishment, search):
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    TicketFactory(courriel="quelqu-un@example.fr")
    siret = ticket.siret
    term = {
        "siret": siret,
        "siret_spaced": f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}",
        "reference": ticket.reference,
        "courriel": "nouvelle@boulangerie.fr",
    }[search]

    response = staff_client.get(CHANGELIST, {"q": term})

    assert [found.pk for found in response.context["cl"].result_list] == [ticket.pk]


def test_the_ticket_page_shows_the_request_the_desk_and_the_mail_sent(staff_client, establishment, old_holder):
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    OutboxEmail.objects.filter(to="nouvelle@boulangerie.fr").update(
        status=OutboxStatus.PENDING, attempts=2, last_error="SMTPRecipientsRefused: 550 boîte inconnue"
    )

    html = staff_client.get(change_url(ticket)).content.decode()

    assert "L&#x27;ancien gérant est parti avec la boîte mail déclarée." in html
    assert "Habilitation à l'extranet : actions" in html
    assert "ancien.gerant" in html
    assert reverse("admin:support_ticket_transfer", args=[ticket.pk]) in html
    assert "Votre demande d&#x27;assistance" in html  # the acknowledgement, in the outbox table
    assert "SMTPRecipientsRefused: 550 boîte inconnue" in html
    assert "En attente" in html


def test_tickets_are_neither_added_nor_deleted_in_the_admin(staff_client, establishment):
    ticket = TicketFactory(establishment=establishment, courriel=NEW)

    assert staff_client.get(reverse("admin:support_ticket_add")).status_code == 403
    assert staff_client.get(reverse("admin:support_ticket_delete", args=[ticket.pk])).status_code == 403


# --- Replies from the admin ------------------------------------------------------------------------


def test_a_reply_written_in_the_admin_is_emailed_kept_and_audited(staff_client, agent, establishment):
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    before = last_email_pk()

    response = staff_client.post(
        change_url(ticket),
        {"status": TicketStatus.NOUVEAU, "assignee": "", "reply": "Pouvez-vous nous indiquer votre fonction ?"},
        follow=True,
    )

    assert "Réponse envoyée par courriel à nouvelle@boulangerie.fr." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.EN_ATTENTE
    assert ticket.assignee == agent
    message = ticket.messages.get()
    assert message.author_kind == TicketMessageAuthor.AGENT and message.author == agent
    assert message.body == "Pouvez-vous nous indiquer votre fonction ?"
    [email] = emails_to("nouvelle@boulangerie.fr", after=before)
    assert email == message.email
    assert email.subject == f"Réponse à votre demande d'assistance {ticket.reference}"
    assert "Pouvez-vous nous indiquer votre fonction ?" in email.body_text
    assert re.search(r"http://\S+/besoin-d-aide/assistance/repondre/\S+/", delivered_text(email))
    [entry] = audit(ticket)
    assert entry.action == StaffActionKind.TICKET_REPLY and entry.actor == agent
    assert "Pouvez-vous nous indiquer votre fonction ?" in staff_client.get(change_url(ticket)).content.decode()


def test_a_final_reply_with_the_status_resolu(staff_client, establishment):
    ticket = TicketFactory(establishment=establishment, courriel=NEW)

    staff_client.post(change_url(ticket), {"status": TicketStatus.RESOLU, "assignee": "", "reply": "C'est fait."})

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLU
    assert [entry.action for entry in audit(ticket)] == [StaffActionKind.TICKET_REPLY]


def test_status_and_assignee_changes_are_audited(staff_client, agent, establishment):
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    colleague = UserFactory(identifiant="collegue.asp", is_staff=True)

    staff_client.post(change_url(ticket), {"status": TicketStatus.EN_COURS, "assignee": colleague.pk, "reply": ""})

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.EN_COURS and ticket.assignee == colleague
    entries = audit(ticket)
    assert [entry.action for entry in entries] == [StaffActionKind.TICKET_STATUS, StaffActionKind.TICKET_ASSIGN]
    assert entries[0].summary == "Statut : Nouveau → En cours"
    assert entries[1].summary == "Attribuée à collegue.asp"
    assert all(entry.actor == agent for entry in entries)
    assert ticket.messages.count() == 0


# --- Cas 2.1: transfer the establishment's habilitation ----------------------------------------------

SOPHIE_MARTIN = {"nom": "Martin", "prenom": "Sophie", "courriel": NEW, "telephone": "01 02 03 04 05"}


def transfer_url(ticket):
    return reverse("admin:support_ticket_transfer", args=[ticket.pk])


def hidden_fields(html) -> dict[str, list[str]]:
    """What the confirmation page posts again: its hidden inputs."""
    fields = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html):
        fields.setdefault(name, []).append(unescape(value))
    return fields


def transfer_confirmed(client, ticket, **data):
    return client.post(transfer_url(ticket), {**data, "confirmed": "True"}, follow=True)


def test_cas_2_1_the_form_does_not_split_the_typed_nom_et_prenom(staff_client, establishment, old_holder):
    ticket = TicketFactory(establishment=establishment, courriel=NEW, nom_prenom="Sophie Martin")

    response = staff_client.get(transfer_url(ticket))

    form = response.context["form"]
    assert form["nom"].value() in ("", None) and form["prenom"].value() in ("", None)
    assert form["courriel"].value() == NEW
    html = response.content.decode()
    assert "« Sophie Martin »" in html  # what was typed, shown for the agent to decide
    assert "indiquez le nom et le prénom chacun dans le sien" in html
    assert re.search(r'<input type="text" name="nom"[^>]*class="vTextField"|class="vTextField"[^>]*name="nom"', html)
    assert '<fieldset class="module aligned">' in html  # the admin's own form layout
    assert re.search(r'<label for="id_nom"[^>]*>Nom\s*:</label>', html)
    assert re.search(r'<label for="id_prenom"[^>]*>Prénom\s*:</label>', html)


def test_cas_2_1_nom_and_prenom_come_from_the_asp_account_with_the_tickets_courriel(
    staff_client, establishment, old_holder
):
    UserFactory(courriel=NEW, nom="Martin", prenom="Sophie")
    ticket = TicketFactory(establishment=establishment, courriel=NEW, nom_prenom="Sophie Martin")

    response = staff_client.get(transfer_url(ticket))

    form = response.context["form"]
    assert (form["nom"].value(), form["prenom"].value()) == ("Martin", "Sophie")
    assert "indiquez le nom et le prénom chacun dans le sien" not in response.content.decode()


def test_cas_2_1_the_first_post_shows_a_confirmation_and_changes_nothing(staff_client, establishment, old_holder):
    ticket = TicketFactory(establishment=establishment, courriel=NEW, nom_prenom="Sophie Martin")
    before = last_email_pk()

    response = staff_client.post(transfer_url(ticket), {**SOPHIE_MARTIN, "end_users": [str(old_holder.pk)]})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Vérifiez avant de transférer" in html
    assert '<tr><th scope="row">Nom</th><td>Martin</td></tr>' in html
    assert '<tr><th scope="row">Prénom</th><td>Sophie</td></tr>' in html
    assert '<tr><th scope="row">Habilitations terminées</th><td>ancien.gerant</td></tr>' in html
    assert 'value="Confirmer le transfert"' in html
    assert hidden_fields(html)["confirmed"] == ["True"]
    assert not User.objects.filter(courriel=NEW).exists()
    assert Habilitation.objects.get(user=old_holder, establishment=establishment).is_active()
    assert emails_to(NEW, after=before) == [] and emails_to(old_holder.courriel, after=before) == []
    assert audit(ticket) == []


def test_cas_2_1_transfer_to_a_new_person_creates_the_account_and_ends_the_old_habilitation(
    staff_client, agent, establishment, old_holder
):
    elsewhere = HabilitationFactory(user=old_holder, valid_from=TODAY() - datetime.timedelta(days=10))
    ticket = TicketFactory(establishment=establishment, courriel=NEW, nom_prenom="Sophie Martin")
    before = last_email_pk()
    confirmation = staff_client.post(transfer_url(ticket), {**SOPHIE_MARTIN, "end_users": [str(old_holder.pk)]})

    response = staff_client.post(transfer_url(ticket), hidden_fields(confirmation.content.decode()), follow=True)

    assert "Habilitation transférée à sophie.martin (compte créé, 3 courriels)" in response.content.decode()
    new_user = User.objects.get(courriel=NEW)
    assert (new_user.identifiant, new_user.nom, new_user.prenom) == ("sophie.martin", "Martin", "Sophie")
    assert not User.objects.filter(identifiant="martin.sophie").exists()
    assert new_user.must_change_password and new_user.must_set_secret_question
    new_habilitation = Habilitation.objects.get(user=new_user, establishment=establishment)
    assert new_habilitation.valid_from == TODAY() and new_habilitation.is_active()
    old_habilitation = Habilitation.objects.get(user=old_holder, establishment=establishment)
    assert old_habilitation.valid_until == TODAY() - datetime.timedelta(days=1)
    assert not old_habilitation.is_active()
    elsewhere.refresh_from_db()
    assert elsewhere.is_active()  # the old holder's other establishment is untouched

    new_emails = emails_to(NEW, after=before)
    assert [email.subject for email in new_emails] == [IDENTIFIANT, PASSWORD, HABILITATION]
    assert new_emails[0].body_text.startswith("Bonjour Sophie Martin,\n")
    assert "Voici votre identifiant de connexion :\n\nsophie.martin\n" in new_emails[0].body_text
    assert not any("Martin Sophie" in email.body_text for email in new_emails)
    password = re.search(r"\[(.+)\]", delivered_text(new_emails[1])).group(1)
    assert new_user.check_password(password)
    [ended_email] = emails_to("ancien@boulangerie.fr", after=before)
    assert ended_email.subject == "Fin de votre habilitation à l'activité partielle"

    # The journal of the ticket: the end of the old habilitation, then the transfer, both by the agent.
    ended_entry, entry = audit(ticket)
    assert ended_entry.action == StaffActionKind.HABILITATION_END and ended_entry.target_user == old_holder
    assert entry.action == StaffActionKind.HABILITATION_TRANSFER
    assert ended_entry.actor == entry.actor == agent
    assert entry.target_user == new_user and entry.siret == establishment.siret
    assert entry.details["account_created"] is True
    assert entry.details["ended"][0]["identifiant"] == "ancien.gerant"
    assert "ancien.gerant" in entry.summary and "sophie.martin" in entry.summary
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.EN_COURS and ticket.assignee == agent


def test_cas_2_1_transfer_to_an_existing_asp_account_keeps_its_credentials(staff_client, establishment, old_holder):
    sylae_user = UserFactory(identifiant="claire.durand", courriel=NEW)
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    before = last_email_pk()

    transfer_confirmed(
        staff_client,
        ticket,
        nom="Durand",
        prenom="Claire",
        courriel="Nouvelle@Boulangerie.fr",
        end_users=[str(old_holder.pk)],
    )

    assert User.objects.filter(courriel=NEW).count() == 1
    assert Habilitation.objects.get(user=sylae_user, establishment=establishment).is_active()
    assert [email.subject for email in emails_to(NEW, after=before)] == [HABILITATION]
    sylae_user.refresh_from_db()
    assert sylae_user.check_password("Mot-de-passe-2026;")
    [entry] = [entry for entry in audit(ticket) if entry.action == StaffActionKind.HABILITATION_TRANSFER]
    assert entry.details["account_created"] is False


def test_cas_2_1_an_unchecked_holder_keeps_the_habilitation(staff_client, establishment, old_holder):
    colleague = UserFactory(identifiant="collegue.compta")
    HabilitationFactory(user=colleague, establishment=establishment)
    ticket = TicketFactory(establishment=establishment, courriel=NEW)

    transfer_confirmed(staff_client, ticket, **SOPHIE_MARTIN, end_users=[str(old_holder.pk)])

    assert Habilitation.objects.get(user=colleague, establishment=establishment).is_active()
    assert not Habilitation.objects.get(user=old_holder, establishment=establishment).is_active()


def test_cas_2_1_without_a_space_there_is_nothing_to_transfer(staff_client):
    ticket = TicketFactory(courriel=NEW)  # a SIRET with no establishment

    page = staff_client.get(transfer_url(ticket)).content.decode()
    response = transfer_confirmed(staff_client, ticket, **SOPHIE_MARTIN)

    assert "Aucun espace n'existe pour ce Siret" in page and 'name="nom"' not in page
    assert "Aucun espace n&#x27;existe pour ce Siret" in response.content.decode()
    assert not User.objects.filter(courriel=NEW).exists()
    assert audit(ticket) == []


# --- Cas n°3: nothing received -------------------------------------------------------------------


def test_cas_3_resend_gives_a_new_temporary_password_and_shows_the_outbox_rows(staff_client, agent, establishment):
    user = UserFactory(temporary_password=True, identifiant="claire.durand", courriel=NEW)
    habilitation = HabilitationFactory(user=user, establishment=establishment)
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    before = last_email_pk()

    confirmation = staff_client.get(action_url(ticket, habilitation, "renvoyer-courriels")).content.decode()
    assert "nouveau mot de passe provisoire" in confirmation and "claire.durand" in confirmation
    response = staff_client.post(action_url(ticket, habilitation, "renvoyer-courriels"), follow=True)

    emails = emails_to("nouvelle@boulangerie.fr", after=before)
    assert [email.subject for email in emails] == [IDENTIFIANT, PASSWORD, HABILITATION]
    new_password = re.search(r"\[(.+)\]", delivered_text(emails[1])).group(1)
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert not user.check_password("Mot-de-passe-2026;")  # the old one no longer works
    html = response.content.decode()
    assert "3 courriel(s) mis dans la file d&#x27;envoi pour nouvelle@boulangerie.fr" in html
    # The outbox table of the ticket page: each row with its state (sent in-process here).
    assert html.count(PASSWORD.replace("'", "&#x27;")) >= 1 and "Envoyé" in html
    [entry] = audit(ticket)
    assert entry.action == StaffActionKind.EMAILS_RESEND and entry.actor == agent and entry.target_user == user
    assert entry.details["new_temporary_password"] is True
    assert entry.details["emails"] == [email.pk for email in emails]


def test_cas_3_resend_to_someone_who_already_connected_sends_the_habilitation_alone(staff_client, establishment):
    user = UserFactory(courriel="nouvelle@boulangerie.fr")
    habilitation = HabilitationFactory(user=user, establishment=establishment)
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    before = last_email_pk()

    staff_client.post(action_url(ticket, habilitation, "renvoyer-courriels"))

    assert [email.subject for email in emails_to(user.courriel, after=before)] == [HABILITATION]
    user.refresh_from_db()
    assert user.check_password("Mot-de-passe-2026;")
    assert audit(ticket)[0].details["new_temporary_password"] is False


# --- Forgotten secret answer ----------------------------------------------------------------------


def test_reset_the_secret_question(staff_client, agent, establishment):
    user = UserFactory(courriel="nouvelle@boulangerie.fr")
    HabilitationFactory(user=user, establishment=establishment)
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    url = reverse("admin:support_ticket_secret_question", args=[ticket.pk, user.pk])
    before = last_email_pk()

    assert "Vérifiez son identité" in staff_client.get(url).content.decode()
    response = staff_client.post(url, follow=True)

    assert "Question secrète de" in response.content.decode()
    user.refresh_from_db()
    assert user.must_set_secret_question and user.secret_question == "" and not user.check_secret_answer("Rex")
    [email] = emails_to(user.courriel, after=before)
    assert email.subject == "Réinitialisation de votre question secrète" and ticket.reference in email.body_text
    [entry] = audit(ticket)
    assert entry.action == StaffActionKind.SECRET_QUESTION_RESET and entry.target_user == user and entry.actor == agent


def test_the_requester_account_found_by_email_can_be_reset_without_a_habilitation(staff_client):
    user = UserFactory(courriel="nouvelle@boulangerie.fr")  # e.g. a SYLAé account
    ticket = TicketFactory(courriel=NEW)

    staff_client.post(reverse("admin:support_ticket_secret_question", args=[ticket.pk, user.pk]))

    user.refresh_from_db()
    assert user.must_set_secret_question


def test_an_account_unrelated_to_the_ticket_cannot_be_touched(staff_client, establishment):
    stranger = UserFactory()
    ticket = TicketFactory(establishment=establishment, courriel=NEW)

    response = staff_client.post(reverse("admin:support_ticket_secret_question", args=[ticket.pk, stranger.pk]))

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert not stranger.must_set_secret_question


# --- Extend, end ----------------------------------------------------------------------------------


def test_extend_an_active_habilitation_by_one_year(staff_client, agent, establishment, old_holder):
    habilitation = Habilitation.objects.get(user=old_holder)
    previous = habilitation.valid_until
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    before = last_email_pk()

    response = staff_client.post(action_url(ticket, habilitation, "prolonger"), follow=True)

    habilitation.refresh_from_db()
    assert habilitation.valid_until == one_year_after(TODAY())  # a year from today, not from its end
    assert f"prolongée jusqu&#x27;au {habilitation.valid_until:%d/%m/%Y}" in response.content.decode()
    [email] = emails_to(old_holder.courriel, after=before)
    assert email.subject == "Prolongation de votre habilitation à l'activité partielle"
    assert f"{habilitation.valid_until:%d/%m/%Y}" in email.body_text
    [entry] = audit(ticket)
    assert entry.action == StaffActionKind.HABILITATION_EXTEND and entry.actor == agent
    assert entry.details["previous_valid_until"] == previous.isoformat()


def test_extend_replayed_on_the_desk_extends_once_and_says_so(staff_client, establishment, old_holder):
    habilitation = Habilitation.objects.get(user=old_holder)
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    staff_client.post(action_url(ticket, habilitation, "prolonger"))
    before = last_email_pk()

    response = staff_client.post(action_url(ticket, habilitation, "prolonger"), follow=True)

    habilitation.refresh_from_db()
    assert habilitation.valid_until == one_year_after(TODAY())
    assert (
        f"est déjà prolongée jusqu&#x27;au {habilitation.valid_until:%d/%m/%Y} : rien n&#x27;a changé"
        in response.content.decode()
    )
    assert emails_to(old_holder.courriel, after=before) == []
    assert [entry.action for entry in audit(ticket)] == [StaffActionKind.HABILITATION_EXTEND]


def test_extend_an_expired_habilitation_counts_from_today(staff_client, establishment):
    user = UserFactory(courriel="nouvelle@boulangerie.fr")
    habilitation = HabilitationFactory(
        user=user,
        establishment=establishment,
        valid_from=TODAY() - datetime.timedelta(days=400),
        valid_until=TODAY() - datetime.timedelta(days=35),
    )
    ticket = TicketFactory(establishment=establishment, courriel=NEW)

    staff_client.post(action_url(ticket, habilitation, "prolonger"))

    habilitation.refresh_from_db()
    assert habilitation.valid_until == one_year_after(TODAY())
    assert habilitation.is_active()


def test_end_a_habilitation_on_this_establishment_only(staff_client, agent, establishment, old_holder):
    habilitation = Habilitation.objects.get(user=old_holder)
    elsewhere = HabilitationFactory(user=old_holder)
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    before = last_email_pk()

    response = staff_client.post(action_url(ticket, habilitation, "terminer"), follow=True)

    habilitation.refresh_from_db()
    assert habilitation.valid_until == TODAY() - datetime.timedelta(days=1) and not habilitation.is_active()
    assert Habilitation.objects.get(pk=elsewhere.pk).is_active()
    assert "terminée (dernier jour : hier)" in response.content.decode()
    assert [email.subject for email in emails_to(old_holder.courriel, after=before)] == [
        "Fin de votre habilitation à l'activité partielle"
    ]
    [entry] = audit(ticket)
    assert entry.action == StaffActionKind.HABILITATION_END and entry.actor == agent
    assert entry.details["result"] == "ended"


def test_ending_a_habilitation_that_starts_today_removes_it(staff_client, establishment):
    user = UserFactory(courriel="nouvelle@boulangerie.fr")
    habilitation = HabilitationFactory(user=user, establishment=establishment, valid_from=TODAY())
    ticket = TicketFactory(establishment=establishment, courriel=NEW)

    staff_client.post(action_url(ticket, habilitation, "terminer"))

    assert not Habilitation.objects.filter(pk=habilitation.pk).exists()
    [entry] = audit(ticket)
    assert entry.details["result"] == "deleted" and entry.details["valid_from"] == TODAY().isoformat()


# --- Guards ---------------------------------------------------------------------------------------


def test_the_habilitation_actions_are_only_for_habilitation_tickets(staff_client, establishment, old_holder):
    ticket = TicketFactory(establishment=establishment, courriel=NEW, motif=TicketMotif.FICHE_ETABLISSEMENT)
    habilitation = Habilitation.objects.get(user=old_holder)

    assert "Habilitation à l'extranet : actions" not in staff_client.get(change_url(ticket)).content.decode()
    assert staff_client.post(action_url(ticket, habilitation, "terminer")).status_code == 404
    assert staff_client.get(reverse("admin:support_ticket_transfer", args=[ticket.pk])).status_code == 404
    assert Habilitation.objects.get(pk=habilitation.pk).is_active()


def test_a_habilitation_unrelated_to_the_ticket_is_a_404(staff_client, establishment):
    other = HabilitationFactory()
    ticket = TicketFactory(establishment=establishment, courriel=NEW)

    assert staff_client.post(action_url(ticket, other, "terminer")).status_code == 404
    assert Habilitation.objects.get(pk=other.pk).is_active()


def test_an_unknown_action_is_a_404(staff_client, establishment, old_holder):
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    habilitation = Habilitation.objects.get(user=old_holder)

    assert staff_client.post(action_url(ticket, habilitation, "supprimer")).status_code == 404


def test_staff_without_the_right_on_habilitations_cannot_act(client, establishment, old_holder):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_ticket", "change_ticket"]))
    two_factor_login(client, clerk)
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    habilitation = Habilitation.objects.get(user=old_holder)

    assert client.get(change_url(ticket)).status_code == 200
    assert client.post(action_url(ticket, habilitation, "terminer")).status_code == 403
    assert Habilitation.objects.get(pk=habilitation.pk).is_active()


def test_a_closed_ticket_refuses_the_actions(staff_client, establishment, old_holder):
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOS)
    habilitation = Habilitation.objects.get(user=old_holder)

    response = staff_client.post(action_url(ticket, habilitation, "terminer"), follow=True)

    assert "Cette demande est close." in response.content.decode()
    assert Habilitation.objects.get(pk=habilitation.pk).is_active()
    assert audit(ticket) == []


def test_the_actions_need_a_post(staff_client, establishment, old_holder):
    ticket = TicketFactory(establishment=establishment, courriel=NEW)
    habilitation = Habilitation.objects.get(user=old_holder)

    staff_client.get(action_url(ticket, habilitation, "terminer"))

    assert Habilitation.objects.get(pk=habilitation.pk).is_active()
    assert audit(ticket) == []


# --- The desk in the admin's index -----------------------------------------------------------------


def test_every_model_of_the_desk_is_in_the_admin(staff_client):
    index = staff_client.get("/admin/").content.decode()

    # The journal and the banner moved to their apps (audit, portal); their old addresses redirect.
    for model in ["support/ticket", "support/article", "audit/staffaction", "portal/announcement"]:
        assert f"/admin/{model}/" in index, model
        assert staff_client.get(f"/admin/{model}/").status_code == 200, model
    for old, new in [("support/staffaction", "audit/staffaction"), ("support/announcement", "portal/announcement")]:
        assert f"/admin/{old}/" not in index
        response = staff_client.get(f"/admin/{old}/")
        assert response.status_code == 301 and response.url == f"/admin/{new}/"
