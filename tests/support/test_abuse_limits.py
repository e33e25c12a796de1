"""The assistance form is no open relay: accepted requests limited per client IP and per requester address, the
acknowledgement never echoes the description, replies through a ticket's link limited per ticket."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from apart.outbox.models import OutboxEmail
from apart.outbox.services import outbox_email_send
from support.enums import TicketMessageAuthor, TicketMotif
from support.models import Ticket, TicketMessage
from support.services import ticket_create

pytestmark = pytest.mark.django_db

URL = reverse("support:assistance")
REPLY_FORM = reverse("support:ticket_reply_form")
DESCRIPTION = "Gagnez 1000 euros : cliquez sur http://arnaque.example/ et donnez votre IBAN."
IP_LIMITED = "Trop de demandes d'assistance ont été envoyées depuis votre connexion dans la dernière heure"
RECIPIENT_LIMITED = "Plusieurs demandes d'assistance ont déjà été envoyées aujourd'hui pour cette adresse électronique"
REPLY_LIMITED = "Vous avez déjà envoyé plusieurs réponses aujourd'hui à cette demande"


@pytest.fixture(autouse=True)
def _captcha(captcha_test_mode):
    return captcha_test_mode


def data(n=0, **overrides):
    return {
        "siret": "732 829 320 00074",
        "denomination": "BOULANGERIE DU CANAL",
        "nom_prenom": "Menuça Gérard",
        "telephone": "01 02 03 04 05",
        "courriel": f"victime{n}@example.fr",
        "motif": "autres",
        "description": DESCRIPTION,
        "captcha_0": "x",
        "captcha_1": "PASSED",
        **overrides,
    }


def page(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_the_11th_accepted_request_from_one_ip_in_an_hour_is_refused_and_the_form_kept(client):
    for n in range(10):
        assert client.post(URL, data(n)).status_code == 302

    response = client.post(URL, data(10, description="Onzième demande"))

    assert response.status_code == 429
    assert IP_LIMITED in page(response)
    assert response.context["form"]["description"].value() == "Onzième demande"  # the form is kept
    assert Ticket.objects.count() == 10
    assert not OutboxEmail.objects.filter(to="victime10@example.fr").exists()
    # Another address from another IP is still served.
    assert client.post(URL, data(11), REMOTE_ADDR="192.0.2.44").status_code == 302


def test_the_4th_accepted_request_for_one_address_in_a_day_is_refused_whatever_the_ip(client):
    for n in range(3):
        response = client.post(URL, data(courriel="Victime@Example.fr"), REMOTE_ADDR=f"192.0.2.{n + 1}")
        assert response.status_code == 302

    response = client.post(URL, data(courriel="victime@example.fr"), REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 429
    assert response.context["form"].errors["courriel"] == [
        "Plusieurs demandes d'assistance ont déjà été envoyées aujourd'hui pour cette adresse électronique : "
        "l'assistance les traite et vous répondra. Réessayez demain, ou appelez l'assistance au 0800.705.800."
    ]
    assert response.context["form"]["courriel"].value() == "victime@example.fr"
    assert Ticket.objects.count() == 3
    assert OutboxEmail.objects.filter(kind="ticket_accuse_reception").count() == 3


def test_the_limits_come_from_the_settings(client, settings):
    settings.ASSISTANCE_RATE_LIMIT_PER_IP = 2
    settings.ASSISTANCE_RATE_LIMIT_PER_RECIPIENT = 1

    assert client.post(URL, data(0)).status_code == 302
    assert RECIPIENT_LIMITED in page(client.post(URL, data(0)))
    assert client.post(URL, data(1)).status_code == 302
    assert IP_LIMITED in page(client.post(URL, data(2)))


def test_rejected_forms_do_not_count(client, captcha_test_mode):
    for _ in range(12):
        client.post(URL, data(description=""))  # invalid field
        client.post(URL, data(siret="123"))
    captcha_test_mode(False)
    for _ in range(12):
        assert client.post(URL, data()).status_code == 200  # wrong security code
    captcha_test_mode(True)

    assert Ticket.objects.count() == 0
    for n in range(3):
        assert client.post(URL, data(0, telephone=f"01 02 03 04 0{n}")).status_code == 302
    for n in range(1, 8):
        assert client.post(URL, data(n)).status_code == 302
    assert Ticket.objects.count() == 10


def test_refused_requests_do_not_count_either(client, settings):
    settings.ASSISTANCE_RATE_LIMIT_PER_RECIPIENT = 1
    client.post(URL, data(0))
    for _ in range(15):
        assert client.post(URL, data(0)).status_code == 429  # refused for the address, not counted per IP

    for n in range(1, 10):
        assert client.post(URL, data(n)).status_code == 302


def test_the_acknowledgement_does_not_echo_the_description(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert client.post(URL, data(courriel="cible@example.fr")).status_code == 302

    acknowledgement = OutboxEmail.objects.get(kind="ticket_accuse_reception")
    outbox_email_send(email_id=acknowledgement.pk)
    acknowledgement.refresh_from_db()
    assert acknowledgement.to == "cible@example.fr"
    assert Ticket.objects.get().reference in acknowledgement.body_text
    for body in (acknowledgement.body_text, acknowledgement.body_html, acknowledgement.subject):
        assert "arnaque" not in body and "IBAN" not in body
    delivered = [message for message in mail.outbox if message.to == ["cible@example.fr"]]
    assert len(delivered) == 1
    assert "arnaque" not in delivered[0].body and "IBAN" not in delivered[0].body
    assert all("arnaque" not in content for content, _type in getattr(delivered[0], "alternatives", []))
    # The support mailbox still reads it.
    assert "arnaque" in OutboxEmail.objects.get(kind="ticket_nouvelle_demande").body_text


def delivered_body(email) -> str:
    """The text the recipient gets (links filled in, should the outbox row hold placeholders): sent now."""
    from django.core import mail

    from apart.outbox.services import outbox_email_send

    def find():
        return next((m for m in mail.outbox if m.extra_headers.get("X-APART-Outbox-Id") == str(email.pk)), None)

    if find() is None:
        outbox_email_send(email_id=email.pk)
    return find().body


# --- Replies through a ticket's link ------------------------------------------------------------


@pytest.fixture
def reply_link():
    ticket_create(
        siret="73282932000074",
        denomination="BOULANGERIE DU CANAL",
        nom_prenom="Durand Claire",
        telephone="01 02 03 04 05",
        courriel="claire.durand@example.fr",
        motif=TicketMotif.AUTRES,
        description="Question.",
    )
    body = delivered_body(OutboxEmail.objects.get(kind="ticket_accuse_reception"))
    return re.search(r"http://[^/\s]+(/besoin-d-aide/assistance/repondre/\S+/)", body).group(1)


def test_the_6th_reply_through_a_ticket_link_in_a_day_is_refused(client, reply_link):
    client.get(reply_link)
    for n in range(5):
        assert client.post(REPLY_FORM, {"body": f"Réponse {n}"}).status_code == 302

    response = client.post(REPLY_FORM, {"body": "Sixième réponse"})

    assert response.status_code == 429
    assert response.context["form"].errors["body"] == [
        "Vous avez déjà envoyé plusieurs réponses aujourd'hui à cette demande : l'assistance vous répondra. "
        "Réessayez demain, ou appelez l'assistance au 0800.705.800 (n° Vert, de 08h00 à 18h00)."
    ]
    assert "Sixième réponse" in page(response)  # the text typed is kept in the form
    assert TicketMessage.objects.filter(author_kind=TicketMessageAuthor.DEMANDEUR).count() == 5
    assert OutboxEmail.objects.filter(kind="ticket_reponse_demandeur").count() == 5
    # Another browser with the same link is refused too: the count is the ticket's.
    other = client.__class__()
    other.get(reply_link)
    assert REPLY_LIMITED in page(other.post(REPLY_FORM, {"body": "Encore"}))


def test_a_refused_reply_does_not_count(client, reply_link):
    client.get(reply_link)
    for _ in range(8):
        client.post(REPLY_FORM, {"body": ""})

    assert client.post(REPLY_FORM, {"body": "Enfin"}).status_code == 302


# --- The token leaves the URL -------------------------------------------------------------------


def test_the_reply_link_moves_its_token_to_the_session_and_redirects_to_a_clean_url(client, reply_link):
    token = reply_link.rstrip("/").rsplit("/", 1)[1]

    response = client.get(reply_link)

    assert response.status_code == 302
    assert response.url == REPLY_FORM == "/besoin-d-aide/assistance/repondre/"
    assert token not in response.url
    form_page = client.get(REPLY_FORM)
    assert form_page.status_code == 200 and 'name="body"' in form_page.content.decode()
    assert token not in form_page.content.decode()


def test_the_reply_page_with_the_ticket_history_is_never_stored(client, reply_link):
    """The page shows the request and the desk's answers to whoever holds the link: no copy kept by the browser
    (« Précédent » on a shared computer) or a proxy."""
    link = client.get(reply_link)
    page_ = client.get(REPLY_FORM)

    assert page_.status_code == 200 and "Question." in page(page_)
    for response in (link, page_):
        assert "no-store" in response.get("Cache-Control", "")


def test_the_clean_url_without_a_token_in_the_session_says_the_link_is_invalid(client):
    response = client.get(REPLY_FORM)

    assert response.status_code == 404
    assert "Ce lien n'est pas valide" in page(response)
    assert client.post(REPLY_FORM, {"body": "Réponse"}).status_code == 404
    assert TicketMessage.objects.count() == 0


# --- Concurrent requests: the count is taken before the work, not looked at then counted after -----------------


def _during(monkeypatch, name, nested):
    """While the view runs `support.views.<name>` (after its limit checks), another request runs in full: what
    two workers serving the same attacker at the same moment do."""
    import support.views

    original = getattr(support.views, name)
    calls = []

    def wrapped(*args, **kwargs):
        if not calls:
            calls.append(None)  # the nested request itself goes straight through
            calls[0] = nested()
        return original(*args, **kwargs)

    monkeypatch.setattr(support.views, name, wrapped)
    return calls


def test_concurrent_requests_for_one_address_do_not_all_pass_the_limit(client, settings, monkeypatch):
    settings.ASSISTANCE_RATE_LIMIT_PER_RECIPIENT = 1
    other = client.__class__()
    nested = _during(monkeypatch, "ticket_create", lambda: other.post(URL, data(0), REMOTE_ADDR="198.51.100.9"))

    first = client.post(URL, data(0))

    assert [first.status_code, nested[0].status_code] == [302, 429]
    assert Ticket.objects.count() == 1
    assert OutboxEmail.objects.filter(kind="ticket_accuse_reception", to="victime0@example.fr").count() == 1
    # The refused one gave its hit back: the IP of the refused request is not charged for it.
    settings.ASSISTANCE_RATE_LIMIT_PER_IP = 1
    assert client.post(URL, data(1), REMOTE_ADDR="198.51.100.9").status_code == 302


def test_concurrent_replies_through_a_link_do_not_all_pass_the_limit(client, settings, monkeypatch, reply_link):
    settings.ASSISTANCE_REPLY_RATE_LIMIT_PER_TICKET = 1
    client.get(reply_link)
    other = client.__class__()
    other.get(reply_link)
    nested = _during(
        monkeypatch, "ticket_requester_reply", lambda: other.post(REPLY_FORM, {"body": "Réponse parallèle"})
    )

    first = client.post(REPLY_FORM, {"body": "Réponse"})

    assert [first.status_code, nested[0].status_code] == [302, 429]
    assert TicketMessage.objects.filter(author_kind=TicketMessageAuthor.DEMANDEUR).count() == 1
