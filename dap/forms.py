"""The employer's DAP forms. They only parse what is typed (dates, numbers, files): every rule of a DAP is
`dap.checks.erreurs_demande`, called here so that all its messages show at once next to their fields, and again
by the services when saving and sending."""

import datetime

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apart.forms import REQUIRED

from .checks import CHOIX_INVALIDE, erreurs_demande
from .enums import Motif, SousMotif, TypeActivite
from .files import piece_jointe_erreur
from .models import CIRCONSTANCES_MAX_LENGTH
from .services import FIELDS

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_INVALIDE = "Saisissez une date valide (jj/mm/aaaa)."
NOMBRE_ENTIER = "Saisissez un nombre entier."
NOMBRE = "Saisissez un nombre (par exemple 120 ou 120,5)."
PIECES_JOINTES_MAX = 10
TROP_DE_PIECES = f"Joignez au plus {PIECES_JOINTES_MAX} fichiers."


class ManyOptionsSelect(forms.Select):
    """A select of many options (an expert-comptable's 500 establishments) written in one pass: Django's Select
    renders a template per option, a tenth of a second for 500."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = "" if value is None else str(value)
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(key), mark_safe(" selected") if str(key) == selected else "", label) for key, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


def _text(attrs=None):
    return forms.TextInput(attrs={"class": "fr-input", **(attrs or {})})


def date_field(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        error_messages={"invalid": DATE_INVALIDE},
        widget=forms.DateInput(attrs={"class": "fr-input", "type": "date"}, format="%Y-%m-%d"),
    )


def salaries_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Nombre de salariés concernés",
        required=False,
        error_messages={"invalid": NOMBRE_ENTIER},
        widget=forms.NumberInput(attrs={"class": "fr-input", "min": "1", "inputmode": "numeric"}),
    )


def heures_field() -> forms.DecimalField:
    return forms.DecimalField(
        label="Nombre d'heures chômées prévisionnelles",
        required=False,
        max_digits=9,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": NOMBRE,
            "max_digits": NOMBRE,
            "max_decimal_places": "Au plus 2 décimales.",
            "max_whole_digits": NOMBRE,
        },
        widget=forms.TextInput(attrs={"class": "fr-input", "inputmode": "decimal"}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PiecesJointesField(forms.FileField):
    """Several files; each must be a PDF, a JPEG or a PNG (read from its bytes) of 5 Mo at most."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "fr-upload", "accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > PIECES_JOINTES_MAX:
            raise forms.ValidationError(TROP_DE_PIECES)
        errors = [erreur for _type, erreur in map(piece_jointe_erreur, files) if erreur]
        if errors:
            raise forms.ValidationError(errors)
        return files


def pieces_jointes_field() -> PiecesJointesField:
    return PiecesJointesField(
        label="Pièces jointes",
        help_text="PDF, JPEG ou PNG, 5 Mo au plus par fichier. Plusieurs fichiers possibles.",
    )


class DemandeForm(forms.Form):
    """A DAP being filed or changed while Provisoire. `establishments`: those the user may choose from (the field
    "Établissement" is shown when there are several); `demande`: the DAP changed (its establishment is fixed)."""

    etablissement = forms.ModelChoiceField(
        label="Établissement",
        queryset=None,
        required=False,
        to_field_name="siret",
        empty_label="Choisissez un établissement",
        error_messages={"invalid_choice": CHOIX_INVALIDE},
        widget=ManyOptionsSelect(attrs={"class": "fr-select"}),
    )
    motif = forms.ChoiceField(
        label="Motif de recours",
        required=False,
        choices=[("", "Choisissez un motif")] + Motif.choices,
        error_messages={"invalid_choice": CHOIX_INVALIDE},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    sous_motif = forms.ChoiceField(
        label="Sous-motif",
        required=False,
        choices=[("", "Sans objet (motifs 1 à 4)")] + SousMotif.choices,
        help_text="Uniquement pour le motif « Toute autre circonstance de caractère exceptionnel ».",
        error_messages={"invalid_choice": CHOIX_INVALIDE},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    circonstances = forms.CharField(
        label="Circonstances détaillées",
        required=False,
        # Not max_length: erreurs_demande says it, and the text typed is kept whole to be shortened.
        help_text=f"{CIRCONSTANCES_MAX_LENGTH} caractères au maximum.",
        widget=forms.Textarea(attrs={"class": "fr-input", "rows": 6, "data-char-limit": CIRCONSTANCES_MAX_LENGTH}),
    )
    date_debut = date_field("Date de début", "Format attendu : jj/mm/aaaa")
    date_fin = date_field("Date de fin", "Format attendu : jj/mm/aaaa")
    nb_salaries = salaries_field()
    heures_previsionnelles = heures_field()
    type_activite = forms.ChoiceField(
        label="Type d'activité partielle",
        required=False,
        choices=TypeActivite.choices,
        error_messages={"invalid_choice": CHOIX_INVALIDE},
        widget=forms.RadioSelect,
    )
    date_consultation_cse = date_field(
        "Date de consultation du CSE",
        "Obligatoire pour les motifs 1, 2 et 4 à partir de 50 salariés ; peut être transmise plus tard pour un "
        "sinistre ou une autre circonstance exceptionnelle.",
    )
    engagements = forms.CharField(
        label="Engagements",
        required=False,
        help_text="Obligatoires si l'établissement a bénéficié d'une autorisation au cours des 36 derniers mois "
        "(maintien dans l'emploi, formation, GPEC…).",
        widget=forms.Textarea(attrs={"class": "fr-input", "rows": 4}),
    )
    iban = forms.CharField(
        label="IBAN",
        required=False,
        max_length=50,
        help_text="Par exemple FR76 3000 6000 0112 3456 7890 189",
        widget=_text({"autocomplete": "off", "spellcheck": "false"}),
    )
    bic = forms.CharField(
        label="BIC",
        required=False,
        max_length=20,
        help_text="8 ou 11 caractères, par exemple AGRIFRPP",
        widget=_text({"autocomplete": "off", "spellcheck": "false"}),
    )
    titulaire = forms.CharField(
        label="Titulaire du compte", required=False, max_length=100, widget=_text({"autocomplete": "off"})
    )
    pieces_jointes = pieces_jointes_field()

    # Required by erreurs_demande (its message, next to the field): shown with a * on the label.
    REQUIRED_FIELDS = (
        "etablissement",
        "motif",
        "circonstances",
        "date_debut",
        "date_fin",
        "nb_salaries",
        "heures_previsionnelles",
        "type_activite",
        "iban",
        "bic",
        "titulaire",
    )

    def __init__(self, *args, establishments, demande=None, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.demande = demande
        self.today = today or timezone.localdate()
        self.fields["etablissement"].queryset = establishments
        if demande is not None or len(establishments) == 1:
            del self.fields["etablissement"]
            self.fixed_establishment = demande.establishment if demande is not None else establishments[0]
        else:
            self.fixed_establishment = None
        for name in self.REQUIRED_FIELDS:
            if name in self.fields:
                self.fields[name].label = f"{self.fields[name].label}*"

    def clean(self):
        cleaned = super().clean()
        establishment = self.establishment
        if establishment is None:
            if "etablissement" not in self.errors:
                self.add_error("etablissement", REQUIRED)
            return cleaned
        data = {field: cleaned.get(field) for field in FIELDS}
        parent = self.demande.parent if self.demande is not None else None
        erreurs = erreurs_demande(
            etablissement=establishment, data=data, today=self.today, demande=self.demande, parent=parent
        )
        for field, message in erreurs.items():
            # A value that did not parse keeps its own message ("Saisissez une date valide").
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return cleaned

    @property
    def establishment(self):
        if self.fixed_establishment is not None:
            return self.fixed_establishment
        return self.cleaned_data.get("etablissement") if hasattr(self, "cleaned_data") else None

    def demande_data(self) -> dict:
        return {field: self.cleaned_data.get(field) for field in FIELDS}


class AvenantForm(forms.Form):
    """« Demander un avenant »: a new end date, headcount or hours for an accepted DAP."""

    date_fin = date_field("Nouvelle date de fin", "Format attendu : jj/mm/aaaa")
    nb_salaries = salaries_field()
    heures_previsionnelles = heures_field()
    circonstances = forms.CharField(
        label="Motif de l'avenant",
        required=False,
        max_length=CIRCONSTANCES_MAX_LENGTH,
        help_text="Facultatif : remplace les circonstances détaillées de la demande initiale.",
        widget=forms.Textarea(attrs={"class": "fr-input", "rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nb_salaries"].label = "Nouveau nombre de salariés concernés"
        self.fields["heures_previsionnelles"].label = "Nouveau nombre d'heures chômées prévisionnelles"


class ComplementForm(forms.Form):
    """The employer's answer to the UD's request for a complément, with documents."""

    reponse = forms.CharField(
        label="Votre réponse",
        required=False,
        max_length=CIRCONSTANCES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"class": "fr-input", "rows": 5}),
    )
    pieces_jointes = pieces_jointes_field()


class CseForm(forms.Form):
    """The CSE's date sent after the DAP (a sinistre or another exceptional circumstance, R5122-2)."""

    date_consultation_cse = date_field("Date de consultation du CSE", "Format attendu : jj/mm/aaaa")


def etablissement_filtre_field() -> forms.ModelChoiceField:
    """The « Établissement » filter of an employer's list, by SIRET; its queryset (the user's establishments) is set
    by the form. The DAP and the DI lists share it."""
    return forms.ModelChoiceField(
        label="Établissement",
        queryset=None,
        required=False,
        to_field_name="siret",
        empty_label="Tous mes établissements",
        widget=ManyOptionsSelect(attrs={"class": "fr-select"}),
    )


class FiltreForm(forms.Form):
    """The filters of « Mes Demandes d'Autorisation Préalable »."""

    etablissement = etablissement_filtre_field()
    statut = forms.ChoiceField(label="Statut", required=False, widget=forms.Select(attrs={"class": "fr-select"}))
    du = date_field("Période du")
    au = date_field("au")

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        from .enums import Statut

        # Only what the options show: an expert-comptable may hold 500 establishments.
        self.fields["etablissement"].queryset = establishments.only("pk", "siret", "denomination")
        self.fields["statut"].choices = [("", "Tous les statuts")] + Statut.choices

    def periode(self) -> tuple[datetime.date, datetime.date] | None:
        du, au = self.cleaned_data.get("du"), self.cleaned_data.get("au")
        if not (du or au):
            return None
        return (du or datetime.date.min, au or datetime.date.max)
