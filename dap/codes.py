"""Numbers people read (DAP-2026-000001) and the code DI they type."""

import secrets

from django.db.models import F
from stdnum import luhn

from .models import Compteur

# No 0/O, 1/I/L, nor U (read as V): a code DI is copied from a décision by hand as often as pasted. 30 characters:
# Luhn mod N catches every single wrong character only for an even N.
CODE_DI_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_DI_LENGTH = 10  # 9 random characters (30⁹ ≈ 2 × 10¹³) and a Luhn mod 30 check character


def numero_suivant(*, prefixe: str, annee: int) -> str:
    """ "<prefixe>-<année>-<séquence de 6 chiffres>", the sequence per prefix and year. Call inside a transaction:
    the counter's row stays locked until it commits, so two requests never get the same number."""
    nom = f"{prefixe}-{annee}"
    Compteur.objects.get_or_create(nom=nom)
    Compteur.objects.filter(nom=nom).update(valeur=F("valeur") + 1)
    valeur = Compteur.objects.values_list("valeur", flat=True).get(nom=nom)
    return f"{nom}-{valeur:06d}"


def code_di_nouveau() -> str:
    body = "".join(secrets.choice(CODE_DI_ALPHABET) for _ in range(CODE_DI_LENGTH - 1))
    return body + luhn.calc_check_digit(body, alphabet=CODE_DI_ALPHABET)


def code_di_normalise(value: str) -> str:
    """What a person typed (spaces, dashes, lower case) in the stored form; not checked."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def code_di_est_valide(value: str) -> bool:
    """A typed code DI whose check character agrees (a typo in one character, or two swapped, is caught)."""
    code = code_di_normalise(value)
    if len(code) != CODE_DI_LENGTH or any(ch not in CODE_DI_ALPHABET for ch in code):
        return False
    return luhn.is_valid(code, alphabet=CODE_DI_ALPHABET)
