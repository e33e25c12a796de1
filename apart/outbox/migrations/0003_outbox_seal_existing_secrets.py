"""Rows written before secrets were sealed hold them in clear: each is replaced by a placeholder; a row still to
send (pending, failed) keeps it sealed for the sending, a sent row loses it."""

import re

from django.db import migrations
from django.utils.html import escape

SECRETS = {
    "mot_de_passe": [("password", re.compile(r"Voici votre nouveau mot de passe de connexion : \[(.+)\]"))],
    "reinitialisation_mot_de_passe": [("link", re.compile(r"(https?://\S+/mot-de-passe/reinitialiser/[^/\s]+/)"))],
    "courriel_confirmation": [("link", re.compile(r"(https?://\S+/mon-compte/courriel/confirmer/[^/\s]+/)"))],
    "ticket_accuse_reception": [
        ("reply_url", re.compile(r"(https?://\S+/besoin-d-aide/assistance/repondre/[^/\s]+/)"))
    ],
    "ticket_reponse": [("reply_url", re.compile(r"(https?://\S+/besoin-d-aide/assistance/repondre/[^/\s]+/)"))],
}


def seal_existing_secrets(apps, schema_editor):
    from apart.outbox.placeholders import new_nonce, placeholder, secrets_seal

    OutboxEmail = apps.get_model("outbox", "OutboxEmail")
    for email in OutboxEmail.objects.filter(kind__in=SECRETS, secrets_sealed="").iterator():
        nonce, values = new_nonce(), {}
        for name, pattern in SECRETS[email.kind]:
            match = pattern.search(email.body_text)
            if match is None:
                continue
            values[name] = match.group(1)
            email.body_text = email.body_text.replace(match.group(1), placeholder(nonce, name))
            email.body_html = email.body_html.replace(escape(match.group(1)), placeholder(nonce, name))
        if values:
            email.secrets_sealed = "" if email.status == "sent" else secrets_seal(nonce, values)
            email.save(update_fields=["body_text", "body_html", "secrets_sealed"])


class Migration(migrations.Migration):
    dependencies = [("outbox", "0002_outbox_claim_and_sealed_secrets")]

    operations = [migrations.RunPython(seal_existing_secrets, migrations.RunPython.noop)]
