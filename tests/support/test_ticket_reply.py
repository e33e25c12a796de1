"""The requester answers from the signed link of an e-mail, with no account; forged or expired links are refused."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from apart.outbox.models import OutboxEmail
from support.enums import TicketMessageAuthor, TicketMotif, TicketStatus
from support.models import Ticket, TicketMessage
from support.services import REPLY_LINK_SALT, ticket_create, ticket_reply
from tests.factories import UserFactory, delivered_text

pytestmark = pytest.mark.django_db

REQUESTER = "claire.durand@example.fr"
REPLY_FORM = reverse("support:ticket_reply_form")


@pytest.fixture
def ticket():
    return ticket_create(
        siret="73282932000074",
        denomination="BOULANGERIE DU CANAL",
        nom_prenom="Durand Claire",
        telephone="01 02 03 04 05",
        courriel=REQUESTER,
        motif=TicketMotif.HABILITATION,
        description="Je n'ai rien reçu.",
    )


@pytest.fixture
def answered(ticket, settings):
    """The agent's reply, e-mailed; returns the link it carries (path only)."""
    message = ticket_reply(ticket=ticket, by=UserFactory(is_staff=True), body="Quel est votre identifiant ?")
    return link_in(delivered_text(message.email))


def link_in(body: str) -> str:
    return re.search(r"http://[^/\s]+(/besoin-d-aide/assistance/repondre/\S+/)", body).group(1)


def open_link(client, link):
    """Follow the e-mailed link: its token moves to the session, the page is at a URL without it."""
    response = client.get(link)
    assert response.status_code == 302 and response.url == REPLY_FORM
    return client.get(REPLY_FORM)


def test_the_acknowledgement_already_carries_a_working_link(client, ticket):
    acknowledgement = OutboxEmail.objects.get(kind="ticket_accuse_reception")

    response = open_link(client, link_in(delivered_text(acknowledgement)))

    assert response.status_code == 200
    assert ticket.reference in response.content.decode()


def test_the_requester_replies_through_the_link_and_the_reply_is_appended(client, ticket, answered, settings):
    settings.SUPPORT_EMAIL = "assistance@asp.example"

    page = open_link(client, answered).content.decode()
    assert "Quel est votre identifiant ?" in page and "Je n&#x27;ai rien reçu." in page
    assert 'src="/static/js/char-counter.js"' in page

    response = client.post(REPLY_FORM, {"body": "Mon identifiant est claire.durand."}, follow=True)

    assert f"Votre réponse a bien été ajoutée à la demande {ticket.reference}." in response.content.decode()
    messages = list(ticket.messages.order_by("pk"))
    assert [message.author_kind for message in messages] == [TicketMessageAuthor.AGENT, TicketMessageAuthor.DEMANDEUR]
    assert messages[1].body == "Mon identifiant est claire.durand." and messages[1].author is None
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.EN_COURS  # no longer waiting for the requester
    notification = OutboxEmail.objects.get(kind="ticket_reponse_demandeur")
    assert notification.to == "assistance@asp.example"
    assert ticket.reference in notification.subject
    assert "Mon identifiant est claire.durand." in notification.body_text
    assert "Mon identifiant est claire.durand." in response.content.decode()  # in the history shown


def test_the_reply_is_limited_to_1000_characters_too(client, answered):
    open_link(client, answered)
    response = client.post(REPLY_FORM, {"body": "a" * 1001})

    assert response.status_code == 200
    assert "limitée à 1000 caractères" in response.content.decode()
    assert TicketMessage.objects.filter(author_kind=TicketMessageAuthor.DEMANDEUR).count() == 0


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature altered
        lambda token: "n-importe-quoi",
        # A link to another ticket number, signed without the service's key.
        lambda token: signing.dumps({"ticket": 999, "reference": "AST-X"}, key="pas-la-cle", salt=REPLY_LINK_SALT),
        # Signed by the service, but for another purpose (another salt).
        lambda token: signing.dumps({"ticket": 1, "reference": "AST-X"}),
    ],
)
def test_a_forged_link_is_refused(client, answered, forge):
    token = answered.rstrip("/").rsplit("/", 1)[1]
    url = reverse("support:ticket_reply", args=[forge(token)])

    assert client.get(url).status_code == 404
    response = client.post(url, {"body": "Réponse"})

    assert response.status_code == 404
    assert (
        "Ce lien n&#x27;est pas valide" in response.content.decode()
        or "Ce lien n'est pas valide" in response.content.decode()
    )
    assert TicketMessage.objects.filter(author_kind=TicketMessageAuthor.DEMANDEUR).count() == 0


def test_a_link_to_a_ticket_whose_reference_does_not_match_is_refused(client, ticket):
    token = signing.dumps({"ticket": ticket.pk, "reference": "AST-AUTRE"}, salt=REPLY_LINK_SALT)

    assert client.get(reverse("support:ticket_reply", args=[token])).status_code == 404


def test_a_link_works_29_days_and_is_refused_after_30(client, ticket):
    sent_at = timezone.now()
    with time_machine.travel(sent_at, tick=False):
        message = ticket_reply(ticket=ticket, by=UserFactory(is_staff=True), body="Quel est votre identifiant ?")
    link = link_in(delivered_text(message.email))

    with time_machine.travel(sent_at + datetime.timedelta(days=29), tick=False):
        assert open_link(client, link).status_code == 200
    with time_machine.travel(sent_at + datetime.timedelta(days=30, seconds=1), tick=False):
        response = client.post(link, {"body": "Trop tard ?"})

    assert response.status_code == 410
    assert "Ce lien a expiré" in response.content.decode()
    assert TicketMessage.objects.filter(author_kind=TicketMessageAuthor.DEMANDEUR).count() == 0


def test_a_closed_ticket_takes_no_more_replies(client, ticket, answered):
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOS)

    page = open_link(client, answered).content.decode()
    response = client.post(REPLY_FORM, {"body": "Encore une question."})

    assert "Cette demande est close" in page and 'name="body"' not in page
    assert response.status_code == 200 and "Cette demande est close" in response.content.decode()
    assert TicketMessage.objects.filter(author_kind=TicketMessageAuthor.DEMANDEUR).count() == 0


def test_the_link_needs_no_account_and_no_captcha(client, answered):
    open_link(client, answered)
    response = client.post(REPLY_FORM, {"body": "Réponse sans compte."})

    assert response.status_code == 302
    assert TicketMessage.objects.filter(body="Réponse sans compte.").exists()
