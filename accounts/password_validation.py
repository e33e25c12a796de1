"""The service's one password policy: one validator per rule, each with its own French message.

The messages are those of LDAP Tool Box Self Service Password, which the real extranet uses; the help texts
are the policy lines its "GESTION DU MOT DE PASSE" screen lists.
"""

import re
import unicodedata

from django.contrib.auth.password_validation import CommonPasswordValidator as DjangoCommonPasswordValidator
from django.core.exceptions import ValidationError

SPECIAL_CHARACTERS_EXAMPLES = ",?;:%#"


class MinimumLengthValidator:
    def __init__(self, min_length=8):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError("Votre mot de passe est trop court", code="password_too_short")

    def get_help_text(self):
        return f"Nombre minimum de caractères : {self.min_length}"


class _CountValidator:
    pattern: re.Pattern
    message: str
    help_label: str
    code: str

    def __init__(self, minimum=1):
        self.minimum = minimum

    def validate(self, password, user=None):
        if len(self.pattern.findall(password)) < self.minimum:
            raise ValidationError(self.message, code=self.code)

    def get_help_text(self):
        return f"{self.help_label} : {self.minimum}"


class LowercaseValidator(_CountValidator):
    pattern = re.compile(r"[a-z]")
    message = "Votre mot de passe n'a pas assez de minuscules"
    help_label = "Nombre minimum de minuscules"
    code = "password_no_lower"


class UppercaseValidator(_CountValidator):
    pattern = re.compile(r"[A-Z]")
    message = "Votre mot de passe n'a pas assez de majuscules"
    help_label = "Nombre minimum de majuscules"
    code = "password_no_upper"


class DigitValidator(_CountValidator):
    pattern = re.compile(r"[0-9]")
    message = "Votre mot de passe n'a pas assez de chiffres"
    help_label = "Nombre minimum de chiffres"
    code = "password_no_digit"


class SpecialCharacterValidator(_CountValidator):
    pattern = re.compile(r"[^A-Za-z0-9\s]")
    message = "Votre mot de passe n'a pas assez de caractères spéciaux"
    help_label = f"Nombre minimum de caractères spéciaux (exemples : {SPECIAL_CHARACTERS_EXAMPLES})"
    code = "password_no_special"

    def validate(self, password, user=None):
        # Accented letters are refused by their own rule, not counted as special characters.
        plain = "".join(char for char in password if not _is_accented(char))
        super().validate(plain, user)


def _is_accented(char: str) -> bool:
    return any(unicodedata.combining(part) for part in unicodedata.normalize("NFD", char))


class NoAccentValidator:
    def validate(self, password, user=None):
        if any(_is_accented(char) for char in password):
            raise ValidationError("Votre mot de passe contient des caractères interdits", code="password_accent")

    def get_help_text(self):
        return "Les caractères accentués ne sont pas autorisés"


class DifferentFromIdentifiantValidator:
    def validate(self, password, user=None):
        identifiant = getattr(user, "identifiant", "") or ""
        if identifiant and password.casefold() == identifiant.casefold():
            raise ValidationError(
                "Votre mot de passe est identique à votre identifiant", code="password_is_identifiant"
            )

    def get_help_text(self):
        return "Votre nouveau mot de passe ne doit pas être identique à votre identifiant"


class DifferentFromOldPasswordValidator:
    def validate(self, password, user=None):
        # Only an existing account has an old password (a user being created has none usable).
        if user is not None and user.pk and user.has_usable_password() and user.check_password(password):
            raise ValidationError("Votre nouveau mot de passe est identique à l'ancien", code="password_same_as_old")

    def get_help_text(self):
        return "Votre nouveau mot de passe ne doit pas être identique à l'ancien"


class CommonPasswordValidator(DjangoCommonPasswordValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError("Votre mot de passe est trop courant", code="password_too_common") from None

    def get_help_text(self):
        return "Votre mot de passe ne doit pas figurer parmi les mots de passe les plus courants"
