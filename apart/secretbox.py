"""Secrets kept only as long as they are needed (a reset link until its e-mail is sent, an activation code until
its letter is printed): encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`).

The key is `SECRETBOX_KEY` when set (any string; rotate it by adding the new one first: the first key of the
comma-separated list encrypts, every key decrypts), derived otherwise from SECRET_KEY. A value that can no longer
be decrypted (key rotated away, row tampered with) raises `SecretUnreadable`: callers treat it as gone.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    pass


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in (settings.SECRETBOX_KEY or settings.SECRET_KEY).split(",") if key.strip()]
    # Any string becomes a 32-byte Fernet key; a distinct label so the key is not SECRET_KEY's own hash.
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"apart.secretbox:" + key.encode()).digest())) for key in keys]
    )


def seal(plaintext: str) -> str:
    """The encrypted form of `plaintext`, as text (safe for a TextField)."""
    return _fernet().encrypt(plaintext.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable from exc
