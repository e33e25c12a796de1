"""No secret at rest in the outbox: a reset link, a temporary password, a confirmation or reply link reaches the
recipient, and no outbox row holds it in clear, before or after the sending (apart.outbox.placeholders)."""

import hashlib
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import CourrielChangeToken, PasswordResetToken, User
from accounts.recovery import recovery_answer, recovery_start
from accounts.services import user_courriel_change_request, user_create
from apart.outbox.models import OutboxEmail, OutboxStatus
from apart.outbox.placeholders import MASK
from apart.outbox.services import email_enqueue, outbox_send_pending
from habilitations.services import account_emails_resend
from support.services import ticket_from_reply_token, ticket_reply
from tests.factories import (
    AccountRequestFactory,
    HabilitationFactory,
    TicketFactory,
    UserFactory,
    delivered,
    two_factor_login,
)

pytestmark = pytest.mark.django_db

PASSWORD = re.compile(r"Voici votre nouveau mot de passe de connexion : \[(.+)\]")


def assert_nowhere_in_the_outbox(*secrets: str):
    """Every column of every row, the sealed one included, as the database returns it."""
    rows = list(OutboxEmail.objects.values_list())
    assert rows
    for row in rows:
        for value in row:
            for secret in secrets:
                assert secret not in str(value) and escape(secret) not in str(value), (secret, row)


def send_all_and_check(*find_secrets):
    """The rows are pending (nothing sent before the test's transaction would commit): the secrets found in the
    delivered messages are nowhere in the outbox, before the sending (checked against the rows' own messages,
    found after) and after it."""
    before = list(OutboxEmail.objects.values_list())
    outbox_send_pending(due_only=False)
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    delivered_bodies = [message.body for message in mail.outbox] + [
        content for message in mail.outbox for content, _mimetype in getattr(message, "alternatives", [])
    ]
    secrets = [secret for find in find_secrets for secret in find("\n".join(delivered_bodies))]
    assert secrets
    for row in before:
        for value in row:
            for secret in secrets:
                assert secret not in str(value) and escape(secret) not in str(value)
    assert_nowhere_in_the_outbox(*secrets)
    return secrets


def test_a_password_reset_link_reaches_the_user_and_never_sits_in_the_outbox():
    user = UserFactory(identifiant="gerard.menuca1", courriel="gerard@example.fr")
    user.set_secret_answer("Rex")
    user.save()

    assert recovery_answer(
        challenge=recovery_start(flow="password", typed="gerard.menuca1", ip_address="127.0.0.1"),
        answer="Rex",
        ip_address="127.0.0.1",
    )
    (token,) = send_all_and_check(lambda text: set(re.findall(r"/mot-de-passe/reinitialiser/([^/\s\"]+)/", text)))

    assert PasswordResetToken.objects.filter(token_hash=hashlib.sha256(token.encode()).hexdigest()).exists()
    assert mail.outbox[0].body.count(token) == 1 and mail.outbox[0].alternatives[0].content.count(token) == 2


def test_the_temporary_password_of_a_new_space_reaches_the_user_and_never_sits_in_the_outbox():
    AccountRequestFactory(processed=True, courriel="gerard.menuca@example.fr")

    (password,) = send_all_and_check(lambda text: set(PASSWORD.findall(text)))

    assert User.objects.get(courriel="gerard.menuca@example.fr").check_password(password)
    assert [m.subject for m in mail.outbox if password in m.body] == [
        "Mot de passe de connexion à l'Agence de Services et de Paiement (ASP)"
    ]


def test_the_new_temporary_password_of_renvoyer_les_courriels_never_sits_in_the_outbox(agent):
    habilitation = HabilitationFactory(user__temporary_password=True, user__courriel="claire.durand@example.fr")

    account_emails_resend(habilitation=habilitation, by=agent)
    (password,) = send_all_and_check(lambda text: set(PASSWORD.findall(text)))

    assert User.objects.get(pk=habilitation.user_id).check_password(password)


def test_the_courriel_change_link_never_sits_in_the_outbox():
    user_courriel_change_request(user=UserFactory(courriel="gerard@ancien.fr"), new_courriel="gerard@nouveau.fr")

    (token,) = send_all_and_check(lambda text: set(re.findall(r"/mon-compte/courriel/confirmer/([^/\s]+)/", text)))

    row = CourrielChangeToken.objects.get(token_hash=hashlib.sha256(token.encode()).hexdigest())
    assert row.new_courriel == "gerard@nouveau.fr"
    (confirmation,) = [m for m in mail.outbox if m.to == ["gerard@nouveau.fr"]]
    assert token in confirmation.body


def test_the_ticket_reply_links_never_sit_in_the_outbox(agent):
    ticket = TicketFactory(courriel="claire.durand@boulangerie.fr")
    ticket_reply(ticket=ticket, by=agent, body="Pouvez-vous nous indiquer votre fonction ?")

    tokens = send_all_and_check(lambda text: set(re.findall(r"/besoin-d-aide/assistance/repondre/([^/\s]+)/", text)))

    assert tokens and all(ticket_from_reply_token(token=token) == ticket for token in tokens)
    assert len([m for m in mail.outbox if m.to == ["claire.durand@boulangerie.fr"]]) == 2


def test_the_delivered_wording_is_the_templates_own(settings):
    """The placeholders change nothing of what is delivered: the same bytes as the templates rendered with the
    secret itself, HTML-escaped in the HTML part as the template would have."""
    user = UserFactory(prenom="Gérard", nom="Menuça")
    secrets = {"password": "a<b&c\"d'e]f", "link": "https://apart.example/mot-de-passe/reinitialiser/a&b<c/"}
    for kind in ["mot_de_passe", "reinitialisation_mot_de_passe", "courriel_confirmation"]:
        context = {"user": user, "site_url": settings.SITE_URL, "support_email": settings.SUPPORT_EMAIL}
        email = email_enqueue(kind=kind, to="gerard@example.fr", context=context, secrets=secrets)

        message = delivered(email)

        full = {**context, **secrets}
        assert message.body == render_to_string(f"emails/{kind}_message.txt", full).strip() + "\n"
        if kind != "courriel_confirmation":
            assert message.alternatives[0].content == render_to_string(f"emails/{kind}_message.html", full)
        email.refresh_from_db()
        assert (email.status, email.secrets_sealed) == (OutboxStatus.SENT, "")


def test_an_unreadable_secret_fails_the_row_without_sending_a_placeholder(settings):
    email = email_enqueue(
        kind="mot_de_passe", to="gerard@example.fr", context={"user": UserFactory()}, secrets={"password": "Ab1;x"}
    )
    settings.SECRETBOX_KEY = "une autre clé"

    outbox_send_pending(due_only=False)

    email.refresh_from_db()
    assert email.status == OutboxStatus.FAILED
    assert "Secret illisible" in email.last_error
    assert mail.outbox == []


@pytest.fixture
def admin_client(client):
    two_factor_login(
        client,
        user_create(
            identifiant="agent.asp", courriel="agent@asp.example", nom="ASP", prenom="Agent", is_superuser=True
        ),
    )
    return client


def test_the_admin_shows_the_bodies_with_the_secrets_masked(admin_client):
    user = UserFactory(identifiant="gerard.menuca1", courriel="gerard@example.fr")
    user.set_secret_answer("Rex")
    user.save()
    recovery_answer(
        challenge=recovery_start(flow="password", typed="gerard.menuca1", ip_address="127.0.0.1"),
        answer="Rex",
        ip_address="127.0.0.1",
    )
    email = OutboxEmail.objects.get(kind="reinitialisation_mot_de_passe")

    pending_page = admin_client.get(reverse("admin:outbox_outboxemail_change", args=[email.pk])).content.decode()
    outbox_send_pending(due_only=False)
    token = urlsplit(re.search(r"http://\S+", mail.outbox[0].body).group(0)).path.split("/")[-2]
    sent_page = admin_client.get(reverse("admin:outbox_outboxemail_change", args=[email.pk])).content.decode()
    list_page = admin_client.get(reverse("admin:outbox_outboxemail_changelist")).content.decode()

    for page in (pending_page, sent_page):
        assert f"Cliquez ici pour réinitialiser votre mot de passe : {MASK}" in page
        assert token not in page and "[[secret:" not in page
    assert "Réinitialisation de votre mot de passe" in list_page and token not in list_page


def test_the_dev_mailbox_masks_the_secrets_too(client, settings):
    settings.DEBUG = True
    email = email_enqueue(
        kind="mot_de_passe", to="gerard@example.fr", context={"user": UserFactory()}, secrets={"password": "Ab1;xyz"}
    )

    detail = client.get(f"/dev/courriels/{email.pk}/").content.decode()
    html = client.get(f"/dev/courriels/{email.pk}/html/").content.decode()

    assert f"[{MASK}]" in detail and f"[{MASK}]" in html
    assert "Ab1;xyz" not in detail + html


def test_the_migration_seals_the_secrets_of_the_rows_written_before(settings):
    """Rows written in clear by the previous version: a sent one loses its secret, a pending one keeps it sealed
    and is still delivered whole."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("apart.outbox.migrations.0003_outbox_seal_existing_secrets")
    link = f"{settings.SITE_URL}/mot-de-passe/reinitialiser/Zx-9_token/"
    fields = {"from_email": settings.DEFAULT_FROM_EMAIL, "subject": "s", "to": "gerard@example.fr"}
    sent = OutboxEmail.objects.create(
        kind="reinitialisation_mot_de_passe",
        body_text=f"Cliquez ici pour réinitialiser votre mot de passe : {link}\n",
        body_html=f'<a href="{link}">{link}</a>',
        status=OutboxStatus.SENT,
        sent_at=timezone.now(),
        **fields,
    )
    pending = OutboxEmail.objects.create(
        kind="mot_de_passe",
        body_text="Voici votre nouveau mot de passe de connexion : [a<b&c]\n",
        body_html="<code>[a&lt;b&amp;c]</code>",
        **fields,
    )

    migration.seal_existing_secrets(apps, None)

    assert_nowhere_in_the_outbox(link, "a<b&c", "Zx-9_token")
    sent.refresh_from_db()
    assert sent.secrets_sealed == "" and sent.body_text.startswith("Cliquez ici")
    assert delivered(pending).body == "Voici votre nouveau mot de passe de connexion : [a<b&c]\n"
    assert mail.outbox[0].alternatives[0].content == "<code>[a&lt;b&amp;c]</code>"
