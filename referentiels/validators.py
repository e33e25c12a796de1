from django.core.exceptions import ValidationError
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren, siret

# Checked by the database too (CheckConstraint on every table that stores a SIRET).
SIRET_REGEX = r"^[0-9]{14}$"
SIREN_REGEX = r"^[0-9]{9}$"


def clean_siret(value: str) -> str:
    """The SIRET without spaces (users type it as 732 829 320 00074)."""
    return siret.compact(value or "")


def validate_siret(value: str) -> None:
    """14 digits and a valid Luhn key (python-stdnum knows La Poste's exception)."""
    try:
        siret.validate(value)
    except (InvalidLength, InvalidFormat):
        raise ValidationError("Le numéro de Siret doit comporter 14 chiffres.", code="siret_format") from None
    except InvalidChecksum:
        raise ValidationError(
            "Le numéro de Siret n'est pas valide (clé de contrôle erronée).", code="siret_key"
        ) from None
    except StdnumError:
        raise ValidationError("Le numéro de Siret n'est pas valide.", code="siret_invalid") from None


def validate_siren(value: str) -> None:
    try:
        siren.validate(value)
    except (InvalidLength, InvalidFormat):
        raise ValidationError("Le numéro de Siren doit comporter 9 chiffres.", code="siren_format") from None
    except StdnumError:
        raise ValidationError("Le numéro de Siren n'est pas valide.", code="siren_invalid") from None


__all__ = ["SIREN_REGEX", "SIRET_REGEX", "clean_siret", "validate_siren", "validate_siret"]
