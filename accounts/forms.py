from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from apart.captcha import operation_captcha_field
from apart.forms import REQUIRED, CourrielField, NameField, PhoneField, TextField
from apart.validation import clean_courriel

from .models import User
from .secret_questions import secret_question_field

EMAIL_INSTEAD_OF_IDENTIFIANT = "Ne pas saisir d'adresse de messagerie"
WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."


def _password(label, autocomplete="current-password"):
    return forms.CharField(
        label=label,
        strip=False,
        error_messages={"required": REQUIRED},
        widget=forms.PasswordInput(attrs={"class": "fr-input", "autocomplete": autocomplete}),
    )


class LoginForm(forms.Form):
    """An ASP account's identifiant and password (the extranet adds its own rule: espace.forms.ApartLoginForm)."""

    username = TextField(
        label="Identifiant",
        max_length=150,
        help_text=EMAIL_INSTEAD_OF_IDENTIFIANT,
        attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = _password("Mot de passe")

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


class CourrielChangeForm(_CurrentPasswordMixin, forms.Form):
    courriel = CourrielField(label="Nouveau courriel", max_length=254, attrs={"autocomplete": "email"})
    courriel_confirm = forms.CharField(
        label="Confirmer le nouveau courriel",
        max_length=254,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input", "type": "email", "autocomplete": "off"}),
    )
    current_password = _password("Mot de passe actuel")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_courriel(self):
        courriel = self.cleaned_data["courriel"]
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
    secret_question = secret_question_field()
    secret_answer = TextField(
        label="Réponse",
        max_length=100,
        min_length=2,
        attrs={"autocomplete": "off"},
        error_messages={"min_length": "La réponse doit comporter au moins 2 caractères."},
    )
    current_password = _password("Mot de passe actuel")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class ProfileForm(forms.Form):
    nom = NameField(label="Nom", max_length=100, attrs={"autocomplete": "family-name"})
    prenom = NameField(label="Prénom", max_length=100, attrs={"autocomplete": "given-name"})
    telephone = PhoneField(label="Téléphone", max_length=20, attrs={"autocomplete": "tel"})


class ReminderPreferencesForm(forms.Form):
    remind_habilitation_end = forms.BooleanField(
        label="Fin d'habilitation (30 et 7 jours avant)",
        required=False,
        help_text="Un courriel 30 jours puis 7 jours avant la fin de chacune de vos habilitations, avec la marche "
        "à suivre pour la prolonger.",
    )
    remind_di_to_file = forms.BooleanField(
        label="Demandes d'indemnisation à déposer (15 jours avant la date limite)",
        required=False,
        help_text="Un courriel quand un mois d'une période autorisée n'a pas de demande d'indemnisation, 15 jours "
        "avant la date limite de dépôt (6 mois après la fin de la période).",
    )


# --- Credential recovery -------------------------------------------------------------------------

EMAIL_NOT_ALLOWED = "Opération impossible pour ce type d'utilisateur"


class ForgottenPasswordForm(forms.Form):
    identifiant = TextField(
        label="Identifiant", max_length=150, attrs={"autocomplete": "username", "autocapitalize": "none"}
    )
    captcha = operation_captcha_field()

    def clean_identifiant(self):
        identifiant = self.cleaned_data["identifiant"].strip()
        if "@" in identifiant:
            raise forms.ValidationError(EMAIL_NOT_ALLOWED, code="email_instead_of_identifiant")
        return identifiant


class ForgottenIdentifiantForm(forms.Form):
    courriel = CourrielField(label="Courriel", max_length=254, attrs={"autocomplete": "email"})
    captcha = operation_captcha_field()


class SecretAnswerForm(forms.Form):
    answer = TextField(label="Réponse secrète", max_length=100, attrs={"autocomplete": "off"})


class PasswordResetForm(forms.Form):
    """« GESTION DU MOT DE PASSE » : the new password, through the e-mailed token.

    No security code here: the link itself, a 256-bit secret sent to the account's mailbox, is the proof; the
    operation was solved at the first step.
    """

    new_password1 = _password("Nouveau mot de passe", autocomplete="new-password")
    new_password2 = _password("Confirmation", autocomplete="new-password")

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


class TwoFactorCodeForm(forms.Form):
    """The "Code de vérification" of the double authentification: from the app, or a recovery code."""

    code = TextField(
        label="Code de vérification",
        max_length=20,
        help_text="Le code à 6 chiffres affiché par votre application d'authentification, ou un de vos codes de secours.",
        attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
    )


class TwoFactorEnrolForm(forms.Form):
    code = TextField(
        label="Code de vérification",
        max_length=10,
        help_text="Le code à 6 chiffres affiché par votre application après l'ajout du compte.",
        attrs={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    # Replacing a device asks a code of the current one (or a recovery code), as turning it off does: a session
    # alone (left open, stolen, or opened before the device) must not put its own second factor in place.
    current_code = TextField(
        label="Code actuel",
        max_length=20,
        required=False,
        help_text=(
            "Le code à 6 chiffres affiché par votre application actuelle (celle que vous remplacez), ou un de vos "
            "codes de secours."
        ),
        attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
    )

    def __init__(self, *args, replacing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.replacing = replacing
        if replacing:
            self.fields["current_code"].required = True
        else:
            del self.fields["current_code"]
