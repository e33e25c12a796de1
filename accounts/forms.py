from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from apart.validation import NAME_PATTERN, check_characters, clean_courriel, clean_phone

from .models import User
from .selectors import apart_access

EMAIL_INSTEAD_OF_IDENTIFIANT = "Ne pas saisir d'adresse de messagerie"
WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."
REQUIRED = "Ce champ est obligatoire."


class LoginForm(forms.Form):
    """MON ESPACE PERSONNEL: identifiant and password, then the APART habilitation of the day."""

    username = forms.CharField(label="Identifiant", max_length=150, error_messages={"required": REQUIRED})
    password = forms.CharField(
        label="Mot de passe", strip=False, widget=forms.PasswordInput, error_messages={"required": REQUIRED}
    )

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if "@" in username:  # refused before any password is checked
            raise forms.ValidationError(EMAIL_INSTEAD_OF_IDENTIFIANT, code="email_instead_of_identifiant")
        return username

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if self.errors or not username or not password:
            return self.cleaned_data
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            raise forms.ValidationError(WRONG_CREDENTIALS, code="invalid_login")
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def confirm_login_allowed(self, user):
        if not user.is_active:
            raise forms.ValidationError(WRONG_CREDENTIALS, code="inactive")
        if user.must_change_password and user.password_expires_at and user.password_expires_at < timezone.now():
            raise forms.ValidationError(
                format_html(
                    "Votre mot de passe provisoire a expiré (il était valable 30 jours). "
                    'Utilisez « <a href="{}">J\'ai oublié mon mot de passe</a> » pour en choisir un nouveau.',
                    reverse("accounts:forgotten_password"),
                ),
                code="temporary_password_expired",
            )
        access = apart_access(user=user)
        if access.allowed:
            return
        if access.reason == "future":
            message = format_html(
                "Votre habilitation à l'extranet Activité Partielle est activée à compter du {}. "
                "Les usagers ne peuvent se connecter qu'après qu'ils aient reçu le courriel de création "
                "d'habilitation et à compter de la date précisée.",
                access.date.strftime("%d/%m/%Y"),
            )
        elif access.reason == "expired":
            message = format_html(
                "Votre habilitation à l'extranet Activité Partielle a expiré le {}. Pour la renouveler, "
                'envoyez une <a href="{}?motif=habilitation">demande d\'assistance</a> avec le motif '
                "« Habilitation à l'extranet ».",
                access.date.strftime("%d/%m/%Y"),
                reverse("support:assistance"),
            )
        else:
            message = format_html(
                "Votre compte ASP n'est pas encore habilité à l'extranet Activité Partielle. Les identifiants "
                "d'un autre extranet de l'ASP (SYLAé, APEA…) ne fonctionnent pas sans cette étape : vous devez "
                'd\'abord faire « <a href="{}">CRÉER MON ESPACE</a> » pour votre établissement.',
                reverse("habilitations:create_space"),
            )
        raise forms.ValidationError(message, code=f"habilitation_{access.reason}")

    def get_user(self):
        return self.user_cache


class FirstLoginPasswordForm(PasswordChangeForm):
    """« Changement du mot de passe pour <identifiant> »."""

    error_messages = {
        "password_incorrect": "L'ancien mot de passe saisi est incorrect.",
        "password_mismatch": "Les mots de passe ne correspondent pas",
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = "Entrez l'ancien mot de passe"
        self.fields["new_password1"].label = "Entrez le nouveau mot de passe"
        self.fields["new_password2"].label = "Confirmez le nouveau mot de passe"
        for field in self.fields.values():
            field.error_messages["required"] = REQUIRED
            field.widget.attrs["class"] = "fr-input"
            field.help_text = ""
        self.fields["old_password"].widget.attrs["autofocus"] = True

    def validate_password_for_user(self, user, password_field_name="new_password1"):
        # A rule broken by the new password is said under "Entrez le nouveau mot de passe", not its confirmation.
        if not self.has_error("new_password2", code="password_mismatch"):
            super().validate_password_for_user(user, password_field_name="new_password1")

    @staticmethod
    def policy() -> list[str]:
        return password_validation.password_validators_help_texts()


class _CurrentPasswordMixin:
    """Changing what protects the account asks for its current password."""

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("Le mot de passe saisi est incorrect.", code="password_incorrect")
        return password


def _input(label, **attrs):
    return forms.CharField(
        label=label,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input", **attrs}),
    )


def _password(label, autocomplete="current-password"):
    return forms.CharField(
        label=label,
        strip=False,
        error_messages={"required": REQUIRED},
        widget=forms.PasswordInput(attrs={"class": "fr-input", "autocomplete": autocomplete}),
    )


class CourrielChangeForm(_CurrentPasswordMixin, forms.Form):
    courriel = _input("Nouveau courriel", type="email", autocomplete="email")
    courriel_confirm = _input("Confirmer le nouveau courriel", type="email", autocomplete="off")
    current_password = _password("Mot de passe actuel")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_courriel(self):

        courriel = clean_courriel(self.cleaned_data["courriel"])

        if User.objects.with_courriel(courriel).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError("Ce courriel est déjà celui d'un autre compte ASP.", code="taken")
        if courriel == self.user.courriel:
            raise forms.ValidationError("C'est déjà le courriel de votre compte.", code="same")
        return courriel

    def clean(self):
        cleaned_data = super().clean()

        confirmation = cleaned_data.get("courriel_confirm")
        if cleaned_data.get("courriel") and confirmation:
            try:
                confirmation = clean_courriel(confirmation)
            except forms.ValidationError:
                confirmation = None
            if confirmation != cleaned_data["courriel"]:
                self.add_error("courriel_confirm", "Les champs Courriel et Confirmer courriel ne sont pas identiques.")
        return cleaned_data


class SecretQuestionChangeForm(_CurrentPasswordMixin, forms.Form):
    secret_question = forms.CharField(
        label="Question secrète",
        max_length=255,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input"}),
    )
    secret_answer = forms.CharField(
        label="Réponse",
        max_length=100,
        min_length=2,
        error_messages={"required": REQUIRED, "min_length": "La réponse doit comporter au moins 2 caractères."},
        widget=forms.TextInput(attrs={"class": "fr-input", "autocomplete": "off"}),
    )
    current_password = _password("Mot de passe actuel")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class ProfileForm(forms.Form):
    nom = _input("Nom", autocomplete="family-name")
    prenom = _input("Prénom", autocomplete="given-name")
    telephone = _input("Téléphone", type="tel", autocomplete="tel")

    def clean_nom(self):

        return check_characters(self.cleaned_data["nom"], label="Nom", pattern=NAME_PATTERN)

    def clean_prenom(self):

        return check_characters(self.cleaned_data["prenom"], label="Prénom", pattern=NAME_PATTERN)

    def clean_telephone(self):

        return clean_phone(self.cleaned_data["telephone"])


# --- Credential recovery -------------------------------------------------------------------------

CAPTCHA_WRONG = "Le captcha n'a pas été entré correctement. Essayez à nouveau."
EMAIL_NOT_ALLOWED = "Opération impossible pour ce type d'utilisateur"


class MathCaptchaWidget(CaptchaTextInput):
    template_name = "accounts/captcha_math_widget.html"


def math_captcha_field() -> CaptchaField:
    """« Veuillez résoudre l'opération suivante : 8 + 4 = » (django-simple-captcha, an addition)."""
    return CaptchaField(
        label="Veuillez résoudre l'opération suivante",
        generator="accounts.captcha.addition_challenge",
        widget=MathCaptchaWidget(
            generator="accounts.captcha.addition_challenge",
            attrs={"class": "fr-input", "inputmode": "numeric", "autocomplete": "off"},
        ),
        error_messages={"invalid": CAPTCHA_WRONG, "required": REQUIRED},
    )


class ForgottenPasswordForm(forms.Form):
    identifiant = forms.CharField(
        label="Identifiant",
        max_length=150,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input", "autocomplete": "username", "autocapitalize": "none"}),
    )
    captcha = math_captcha_field()

    def clean_identifiant(self):
        identifiant = self.cleaned_data["identifiant"].strip()
        if "@" in identifiant:
            raise forms.ValidationError(EMAIL_NOT_ALLOWED, code="email_instead_of_identifiant")
        return identifiant


class ForgottenIdentifiantForm(forms.Form):
    courriel = forms.CharField(
        label="Courriel",
        max_length=254,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input", "type": "email", "autocomplete": "email"}),
    )
    captcha = math_captcha_field()

    def clean_courriel(self):
        return clean_courriel(self.cleaned_data["courriel"])


class SecretAnswerForm(forms.Form):
    answer = forms.CharField(
        label="Réponse secrète",
        max_length=100,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input", "autocomplete": "off"}),
    )


class RecoveryCaptchaWidget(CaptchaTextInput):
    template_name = "habilitations/captcha_widget.html"  # the image code with its "Nouveau code" button


class PasswordResetForm(forms.Form):
    """« GESTION DU MOT DE PASSE » : the new password, through the e-mailed token."""

    new_password1 = forms.CharField(
        label="Nouveau mot de passe",
        strip=False,
        error_messages={"required": REQUIRED},
        widget=forms.PasswordInput(attrs={"class": "fr-input", "autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Confirmation",
        strip=False,
        error_messages={"required": REQUIRED},
        widget=forms.PasswordInput(attrs={"class": "fr-input", "autocomplete": "new-password"}),
    )
    captcha = CaptchaField(
        label="Recopier le code ci-contre",
        widget=RecoveryCaptchaWidget(attrs={"class": "fr-input", "autocomplete": "off", "autocapitalize": "none"}),
        error_messages={"invalid": CAPTCHA_WRONG, "required": REQUIRED},
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        first, second = cleaned_data.get("new_password1"), cleaned_data.get("new_password2")
        if first and second and first != second:
            self.add_error(
                "new_password2", forms.ValidationError("Les mots de passe ne correspondent pas", code="mismatch")
            )
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return cleaned_data

    @staticmethod
    def policy() -> list[str]:
        return password_validation.password_validators_help_texts()
