"""Secrets in e-mails: the stored bodies hold a placeholder where a secret goes; the value travels sealed.

A placeholder carries a random nonce of its row, so text typed by a user (a ticket's description) can never be
taken for one and receive a secret.
"""

from __future__ import annotations

import json
import re
import secrets as random

from django.utils.html import escape

from apart.secretbox import seal, unseal

MASK = "•••• (masqué)"
_PLACEHOLDER = re.compile(r"\[\[secret:[0-9a-f]{16}:\w+\]\]")


def new_nonce() -> str:
    return random.token_hex(8)


def placeholder(nonce: str, name: str) -> str:
    return f"[[secret:{nonce}:{name}]]"


def secrets_seal(nonce: str, values: dict[str, str]) -> str:
    return seal(json.dumps({"nonce": nonce, "values": values})) if values else ""


def secrets_fill(sealed: str, *texts: str, html: tuple[bool, ...]) -> list[str]:
    """`texts` with their placeholders replaced by the sealed values (HTML-escaped where `html` says so, as the
    template's autoescaping would have). Raises apart.secretbox.SecretUnreadable."""
    if not sealed:
        return list(texts)
    data = json.loads(unseal(sealed))
    filled = []
    for text, is_html in zip(texts, html, strict=True):
        for name, value in data["values"].items():
            text = text.replace(placeholder(data["nonce"], name), escape(value) if is_html else value)
        filled.append(text)
    return filled


def secrets_mask(text: str) -> str:
    """What staff may read of a stored body: every placeholder shown as masked."""
    return _PLACEHOLDER.sub(MASK, text)
