"""Text normalisations shared by accounts: secret answers and e-mail addresses."""

import unicodedata


def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize_secret_answer(answer: str) -> str:
    """Secret answers are compared without accents, case or extra spaces."""
    return " ".join(strip_accents(answer).casefold().split())


def normalize_courriel(courriel: str) -> str:
    """The seeds: accents in e-mail addresses are replaced (é → e) and the address lower-cased."""
    return strip_accents(courriel.strip()).lower()
