"""Form pieces shared by every app: the French messages, the DSFR widgets, and the fields checked the same way
everywhere (names, phones, courriels, addresses)."""

from django import forms

from .validation import (
    ADDRESS_PATTERN,
    DENOMINATION_PATTERN,
    NAME_PATTERN,
    check_characters,
    clean_courriel,
    clean_phone,
)

REQUIRED = "Ce champ est obligatoire."
REQUIRED_MISSING = "Tous les champs obligatoires (marqués d'un *) ne sont pas renseignés."


def max_length_message(label: str, max_length: int) -> str:
    return f"Le champ {label} est limité à {max_length} caractères."


def add_errors(form: forms.Form, errors: dict[str, str]) -> None:
    """A service's {field: French message} next to each field of `form`; a field the form lacks, above it."""
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)


class RequiredFieldsMessageMixin:
    """The seeds' banner when any required field is empty, beside each field's own error."""

    def clean(self):
        cleaned_data = super().clean()
        if any(error.code == "required" for errors in self.errors.as_data().values() for error in errors):
            raise forms.ValidationError(REQUIRED_MISSING, code="required_missing")
        return cleaned_data


class TextField(forms.CharField):
    """A DSFR text input with the French messages; `attrs` go to the input (type, autocomplete, inputmode…)."""

    input_type = "text"

    def __init__(self, *, label, max_length=None, attrs=None, widget=None, **kwargs):
        attrs = {
            "class": "fr-input",
            **({"type": self.input_type} if self.input_type != "text" else {}),
            **(attrs or {}),
        }
        if max_length:
            attrs.setdefault("maxlength", max_length)
        super().__init__(
            label=label,
            max_length=max_length,
            widget=widget or forms.TextInput(attrs=attrs),
            **kwargs,
        )
        self.error_messages["required"] = REQUIRED
        if max_length:
            self.error_messages["max_length"] = max_length_message(label, max_length)

    def clean(self, value):
        value = super().clean(value)
        return self.normalize(value) if value else value

    def normalize(self, value: str) -> str:
        return value


class NameField(TextField):
    """A person's nom or prénom: letters, spaces, hyphens and apostrophes."""

    def normalize(self, value):
        return check_characters(value, label=self.label, pattern=NAME_PATTERN)


class DenominationField(TextField):
    def normalize(self, value):
        return check_characters(value, label=self.label, pattern=DENOMINATION_PATTERN)


class AddressField(TextField):
    def normalize(self, value):
        return check_characters(value, label=self.label, pattern=ADDRESS_PATTERN)


class PhoneField(TextField):
    """A French or overseas number, kept in its national format (01 02 03 04 05)."""

    input_type = "tel"

    def normalize(self, value):
        return clean_phone(value)


class CourrielField(TextField):
    """An e-mail address, accents replaced and lower-cased (the seeds), then checked."""

    input_type = "email"

    def normalize(self, value):
        return clean_courriel(value)
