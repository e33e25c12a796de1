"""The employer's DI forms. They only carry what is typed: the rules of a DI are `indemnisation.checks`, applied by
the services (CALCULER, ENVOYER), whose messages the views put next to the fields."""

import datetime

from django import forms
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from bareme.engine import LIBELLES_CONTRAT, LIBELLES_DISPOSITIF, Dispositif, format_mois
from bareme.selectors import dispositifs_en_vigueur

from . import checks, csv_import, selectors

CODE_DI_REQUIS = "Saisissez le code DI de la décision d'autorisation."
CODE_DI_INCONNU = (
    "Ce code DI ne correspond à aucune de vos décisions d'autorisation. Copiez-le (copier / coller) depuis "
    "l'écran de la décision d'autorisation, dans « Mes décisions »"
)
CHOIX_INVALIDE = "Choisissez une valeur de la liste."
MOIS_REQUIS = "Choisissez le mois de la demande."
FICHIER_REQUIS = "Choisissez le fichier CSV des salariés."
FICHIER_TROP_GROS = csv_import.FICHIER_TROP_GROS

LIBELLES_LIGNE = {
    "nom": "Nom",
    "prenom": "Prénom",
    "nir": "NIR",
    "contrat": "Type de contrat",
    "duree_hebdomadaire": "Durée hebdomadaire de travail",
    "salaire_brut_mensuel": "Salaire brut mensuel de référence",
    "heures_chomees": "Heures chômées",
}


def code_di_inconnu():
    """The message next to « Code DI », with the way to « Mes décisions », where the code is."""
    return format_html(
        '<span>{} (<a href="{}">voir mes décisions d\'autorisation</a>).</span>',
        CODE_DI_INCONNU,
        reverse("dap:decision_list"),
    )


def mois_valeur(mois: datetime.date) -> str:
    return mois.strftime("%Y-%m")


class NouvelleDemandeForm(forms.Form):
    """« Nouvelle demande d'indemnisation », in two steps on one page: the code DI, then (once it is the code of
    one of the user's décisions) the month of the authorised period and the dispositif."""

    code_di = forms.CharField(
        label="Code DI",
        required=False,
        max_length=40,
        help_text="Le code DI figure sur l'écran de la décision d'autorisation (« Mes décisions ») : copiez-le et "
        "collez-le ici. Les espaces et tirets sont acceptés.",
        widget=forms.TextInput(
            attrs={"class": "fr-input", "autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    mois = forms.ChoiceField(
        label="Mois",
        required=False,
        error_messages={"invalid_choice": CHOIX_INVALIDE},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    dispositif = forms.ChoiceField(
        label="Dispositif",
        required=False,
        error_messages={"invalid_choice": CHOIX_INVALIDE},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )

    def __init__(self, *args, user, today: datetime.date, creer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.creer = creer  # the second step was posted: the month and the dispositif are read
        self.decision = (
            selectors.decision_for_code(user=user, code=self.data.get("code_di", "")) if self.is_bound else None
        )
        if self.decision is None:
            del self.fields["mois"]
            del self.fields["dispositif"]
            return
        months = checks.mois_de_la_decision(self.decision)
        self.fields["mois"].choices = [(mois_valeur(mois), format_mois(mois)) for mois in months]
        self.fields["mois"].initial = mois_valeur(_mois_propose(months, today))
        en_vigueur = {dispositif for mois in months for dispositif in dispositifs_en_vigueur(mois=mois)}
        self.fields["dispositif"].choices = [
            (dispositif.value, LIBELLES_DISPOSITIF[dispositif]) for dispositif in Dispositif if dispositif in en_vigueur
        ] or [(Dispositif.DROIT_COMMUN.value, LIBELLES_DISPOSITIF[Dispositif.DROIT_COMMUN])]
        self.fields["dispositif"].initial = Dispositif.DROIT_COMMUN.value
        if not creer:  # the code's step: the month and the dispositif start on their proposed values
            self.data = self.data.copy()
            self.data.setdefault("mois", self.fields["mois"].initial)
            self.data.setdefault("dispositif", self.fields["dispositif"].initial)

    def clean_code_di(self):
        code = self.cleaned_data.get("code_di", "").strip()
        if not code:
            raise forms.ValidationError(CODE_DI_REQUIS)
        if self.decision is None:
            raise forms.ValidationError(code_di_inconnu())
        return code

    def clean_mois(self):
        value = self.cleaned_data.get("mois")
        if not self.creer:
            return None
        if not value:
            raise forms.ValidationError(MOIS_REQUIS)
        return datetime.datetime.strptime(value, "%Y-%m").date()

    def clean_dispositif(self):
        return self.cleaned_data.get("dispositif") or Dispositif.DROIT_COMMUN.value


def _mois_propose(months: list[datetime.date], today: datetime.date) -> datetime.date:
    """The month a DI is most likely for: the last one over, else the current one, else the first."""
    for candidate in (checks.mois_precedent(today), checks.premier_jour(today)):
        if candidate in months:
            return candidate
    passes = [mois for mois in months if mois <= today]
    return passes[-1] if passes else months[0]


class CellTextInput(forms.TextInput):
    """A text input written in Python, the same HTML as Django's input.html and attrs.html: the saisie's table has
    six per row (120 for 20 employees), and a template per cell was most of the page's CPU (bench/bench_pages.py)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"'
        if widget["value"] is not None:
            html += f' value="{escape(widget["value"])}"'
        for name, value in widget["attrs"].items():
            if value is not False:
                html += f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        return mark_safe(f"{html}>")


def _number_input():
    return CellTextInput(attrs={"class": "fr-input", "inputmode": "decimal", "autocomplete": "off"})


class SalarieForm(forms.Form):
    """One employee's row, as typed (CALCULER checks it: `checks.verifier_ligne`, through the service)."""

    nom = forms.CharField(
        label="Nom", required=False, widget=CellTextInput(attrs={"class": "fr-input", "autocomplete": "off"})
    )
    prenom = forms.CharField(
        label="Prénom", required=False, widget=CellTextInput(attrs={"class": "fr-input", "autocomplete": "off"})
    )
    nir = forms.CharField(
        label="NIR",
        required=False,
        widget=CellTextInput(attrs={"class": "fr-input", "autocomplete": "off", "spellcheck": "false"}),
    )
    contrat = forms.ChoiceField(
        label="Type de contrat",
        required=False,
        choices=[(contrat.value, libelle) for contrat, libelle in LIBELLES_CONTRAT.items()],
        error_messages={"invalid_choice": checks.CONTRAT_INVALIDE},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    duree_hebdomadaire = forms.CharField(label="Durée hebdomadaire de travail", required=False, widget=_number_input())
    salaire_brut_mensuel = forms.CharField(
        label="Salaire brut mensuel de référence", required=False, widget=_number_input()
    )
    heures_chomees = forms.CharField(label="Heures chômées", required=False, widget=_number_input())

    def typed(self) -> dict:
        """The row as typed (the raw values: the service reads « 151,67 » and « CDI / CDD »)."""
        return {field: self[field].value() or "" for field in checks.LIGNE_FIELDS}

    def is_blank(self) -> bool:
        """Nothing typed but the contract's default: an empty row, ignored."""
        removed = self.can_delete_row and self["DELETE"].value()
        typed = self.typed()
        return bool(removed) or not any(
            str(typed[field]).strip() for field in checks.LIGNE_FIELDS if field != "contrat"
        )

    @property
    def can_delete_row(self) -> bool:
        return "DELETE" in self.fields


class BaseSalarieFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Retirer"


def salarie_formset(*, extra: int, max_num: int):
    return forms.formset_factory(
        SalarieForm,
        formset=BaseSalarieFormSet,
        extra=extra,
        can_delete=True,
        max_num=max_num,
        absolute_max=max_num,
    )


class ImportCsvForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier CSV des salariés",
        required=False,
        help_text="Une ligne par salarié, avec la ligne d'en-tête du modèle CSV. Séparateur point-virgule ou "
        "virgule, encodage UTF-8 ou Windows-1252, 5 Mo au plus. Les salariés du fichier remplacent ceux de la "
        "demande.",
        widget=forms.FileInput(attrs={"class": "fr-upload", "accept": ".csv,text/csv,text/plain"}),
    )

    def clean_fichier(self):
        fichier = self.cleaned_data.get("fichier")
        if not fichier:
            raise forms.ValidationError(FICHIER_REQUIS)
        if fichier.size > csv_import.TAILLE_MAX:
            raise forms.ValidationError(FICHIER_TROP_GROS)
        return fichier
