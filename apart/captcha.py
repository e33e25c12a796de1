"""The two security checks of the public forms (django-simple-captcha), each with an alternative to its image.

- The image code (CRÉER MON ESPACE, the assistance form): « Recopier le code ci-contre », with a "Nouveau code"
  button and, where Debian's `flite` is installed (CAPTCHA_FLITE_PATH), the code read aloud (RGAA 1.5).
- The operation (the credential recovery): « Veuillez résoudre l'opération suivante : 8 + 4 = », written as text in
  the field's label, so that a screen reader reads it; the server still checks the answer against its store.
"""

import secrets

from captcha.fields import CaptchaField, CaptchaTextInput
from captcha.models import CaptchaStore
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.functional import lazy

from .forms import REQUIRED

CODE_LABEL = "Recopier le code ci-contre"
CODE_INVALID = "Le code de sécurité saisi est incorrect. Un nouveau code vous est proposé : recopiez-le."
OPERATION_LABEL = "Veuillez résoudre l'opération suivante"
OPERATION_INVALID = "Le résultat de l'opération est incorrect. Une nouvelle opération vous est proposée : résolvez-la."
OPERATION_GENERATOR = "apart.captcha.addition_challenge"

_ANSWER_ATTRS = {"class": "fr-input", "autocomplete": "off", "autocapitalize": "none"}


def addition_challenge() -> tuple[str, str]:
    """An addition of two digits and its result (django-simple-captcha's own math challenge mixes operators)."""
    first, second = 1 + secrets.randbelow(9), 1 + secrets.randbelow(9)
    return f"{first} + {second} =", str(first + second)


class AtomicCaptchaField(CaptchaField):
    """The answer is consumed by one `DELETE … WHERE hashkey = … AND response = …`, whose row count decides.

    django-simple-captcha reads the store, then deletes it: two submissions of the same answer at the same moment
    both read it and both pass. Here only the statement that deletes the row passes; a wrong answer still voids
    the challenge (one attempt per challenge).
    """

    def clean(self, value):
        if settings.CAPTCHA_TEST_MODE:
            return super().clean(value)
        forms_clean = super(CaptchaField, self).clean  # MultiValueField: required and the widget's two values
        forms_clean(value)
        key, response = value[0], (value[1] or "").strip().lower()
        value[1] = ""
        CaptchaStore.remove_expired()
        live = CaptchaStore.objects.filter(hashkey=key, expiration__gt=timezone.now())
        consumed, _ = live.filter(response=response).delete() if response else (0, {})
        if not consumed:
            CaptchaStore.objects.filter(hashkey=key).delete()
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


# --- The image code ------------------------------------------------------------------------------------


class CodeCaptchaWidget(CaptchaTextInput):
    """The image, its "Nouveau code" button and, when flite is installed, its audio version."""

    template_name = "apart/captcha_code_widget.html"


def code_captcha_field() -> CaptchaField:
    return AtomicCaptchaField(
        label=CODE_LABEL,
        widget=CodeCaptchaWidget(attrs=_ANSWER_ATTRS),
        error_messages={"invalid": CODE_INVALID, "required": REQUIRED},
    )


# --- The operation, as text ------------------------------------------------------------------------------


class OperationCaptchaWidget(CaptchaTextInput):
    """Draws its operation once per form, so that the label and the hidden key agree whichever renders first."""

    template_name = "apart/captcha_operation_widget.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={**_ANSWER_ATTRS, "inputmode": "numeric"}, generator=OPERATION_GENERATOR)
        self._drawn: tuple[str, str] | None = None

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy._drawn = None  # every form draws its own operation
        return copy

    def draw(self) -> tuple[str, str]:
        """(key, operation) of this form's challenge."""
        if self._drawn is None:
            key = CaptchaStore.generate_key(OPERATION_GENERATOR)
            self._drawn = (key, CaptchaStore.objects.get(hashkey=key).challenge)
        return self._drawn

    def fetch_captcha_store(self, name, value, attrs=None, generator=None):
        key, _operation = self.draw()
        self._value = [key, ""]
        self._key = key
        self.id_ = self.build_attrs(attrs).get("id", None)


class OperationBoundField(BoundField):
    """The label carries the operation: « Veuillez résoudre l'opération suivante : 8 + 4 = »."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        widget = field.widget
        self.label = lazy(lambda: f"{OPERATION_LABEL} : {widget.draw()[1]}", str)()


def operation_captcha_field() -> CaptchaField:
    return AtomicCaptchaField(
        label=OPERATION_LABEL,
        label_suffix="",  # the label ends with the operation's « = »
        widget=OperationCaptchaWidget(),
        error_messages={"invalid": OPERATION_INVALID, "required": REQUIRED},
        bound_field_class=OperationBoundField,
    )
