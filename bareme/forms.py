"""The simulator's form: a month, a dispositif, one or more employees.

Figures are typed by hand, the French way (a comma, spaces between thousands) or with a point; a month as the
browser's `<input type="month">` sends it (2026-03) or as typed where the browser has no month picker (03/2026).
The checks of the figures themselves (negative salary, more hours than the month's) are the engine's
(`erreurs_salarie`), the same for the page and the API; the month and the dispositif are checked by the barème
(`bareme_du_mois` raises `HorsBareme`).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms

from apart.forms import add_errors

from .engine import LIBELLES_CONTRAT, LIBELLES_DISPOSITIF, Contrat, Dispositif, Salarie, erreurs_salarie, format_mois
from .selectors import HorsBareme, dispositifs_en_vigueur

MAX_SALARIES_PAGE = 50  # rows of the HTML form; the API takes up to 1000

# A number as typed: digits, then optionally a comma or a point and digits; spaces (also non-breaking) between
# thousands are dropped first. No exponent, no NaN: Decimal would accept "1e999999".
_NOMBRE = re.compile(r"-?\d{1,12}(?:[.,]\d{1,6})?")
_ESPACES = re.compile(r"[\s\u00a0\u202f]")
_MOIS_ISO = re.compile(r"(\d{4})-(\d{1,2})")
_MOIS_FR = re.compile(r"(\d{1,2})\s*/\s*(\d{4})")

MOIS_INVALIDE = "Saisissez un mois au format MM/AAAA, par exemple 03/2026."
NOMBRE_INVALIDE = "Saisissez un nombre, par exemple 2 500,50."


def libelle_mois(mois: datetime.date) -> str:
    """« mars 2026 »."""
    return format_mois(mois)


def parse_mois(texte: str) -> datetime.date | None:
    """2026-03 or 03/2026 → 2026-03-01; None when it is neither."""
    texte = (texte or "").strip()
    match = _MOIS_ISO.fullmatch(texte)
    if match:
        annee, mois = int(match[1]), int(match[2])
    else:
        match = _MOIS_FR.fullmatch(texte)
        if not match:
            return None
        mois, annee = int(match[1]), int(match[2])
    if not 1 <= mois <= 12 or annee < 1900:
        return None
    return datetime.date(annee, mois, 1)


def parse_nombre_saisi(texte: str) -> Decimal | None:
    """« 2 500,50 », « 2500.5 », « -3 » → Decimal; None when it is not a number."""
    texte = _ESPACES.sub("", texte or "")
    if not _NOMBRE.fullmatch(texte):
        return None
    try:
        return Decimal(texte.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        return None


def message_hors_bareme(hors_bareme: HorsBareme, mois: datetime.date, libelles) -> str:
    """The barème's sentence; for a dispositif not in force, followed by those in force that month."""
    if hors_bareme.champ != "dispositif":
        return hors_bareme.message
    possibles = ", ".join(libelles[dispositif] for dispositif in dispositifs_en_vigueur(mois=mois))
    return f"{hors_bareme.message} Dispositifs possibles ce mois-là : {possibles}."


class MoisWidget(forms.TextInput):
    input_type = "month"

    def format_value(self, value):
        # A month the server reads is shown as the month input wants it (yyyy-mm); anything else as typed.
        if isinstance(value, datetime.date):
            return f"{value.year:04d}-{value.month:02d}"
        parsed = parse_mois(value) if isinstance(value, str) else None
        return f"{parsed.year:04d}-{parsed.month:02d}" if parsed else super().format_value(value)


class NombreField(forms.CharField):
    """A decimal typed with a comma or a point; the text stays as typed when the form is shown again."""

    def __init__(self, *, unite: str = "", **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)
        self.unite = unite

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        nombre = parse_nombre_saisi(value)
        if nombre is None:
            raise forms.ValidationError(NOMBRE_INVALIDE, code="invalid")
        return nombre


class SimulationForm(forms.Form):
    mois = forms.CharField(
        label="Mois",
        help_text="Format : MM/AAAA, par exemple 03/2026.",
        widget=MoisWidget(attrs={"min": "2020-03", "autocomplete": "off"}),
        error_messages={"required": "Indiquez le mois de la période d'activité partielle."},
    )
    dispositif = forms.ChoiceField(
        label="Dispositif",
        choices=[("", "Sélectionner un dispositif")] + [(code.value, LIBELLES_DISPOSITIF[code]) for code in Dispositif],
        error_messages={
            "required": "Choisissez le dispositif d'activité partielle.",
            "invalid_choice": "Choisissez un dispositif de la liste.",
        },
        widget=forms.Select(attrs={"class": "fr-select"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mois"].widget.attrs["class"] = "fr-input"

    def clean_mois(self) -> datetime.date:
        mois = parse_mois(self.cleaned_data["mois"])
        if mois is None:
            raise forms.ValidationError(MOIS_INVALIDE, code="invalid")
        return mois

    def clean_dispositif(self) -> Dispositif:
        return Dispositif(self.cleaned_data["dispositif"])


class SalarieForm(forms.Form):
    salaire_brut_mensuel = NombreField(
        label="Salaire brut mensuel",
        help_text="En euros, par exemple 2 500,00.",
        error_messages={"required": "Indiquez le salaire brut mensuel."},
    )
    duree_hebdomadaire = NombreField(
        label="Durée hebdomadaire de travail",
        help_text="En heures, par exemple 35.",
        error_messages={"required": "Indiquez la durée hebdomadaire de travail."},
    )
    heures_chomees = NombreField(
        label="Heures chômées dans le mois",
        help_text="En heures, par exemple 81,67.",
        error_messages={"required": "Indiquez les heures chômées dans le mois."},
    )
    contrat = forms.ChoiceField(
        label="Type de contrat",
        choices=[(code.value, LIBELLES_CONTRAT[code]) for code in Contrat],
        initial=Contrat.STANDARD.value,
        error_messages={"required": "Choisissez le type de contrat.", "invalid_choice": "Choisissez un contrat."},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("salaire_brut_mensuel", "duree_hebdomadaire", "heures_chomees"):
            self.fields[name].widget.attrs["class"] = "fr-input"

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        salarie = self.salarie(data)
        add_errors(self, erreurs_salarie(salarie))
        return data

    @staticmethod
    def salarie(data) -> Salarie:
        return Salarie(
            salaire_brut_mensuel=data["salaire_brut_mensuel"],
            duree_hebdomadaire=data["duree_hebdomadaire"],
            heures_chomees=data["heures_chomees"],
            contrat=Contrat(data["contrat"]),
        )


class BaseSalarieFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": "Le formulaire est incomplet : rechargez la page et recommencez la saisie.",
        "too_many_forms": f"{MAX_SALARIES_PAGE} salariés au plus par simulation sur cette page.",
        "too_few_forms": "Indiquez au moins un salarié.",
    }

    def salaries(self) -> list[Salarie]:
        return [SalarieForm.salarie(form.cleaned_data) for form in self.forms]


SalarieFormSet = forms.formset_factory(
    SalarieForm,
    formset=BaseSalarieFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_SALARIES_PAGE,
    validate_max=True,
    absolute_max=MAX_SALARIES_PAGE,
)
SALARIES_PREFIX = "salaries"
