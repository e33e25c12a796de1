"""The operation of the recovery forms: « Veuillez résoudre l'opération suivante : 8 + 4 = »."""

import secrets


def addition_challenge() -> tuple[str, str]:
    """An addition of two digits and its result, for django-simple-captcha (its own math challenge mixes
    operators at random)."""
    first, second = 1 + secrets.randbelow(9), 1 + secrets.randbelow(9)
    return f"{first} + {second} =", str(first + second)
