"""The agent's three forms on a DAP: Accorder, Refuser, Demander un complément; the queue's filters; and on a DI:
Invalider (its motif) and the DI queue's filters."""

from django import forms

from dap.enums import Motif

from .selectors import DI_STATUT_FILTRE_DEFAUT, STATUT_FILTRE_DEFAUT

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # what <input type="date"> sends, and what a person types without it


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DsfrForm(forms.Form):
    """Each widget with its DSFR class (full width: nothing wider than a 320 px screen)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "fr-select" if isinstance(field.widget, forms.Select) else "fr-input"
            field.widget.attrs["class"] = css


class AccordForm(DsfrForm):
    heures_autorisees = forms.DecimalField(
        label="Heures autorisées",
        min_value=0,
        max_digits=9,
        decimal_places=2,
        localize=True,
        help_text="Au plus les heures demandées ; moins si l'UD le décide.",
    )
    nb_salaries = forms.IntegerField(label="Nombre de salariés autorisés", min_value=1)
    date_debut = forms.DateField(label="Date de début", input_formats=DATE_FORMATS, widget=DateInput())
    date_fin = forms.DateField(label="Date de fin", input_formats=DATE_FORMATS, widget=DateInput())

    def __init__(self, *args, demande=None, **kwargs):
        if demande is not None and not args and "data" not in kwargs:
            kwargs["initial"] = {
                "heures_autorisees": demande.heures_previsionnelles,
                "nb_salaries": demande.nb_salaries,
                "date_debut": demande.date_debut,
                "date_fin": demande.date_fin,
            }
        super().__init__(*args, **kwargs)
        self.fields["heures_autorisees"].widget.attrs["inputmode"] = "decimal"


class RefusForm(DsfrForm):
    motif_refus = forms.CharField(
        label="Motif du refus",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Le motif du refus est obligatoire."},
    )


class ComplementForm(DsfrForm):
    message = forms.CharField(
        label="Message à l'employeur",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Le délai de 15 jours repart de la réponse de l'employeur.",
        error_messages={"required": "Le message à l'employeur est obligatoire."},
    )


class QueueFilterForm(DsfrForm):
    statut = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[
            ("a_instruire", "À instruire"),
            ("complement", "Complément demandé"),
            ("decidees", "Décidées"),
            ("retirees", "Retirées"),
            ("toutes", "Toutes"),
        ],
        initial=STATUT_FILTRE_DEFAUT,
    )
    departement = forms.ChoiceField(label="Département", required=False)
    motif = forms.ChoiceField(label="Motif de recours", required=False, choices=[("", "Tous"), *Motif.choices])
    recherche = forms.CharField(label="N° de demande, Siret ou Siren", required=False, max_length=32)

    def __init__(self, *args, departements=(), **kwargs):
        super().__init__(*args, **kwargs)
        from referentiels.departements import DEPARTEMENTS

        self.fields["departement"].choices = [("", "Tous mes départements")] + [
            (code, f"{code} — {DEPARTEMENTS[code]}") for code in departements
        ]


class InvalidationForm(DsfrForm):
    motif = forms.CharField(
        label="Motif de l'invalidation",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Il est envoyé à l'employeur, qui peut corriger la demande et l'envoyer de nouveau.",
        error_messages={"required": "Le motif de l'invalidation est obligatoire."},
    )


class DiQueueFilterForm(DsfrForm):
    statut = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[
            ("envoyees", "À instruire (envoyées)"),
            ("validees", "Validées"),
            ("invalidees", "Invalidées"),
            ("toutes", "Toutes"),
        ],
        initial=DI_STATUT_FILTRE_DEFAUT,
    )
    departement = forms.ChoiceField(label="Département", required=False)
    recherche = forms.CharField(label="N° de DI, Siret ou Siren", required=False, max_length=32)

    def __init__(self, *args, departements=(), **kwargs):
        super().__init__(*args, **kwargs)
        from referentiels.departements import DEPARTEMENTS

        self.fields["departement"].choices = [("", "Tous mes départements")] + [
            (code, f"{code} — {DEPARTEMENTS[code]}") for code in departements
        ]
