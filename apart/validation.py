"""Input checks shared by every form of the service, with the seeds' messages."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .normalization import normalize_courriel

PHONE_INVALID = "Veuillez saisir un numéro valide."
EMAIL_INVALID = "L'adresse électronique est invalide."

# Metropolitan France first, then the overseas departments and collectivities (DOM-COM).
PHONE_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF")

NAME_PATTERN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿŒœ' \-]+$")
ADDRESS_PATTERN = re.compile(r"^[0-9A-Za-zÀ-ÖØ-öø-ÿŒœ'’ \-,./°()]+$")
DENOMINATION_PATTERN = re.compile(r"^[^<>{}\[\]\\|~^`$\"]+$")


def clean_phone(value: str) -> str:
    """A French or overseas number, returned in its national format (01 02 03 04 05)."""
    value = (value or "").strip()
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) in PHONE_REGIONS:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    raise ValidationError(PHONE_INVALID, code="phone")


def clean_courriel(value: str) -> str:
    """Accents replaced (é → e) and lower-cased, as the seeds describe, then checked."""
    value = normalize_courriel(value or "")
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(EMAIL_INVALID, code="email") from None
    return value


def check_characters(value: str, *, label: str, pattern: re.Pattern) -> str:
    value = " ".join((value or "").split())
    if value and not pattern.match(value):
        raise ValidationError(f"Le champ {label} contient des caractères non autorisés.", code="characters")
    return value
