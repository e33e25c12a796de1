"""Identifiants and temporary passwords, as the ASP issues them."""

import re
import secrets

from django.contrib.auth.hashers import check_password, make_password

from apart.normalization import strip_accents

# No look-alike characters (0/O/o, 1/l/I) in a password a person copies from an e-mail.
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_SPECIAL = ",?;:%#!*-+="
TEMPORARY_PASSWORD_LENGTH = 12


def identifiant_base(*, prenom: str, nom: str) -> str:
    """prénom.nom in lower-case ASCII, accents, spaces and punctuation removed (Gérard Menuça → gerard.menuca)."""

    def part(value: str) -> str:
        return re.sub(r"[^a-z0-9]", "", strip_accents(value).lower())

    return ".".join(filter(None, (part(prenom), part(nom)))) or "utilisateur"


def identifiant_candidates(base: str):
    """gerard.menuca, then gerard.menuca1, gerard.menuca2…"""
    yield base
    number = 1
    while True:
        yield f"{base}{number}"
        number += 1


def temporary_password_generate() -> str:
    """12 characters with at least one lower-case letter, upper-case letter, digit and special character."""
    alphabet = _LOWER + _UPPER + _DIGITS + _SPECIAL
    required = [secrets.choice(pool) for pool in (_LOWER, _UPPER, _DIGITS, _SPECIAL)]
    rest = [secrets.choice(alphabet) for _ in range(TEMPORARY_PASSWORD_LENGTH - len(required))]
    characters = required + rest
    secrets.SystemRandom().shuffle(characters)
    return "".join(characters)


def identifiant_mask(identifiant: str) -> str:
    """gerard.menuca1 → g*****.m*****1: enough to recognise one's own account, not to learn another's."""

    def mask(part: str) -> str:
        digits = re.search(r"\d*$", part).group()
        letters = part[: len(part) - len(digits)]
        return (letters[:1] + "*****" if letters else "") + digits

    return ".".join(mask(part) for part in identifiant.split("."))


def normalize_secret_answer(answer: str) -> str:
    """Secret answers are compared without accents, case or extra spaces."""
    return " ".join(strip_accents(answer).casefold().split())


def secret_answer_hash(answer: str) -> str:
    """A secret answer is stored as a password is: hashed (Argon2 in production)."""
    return make_password(normalize_secret_answer(answer))


def secret_answer_matches(answer: str, encoded: str) -> bool:
    """Always one hash, even without a stored answer (Django's check_password then hashes a random value)."""
    return check_password(normalize_secret_answer(answer), encoded or "")
