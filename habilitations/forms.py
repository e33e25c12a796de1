import re

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.urls import reverse
from django.utils.html import format_html

from accounts.normalization import strip_accents
from apart.validation import (
    ADDRESS_PATTERN,
    DENOMINATION_PATTERN,
    NAME_PATTERN,
    check_characters,
    clean_courriel,
    clean_phone,
)

from .enums import INDICES_REPETITION, TYPES_VOIE
from .models import COMPLEMENT_ADRESSE_MAX_LENGTH, LIBELLE_VOIE_MAX_LENGTH, Establishment
from .validators import clean_siret, validate_siret

REQUIRED_MISSING = "Tous les champs obligatoires (marqués d'un *) ne sont pas renseignés."
CGU_MISSING = "N'oubliez pas de cocher les conditions générales d'utilisation avant de valider votre demande."
CAPTCHA_INVALID = "Le code de sécurité saisi est incorrect. Un nouveau code vous est proposé : recopiez-le."
REQUIRED = "Ce champ est obligatoire."
ETAT_CIVIL = "Merci de saisir votre état civil uniquement."

# Words that name a function or a company rather than a person (non-blocking check of the seeds).
FUNCTION_WORDS = frozenset(
    {
        "accueil",
        "administratif",
        "administration",
        "agence",
        "assistante",
        "cabinet",
        "comptabilite",
        "comptable",
        "contact",
        "direction",
        "directeur",
        "directrice",
        "entreprise",
        "expert",
        "gerant",
        "gerante",
        "gestion",
        "paie",
        "personnel",
        "president",
        "responsable",
        "rh",
        "sarl",
        "sas",
        "secretariat",
        "service",
        "societe",
        "ste",
    }
)


def looks_like_a_function(value: str) -> bool:
    words = "".join(c if c.isalnum() else " " for c in strip_accents(value).lower()).split()
    return any(word in FUNCTION_WORDS for word in words)


class CaptchaWidget(CaptchaTextInput):
    template_name = "habilitations/captcha_widget.html"


def captcha_field() -> CaptchaField:
    return CaptchaField(
        label="Recopier le code ci-contre",
        widget=CaptchaWidget(attrs={"class": "fr-input", "autocomplete": "off", "autocapitalize": "none"}),
        error_messages={"invalid": CAPTCHA_INVALID, "required": REQUIRED},
    )


class RequiredFieldsMessageMixin:
    """The seeds' banner when any required field is empty, beside each field's own error."""

    def clean(self):
        cleaned_data = super().clean()
        if any(error.code == "required" for errors in self.errors.as_data().values() for error in errors):
            raise forms.ValidationError(REQUIRED_MISSING, code="required_missing")
        return cleaned_data


class SiretForm(RequiredFieldsMessageMixin, forms.Form):
    """Étape 1 : « Veuillez indiquer votre numéro de Siret »."""

    siret = forms.CharField(
        label="N° de Siret",
        max_length=20,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input", "inputmode": "numeric", "autocomplete": "off"}),
        help_text="14 chiffres, avec ou sans espaces. Exemple : 732 829 320 00074",
    )
    captcha = captcha_field()
    cgu = forms.BooleanField(error_messages={"required": CGU_MISSING})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cgu"].label = format_html(
            'J\'accepte les <a href="{}" target="_blank" rel="noopener" '
            "title=\"conditions générales d'utilisation — nouvelle fenêtre\">conditions générales d'utilisation</a>",
            reverse("support:cgu"),
        )

    def clean_siret(self):
        siret = clean_siret(self.cleaned_data["siret"])
        validate_siret(siret)
        return siret

    def clean(self):
        # The CGU box has its own message; it is not one of "les champs obligatoires" of the banner.
        cgu_errors = self.errors.pop("cgu", None)
        try:
            return super().clean()
        finally:
            if cgu_errors:
                self._errors["cgu"] = cgu_errors


def _text(label, *, max_length, required=True, help_text="", **attrs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        error_messages={"required": REQUIRED, "max_length": f"Le champ {label} est limité à {max_length} caractères."},
        widget=forms.TextInput(attrs={"class": "fr-input", "maxlength": max_length, **attrs}),
    )


TYPE_VOIE_CHOICES = [("", "—")] + sorted(((label, label) for label in TYPES_VOIE.values()), key=lambda c: c[1])
EXTENSION_CHOICES = [("", "—")] + [(label, label) for label in INDICES_REPETITION.values()]


class UserToCreateForm(forms.Form):
    """« Compte utilisateur à créer »: the person to habilitate, shared by CRÉER MON ESPACE and the space."""

    nom = _text("Nom", max_length=100, autocomplete="family-name")
    prenom = _text("Prénom", max_length=100, autocomplete="given-name")
    telephone = _text("Téléphone", max_length=20, type="tel", autocomplete="tel")
    courriel = _text("Courriel", max_length=254, type="email", autocomplete="email")
    courriel_confirm = _text(
        "Confirmer courriel", max_length=254, type="email", autocomplete="off", **{"data-nopaste": "true"}
    )
    secret_question = _text(
        "Question secrète",
        max_length=255,
        help_text="Par exemple : « Quel est le nom de votre premier animal de compagnie ? »",
    )
    secret_answer = _text("Réponse", max_length=100, autocomplete="off")

    def clean_nom(self):
        return check_characters(self.cleaned_data["nom"], label="Nom", pattern=NAME_PATTERN)

    def clean_prenom(self):
        return check_characters(self.cleaned_data["prenom"], label="Prénom", pattern=NAME_PATTERN)

    def clean_telephone(self):
        return clean_phone(self.cleaned_data["telephone"])

    def clean_courriel(self):
        return clean_courriel(self.cleaned_data["courriel"])

    def clean_courriel_confirm(self):
        return clean_courriel(self.cleaned_data["courriel_confirm"])

    def clean_secret_answer(self):
        answer = self.cleaned_data["secret_answer"].strip()
        if len(answer) < 2:
            raise forms.ValidationError("La réponse doit comporter au moins 2 caractères.", code="short")
        return answer

    def _check_pair(self, name, confirm_name, message):
        value, confirmation = self.cleaned_data.get(name), self.cleaned_data.get(confirm_name)
        if value and confirmation and value != confirmation:
            self.add_error(name, forms.ValidationError(message, code="mismatch"))
            self.add_error(confirm_name, forms.ValidationError(message, code="mismatch"))

    def _check_user_courriels(self):
        self._check_pair(
            "courriel",
            "courriel_confirm",
            "Les champs Courriel et Confirmer courriel de l'utilisateur ne sont pas identiques.",
        )

    @property
    def user_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("nom", "prenom", "telephone", "courriel", "secret_question")}


class AccountRequestForm(RequiredFieldsMessageMixin, UserToCreateForm):
    """Étape 2 : « CRÉATION DE COMPTE D'ACCÈS À L'EXTRANET ACTIVITÉ PARTIELLE »."""

    # Information établissement
    denomination = _text("Dénomination de l'établissement", max_length=255, autocomplete="organization")
    numero_voie = _text("Numéro de voie", max_length=10, required=False, inputmode="numeric")
    extension_voie = forms.ChoiceField(
        label="Extension de voie",
        choices=EXTENSION_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    type_voie = forms.ChoiceField(
        label="Type de voie",
        choices=TYPE_VOIE_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    libelle_voie = _text(
        "Libellé de la voie",
        max_length=LIBELLE_VOIE_MAX_LENGTH,
        help_text=f"{LIBELLE_VOIE_MAX_LENGTH} caractères maximum",
    )
    complement_adresse = _text(
        "Complément d'adresse",
        max_length=COMPLEMENT_ADRESSE_MAX_LENGTH,
        required=False,
        help_text=f"{COMPLEMENT_ADRESSE_MAX_LENGTH} caractères maximum",
    )
    code_postal = forms.RegexField(
        label="Code postal",
        regex=r"^[0-9]{5}$",
        error_messages={"required": REQUIRED, "invalid": "Le code postal doit comporter 5 chiffres."},
        widget=forms.TextInput(
            attrs={"class": "fr-input", "inputmode": "numeric", "maxlength": 5, "autocomplete": "postal-code"}
        ),
    )
    ville = forms.CharField(label="Ville", max_length=100, error_messages={"required": REQUIRED})
    telephone_etablissement = _text("Téléphone fixe", max_length=20, type="tel", autocomplete="tel")
    fax = _text("Fax", max_length=20, required=False, type="tel")
    courriel_etablissement = _text("Courriel établissement", max_length=254, type="email", autocomplete="email")
    courriel_etablissement_confirm = _text(
        "Confirmer courriel établissement", max_length=254, type="email", autocomplete="off", **{"data-nopaste": "true"}
    )

    etat_civil_confirmed = forms.BooleanField(
        label="Je confirme que le nom et le prénom saisis sont bien mon état civil",
        required=False,
    )

    captcha = captcha_field()

    def __init__(self, *args, communes=(), **kwargs):
        """`communes`: the CodePostalCommune rows of the typed code postal (a select, else free text)."""
        super().__init__(*args, **kwargs)
        self.commune_codes = {commune.nom_commune: commune.code_commune for commune in communes}
        self.communes = list(self.commune_codes)
        self.etat_civil_warning = False
        if self.communes:
            self.fields["ville"].widget = forms.Select(
                choices=[("", "Sélectionnez une ville")] + [(name, name) for name in self.communes],
                attrs={"class": "fr-select"},
            )
        else:
            self.fields["ville"].widget = forms.TextInput(attrs={"class": "fr-input", "maxlength": 100})

    # --- field checks -------------------------------------------------------------------------

    def clean_denomination(self):
        return check_characters(
            self.cleaned_data["denomination"], label="Dénomination de l'établissement", pattern=DENOMINATION_PATTERN
        )

    def clean_numero_voie(self):
        value = self.cleaned_data["numero_voie"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError("Le numéro de voie ne doit contenir que des chiffres.", code="characters")
        return value

    def clean_libelle_voie(self):
        return check_characters(self.cleaned_data["libelle_voie"], label="Libellé de la voie", pattern=ADDRESS_PATTERN)

    def clean_complement_adresse(self):
        return check_characters(
            self.cleaned_data["complement_adresse"], label="Complément d'adresse", pattern=ADDRESS_PATTERN
        )

    def clean_ville(self):
        ville = " ".join(self.cleaned_data["ville"].split())
        if self.communes and ville not in self.communes:
            raise forms.ValidationError("Veuillez choisir la ville correspondant au code postal.", code="ville")
        return check_characters(ville, label="Ville", pattern=ADDRESS_PATTERN)

    def clean_telephone_etablissement(self):
        return clean_phone(self.cleaned_data["telephone_etablissement"])

    def clean_fax(self):
        return clean_phone(self.cleaned_data["fax"]) if self.cleaned_data["fax"].strip() else ""

    def clean_courriel_etablissement(self):
        return clean_courriel(self.cleaned_data["courriel_etablissement"])

    def clean_courriel_etablissement_confirm(self):
        return clean_courriel(self.cleaned_data["courriel_etablissement_confirm"])

    # --- checks across fields ------------------------------------------------------------------

    def clean(self):
        cleaned_data = super().clean()
        self._check_pair(
            "courriel_etablissement",
            "courriel_etablissement_confirm",
            "Les champs Courriel établissement et Confirmer courriel établissement ne sont pas identiques.",
        )
        self._check_user_courriels()
        if not self.errors:
            self._check_etat_civil()
        return cleaned_data

    def _check_etat_civil(self):
        """Non-blocking: a name that looks like a function asks for a confirmation, then goes through."""
        if self.cleaned_data.get("etat_civil_confirmed"):
            return
        suspicious = [name for name in ("nom", "prenom") if looks_like_a_function(self.cleaned_data.get(name, ""))]
        if suspicious:
            self.etat_civil_warning = True
            for name in suspicious:
                self.add_error(name, forms.ValidationError(ETAT_CIVIL, code="etat_civil"))

    @property
    def establishment_fields(self) -> dict:
        names = (
            "denomination",
            "numero_voie",
            "extension_voie",
            "type_voie",
            "libelle_voie",
            "complement_adresse",
            "code_postal",
            "ville",
            "telephone_etablissement",
            "fax",
            "courriel_etablissement",
        )
        return {
            **{name: self.cleaned_data[name] for name in names},
            "code_commune": self.commune_codes.get(self.cleaned_data["ville"], ""),
        }


class EstablishmentFicheForm(forms.ModelForm):
    """The fiche établissement, editable by its habilitated users."""

    class Meta:
        model = Establishment
        fields = [
            "denomination",
            "numero_voie",
            "extension_voie",
            "type_voie",
            "libelle_voie",
            "complement_adresse",
            "code_postal",
            "ville",
            "telephone",
            "fax",
            "courriel",
            "contact_nom",
            "contact_prenom",
            "contact_telephone",
            "contact_courriel",
            "effectif",
            "code_naf",
            "idcc",
        ]
        labels = {"denomination": "Dénomination de l'établissement", "telephone": "Téléphone fixe"}
        # Addresses are normalised (é → e, lower case) by clean_courriel before they are checked.
        field_classes = {"courriel": forms.CharField, "contact_courriel": forms.CharField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = name in ("denomination", "libelle_voie", "code_postal", "ville")
            field.label = field.label[:1].upper() + field.label[1:]
            field.error_messages["required"] = REQUIRED
            css = "fr-select" if isinstance(field.widget, forms.Select) else "fr-input"
            field.widget.attrs["class"] = css
        self.fields["extension_voie"].widget = forms.Select(choices=EXTENSION_CHOICES, attrs={"class": "fr-select"})
        self.fields["type_voie"].widget = forms.Select(choices=TYPE_VOIE_CHOICES, attrs={"class": "fr-select"})

    def clean_denomination(self):
        return check_characters(
            self.cleaned_data["denomination"], label="Dénomination de l'établissement", pattern=DENOMINATION_PATTERN
        )

    def clean_libelle_voie(self):
        return check_characters(self.cleaned_data["libelle_voie"], label="Libellé de la voie", pattern=ADDRESS_PATTERN)

    def clean_code_postal(self):
        code_postal = self.cleaned_data["code_postal"].strip()
        if not (len(code_postal) == 5 and code_postal.isdigit()):
            raise forms.ValidationError("Le code postal doit comporter 5 chiffres.", code="code_postal")
        return code_postal

    def _phone(self, name):
        value = self.cleaned_data[name]
        return clean_phone(value) if value.strip() else ""

    def clean_telephone(self):
        return self._phone("telephone")

    def clean_fax(self):
        return self._phone("fax")

    def clean_contact_telephone(self):
        return self._phone("contact_telephone")

    def clean_courriel(self):
        return clean_courriel(self.cleaned_data["courriel"]) if self.cleaned_data["courriel"] else ""

    def clean_contact_courriel(self):
        value = self.cleaned_data["contact_courriel"]
        return clean_courriel(value) if value else ""

    def clean_contact_nom(self):
        return check_characters(
            self.cleaned_data["contact_nom"], label="Nom de la personne à contacter", pattern=NAME_PATTERN
        )

    def clean_contact_prenom(self):
        return check_characters(
            self.cleaned_data["contact_prenom"], label="Prénom de la personne à contacter", pattern=NAME_PATTERN
        )

    def clean_code_naf(self):
        code = self.cleaned_data["code_naf"].strip().upper()
        if code and not re.fullmatch(r"[0-9]{2}\.?[0-9]{2}[A-Z]", code):
            raise forms.ValidationError("Le code APE / NAF s'écrit comme 10.71C.", code="naf")
        return f"{code[:2]}.{code[-3:]}" if code else ""

    def clean_idcc(self):
        idcc = self.cleaned_data["idcc"].strip()
        if idcc and not re.fullmatch(r"[0-9]{4}", idcc):
            raise forms.ValidationError("La convention collective (IDCC) comporte 4 chiffres.", code="idcc")
        return idcc


class ColleagueAccountRequestForm(RequiredFieldsMessageMixin, UserToCreateForm):
    """DEMANDE CRÉATION DE COMPTE: a habilitated user asks an account for a colleague or an expert-comptable."""

    establishment = forms.ModelChoiceField(
        label="Établissement",
        queryset=Establishment.objects.none(),
        empty_label="Sélectionnez un établissement",
        error_messages={"required": REQUIRED, "invalid_choice": "Choisissez un de vos établissements."},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments
        self.fields["establishment"].label_from_instance = lambda e: f"{e.denomination} — {e.siret}"

    def clean(self):
        cleaned_data = super().clean()
        self._check_user_courriels()
        return cleaned_data
