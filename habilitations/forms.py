"""The forms of CRÉER MON ESPACE and of the fiche établissement."""

import re

from django import forms
from django.urls import reverse
from django.utils.html import format_html

from accounts.secret_questions import secret_question_field
from apart.captcha import code_captcha_field
from apart.forms import (
    REQUIRED,
    AddressField,
    CourrielField,
    DenominationField,
    NameField,
    PhoneField,
    RequiredFieldsMessageMixin,
    TextField,
)
from apart.normalization import strip_accents
from referentiels.codes_postaux import code_postal_unknown, communes_for_code_postal, comparable_name
from referentiels.enums import INDICES_REPETITION, TYPES_VOIE_LABELS
from referentiels.forms import SiretField

from .batch_io import BatchInputError, parse_input
from .models import COMPLEMENT_ADRESSE_MAX_LENGTH, ESTABLISHMENT_IDENTITY_FIELDS, LIBELLE_VOIE_MAX_LENGTH, Establishment

CGU_MISSING = "N'oubliez pas de cocher les conditions générales d'utilisation avant de valider votre demande."
ETAT_CIVIL = "Merci de saisir votre état civil uniquement."
VILLE_NOT_IN_CODE_POSTAL = "Veuillez choisir la ville correspondant au code postal."
CODE_POSTAL_UNKNOWN = "Ce code postal ne correspond à aucune commune : vérifiez votre saisie."

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


class SiretForm(RequiredFieldsMessageMixin, forms.Form):
    """Étape 1 : « Veuillez indiquer votre numéro de Siret »."""

    siret = SiretField(label="N° de Siret", help_text="14 chiffres, avec ou sans espaces. Exemple : 732 829 320 00074")
    captcha = code_captcha_field()
    cgu = forms.BooleanField(error_messages={"required": CGU_MISSING})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One span: the DSFR label is a flex box, which would drop the space before the link.
        self.fields["cgu"].label = format_html(
            '<span>J\'accepte les <a href="{}" target="_blank" rel="noopener" '
            'title="conditions générales d\'utilisation — nouvelle fenêtre">conditions générales '
            "d'utilisation</a></span>",
            reverse("portal:cgu"),
        )

    def clean(self):
        # The CGU box has its own message; it is not one of "les champs obligatoires" of the banner.
        cgu_errors = self.errors.pop("cgu", None)
        try:
            return super().clean()
        finally:
            if cgu_errors:
                self._errors["cgu"] = cgu_errors


TYPE_VOIE_CHOICES = [("", "—")] + [(label, label) for label in TYPES_VOIE_LABELS]
EXTENSION_CHOICES = [("", "—")] + [(label, label) for label in INDICES_REPETITION.values()]


def _select(label, choices, required=False):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        error_messages={"required": REQUIRED},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )


class CommuneChoiceMixin:
    """ "Ville" is chosen among the communes of the "Code postal" (free text where the table knows none), in
    CRÉER MON ESPACE and in the fiche alike; it is stored under the commune's one name (commune_name)."""

    def setup_ville(self, communes):
        self.commune_codes = {commune.nom_commune: commune.code_commune for commune in communes}
        self.communes = list(self.commune_codes)
        field = self.fields["ville"]
        if self.communes:
            field.widget = forms.Select(
                choices=[("", "Sélectionnez une ville")] + [(name, name) for name in self.communes],
                attrs={"class": "fr-select"},
            )
        else:
            field.widget = forms.TextInput(attrs={"class": "fr-input", "maxlength": 100})

    def clean_ville(self):
        ville = self.cleaned_data["ville"]
        if not self.communes:
            return ville
        wanted = comparable_name(ville)
        for name in self.communes:  # the commune's own spelling, whatever the case typed
            if comparable_name(name) == wanted:
                return name
        raise forms.ValidationError(VILLE_NOT_IN_CODE_POSTAL, code="ville")

    def check_code_postal(self, code_postal: str) -> str:
        if code_postal_unknown(code_postal, self.communes):
            raise forms.ValidationError(CODE_POSTAL_UNKNOWN, code="code_postal_unknown")
        return code_postal

    @property
    def code_commune(self) -> str:
        return self.commune_codes.get(self.cleaned_data.get("ville"), "")


class UserToCreateForm(forms.Form):
    """« Compte utilisateur à créer »: the person to habilitate, shared by CRÉER MON ESPACE and the space."""

    nom = NameField(label="Nom", max_length=100, attrs={"autocomplete": "family-name"})
    prenom = NameField(label="Prénom", max_length=100, attrs={"autocomplete": "given-name"})
    telephone = PhoneField(label="Téléphone", max_length=20, attrs={"autocomplete": "tel"})
    courriel = CourrielField(label="Courriel", max_length=254, attrs={"autocomplete": "email"})
    courriel_confirm = CourrielField(
        label="Confirmer courriel", max_length=254, attrs={"autocomplete": "off", "data-nopaste": "true"}
    )
    secret_question = secret_question_field()
    secret_answer = TextField(label="Réponse", max_length=100, attrs={"autocomplete": "off"})

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


class AccountRequestForm(CommuneChoiceMixin, RequiredFieldsMessageMixin, UserToCreateForm):
    """Étape 2 : « CRÉATION DE COMPTE D'ACCÈS À L'EXTRANET ACTIVITÉ PARTIELLE »."""

    # Information établissement
    denomination = DenominationField(
        label="Dénomination de l'établissement", max_length=255, attrs={"autocomplete": "organization"}
    )
    numero_voie = TextField(label="Numéro de voie", max_length=10, required=False, attrs={"inputmode": "numeric"})
    extension_voie = _select("Extension de voie", EXTENSION_CHOICES)
    type_voie = _select("Type de voie", TYPE_VOIE_CHOICES)
    libelle_voie = AddressField(
        label="Libellé de la voie",
        max_length=LIBELLE_VOIE_MAX_LENGTH,
        help_text=f"{LIBELLE_VOIE_MAX_LENGTH} caractères maximum",
    )
    complement_adresse = AddressField(
        label="Complément d'adresse",
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
    ville = AddressField(label="Ville", max_length=100)
    telephone_etablissement = PhoneField(label="Téléphone fixe", max_length=20, attrs={"autocomplete": "tel"})
    fax = PhoneField(label="Fax", max_length=20, required=False)
    courriel_etablissement = CourrielField(
        label="Courriel établissement", max_length=254, attrs={"autocomplete": "email"}
    )
    courriel_etablissement_confirm = CourrielField(
        label="Confirmer courriel établissement",
        max_length=254,
        attrs={"autocomplete": "off", "data-nopaste": "true"},
    )

    etat_civil_confirmed = forms.BooleanField(
        label="Je confirme que le nom et le prénom saisis sont bien mon état civil",
        required=False,
    )

    captcha = code_captcha_field()

    def __init__(self, *args, communes=(), enseigne="", **kwargs):
        """`communes`: the CodePostalCommune rows of the typed code postal; `enseigne`: SIRENE's, kept."""
        super().__init__(*args, **kwargs)
        self.setup_ville(communes)
        self.enseigne = enseigne
        self.etat_civil_warning = False

    def clean_code_postal(self):
        return self.check_code_postal(self.cleaned_data["code_postal"])

    def clean_numero_voie(self):
        value = self.cleaned_data["numero_voie"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError("Le numéro de voie ne doit contenir que des chiffres.", code="characters")
        return value

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
        typed = [name for name in ESTABLISHMENT_IDENTITY_FIELDS if name in self.fields]
        return {
            **{name: self.cleaned_data[name] for name in typed},
            **{name: self.cleaned_data[name] for name in ("telephone_etablissement", "fax", "courriel_etablissement")},
            "enseigne": self.enseigne,
            "code_commune": self.code_commune,
        }


class EstablishmentFicheForm(CommuneChoiceMixin, forms.ModelForm):
    """The fiche établissement, editable by its habilitated users (and by staff in the admin)."""

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
        field_classes = {
            "denomination": DenominationField,
            "libelle_voie": AddressField,
            "complement_adresse": AddressField,
            "ville": AddressField,
            "telephone": PhoneField,
            "fax": PhoneField,
            "contact_telephone": PhoneField,
            "courriel": CourrielField,
            "contact_courriel": CourrielField,
            "contact_nom": NameField,
            "contact_prenom": NameField,
        }

    REQUIRED_FIELDS = ("denomination", "libelle_voie", "code_postal", "ville")

    def __init__(self, *args, communes=None, **kwargs):
        """`communes`: those of the code postal shown (typed, else the fiche's); looked up when not given."""
        super().__init__(*args, **kwargs)
        if communes is None:
            code_postal = self.data.get(self.add_prefix("code_postal")) or self.instance.code_postal or ""
            communes = communes_for_code_postal(code_postal.strip())
        for name, field in self.fields.items():
            field.required = name in self.REQUIRED_FIELDS
            field.label = field.label[:1].upper() + field.label[1:]
            field.error_messages["required"] = REQUIRED
            if not isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "fr-input"
        self.fields["extension_voie"].widget = forms.Select(choices=EXTENSION_CHOICES, attrs={"class": "fr-select"})
        self.fields["type_voie"].widget = forms.Select(choices=TYPE_VOIE_CHOICES, attrs={"class": "fr-select"})
        self.setup_ville(communes)

    def clean_code_postal(self):
        code_postal = self.cleaned_data["code_postal"].strip()
        if not (len(code_postal) == 5 and code_postal.isdigit()):
            raise forms.ValidationError("Le code postal doit comporter 5 chiffres.", code="code_postal")
        return self.check_code_postal(code_postal)

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

    @property
    def fiche_fields(self) -> dict:
        return {**self.cleaned_data, "code_commune": self.code_commune or self.instance.code_commune}


class ActivationCodeForm(forms.Form):
    """The code of the letter sent to the establishment's SIRENE address."""

    code = forms.CharField(
        label="Code d'activation",
        max_length=20,
        help_text="Les 8 caractères du courrier, sans espace (majuscules ou minuscules).",
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input", "autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class BankDetailsForm(forms.Form):
    """« Coordonnées bancaires »: IBAN and BIC checked with python-stdnum, stored compact and upper case."""

    iban = forms.CharField(
        label="IBAN",
        max_length=50,
        help_text="Par exemple FR76 3000 6000 0112 3456 7890 189",
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input", "autocomplete": "off", "spellcheck": "false"}),
    )
    bic = forms.CharField(
        label="BIC",
        max_length=20,
        help_text="8 ou 11 caractères, par exemple AGRIFRPP",
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"class": "fr-input", "autocomplete": "off", "spellcheck": "false"}),
    )
    titulaire = forms.CharField(
        label="Titulaire du compte",
        max_length=100,
        error_messages={"required": REQUIRED, "max_length": "Le titulaire du compte est limité à 100 caractères."},
        widget=forms.TextInput(attrs={"class": "fr-input"}),
    )

    def clean_iban(self):
        from stdnum import iban

        return _stdnum_validated(
            iban, self.cleaned_data["iban"], "L'IBAN est invalide : vérifiez-le sur votre relevé d'identité bancaire."
        )

    def clean_bic(self):
        from stdnum import bic

        return _stdnum_validated(bic, self.cleaned_data["bic"], "Le BIC est invalide : il comporte 8 ou 11 caractères.")

    def clean_titulaire(self):
        return " ".join(self.cleaned_data["titulaire"].split())


def _stdnum_validated(module, value: str, message: str) -> str:
    """The number in python-stdnum's compact form, or the French `message` on the field."""
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        return module.validate(value)
    except StdnumError:
        raise forms.ValidationError(message, code="invalid") from None


class HabilitationBatchForm(forms.Form):
    """« Demande d'habilitation en masse »: the SIRETs typed one per line, or a CSV file. Only the shape of the
    input is checked here (one or the other, at most 2 000 lines, a `siret` column); each line gets its own result."""

    sirets = forms.CharField(
        label="N° de Siret",
        required=False,
        help_text="Un numéro de Siret par ligne (14 chiffres, avec ou sans espaces), 2 000 lignes au plus.",
        widget=forms.Textarea(attrs={"class": "fr-input", "rows": 10, "spellcheck": "false", "autocomplete": "off"}),
    )
    fichier = forms.FileField(
        label="Fichier CSV",
        required=False,
        help_text=(
            "Une ligne d'en-tête avec une colonne « siret », et si vous le souhaitez les colonnes « nom », "
            "« prénom », « téléphone » et « courriel » de la personne à contacter ; séparateur « ; » ou « , » ; "
            "1 Mo au plus."
        ),
        widget=forms.ClearableFileInput(attrs={"class": "fr-upload", "accept": ".csv,text/csv"}),
    )

    def clean(self):
        cleaned_data = super().clean()
        try:
            self.parsed = parse_input(sirets_text=cleaned_data.get("sirets"), fichier=cleaned_data.get("fichier"))
        except BatchInputError as error:
            self.add_error(None if error.field == "__all__" else error.field, error.message)
        return cleaned_data
