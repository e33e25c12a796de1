"""Text normalisations shared by every app: accents and e-mail addresses."""

import unicodedata


def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize_courriel(courriel: str) -> str:
    """The seeds: accents in e-mail addresses are replaced (é → e) and the address lower-cased."""
    return strip_accents(courriel.strip()).lower()


def french_sort_key(value: str) -> tuple[str, str]:
    """Alphabetical order as in a French dictionary: accents and case second (Écart between Domaine and Esplanade)."""
    return strip_accents(value).casefold(), value
