from django import forms

from apart.validation import DENOMINATION_PATTERN, NAME_PATTERN, check_characters, clean_courriel, clean_phone
from habilitations.forms import REQUIRED, RequiredFieldsMessageMixin, captcha_field
from habilitations.validators import clean_siret, validate_siret

from .enums import MOTIF_PLACEHOLDER, TicketMotif, TicketStatus
from .models import DESCRIPTION_MAX_LENGTH

MOTIF_REQUIRED = "Veuillez sélectionner un motif."
MOTIF_INVALID = "Veuillez sélectionner un motif dans la liste."


def description_too_long(length: int) -> str:
    return (
        f"La description de la demande est limitée à {DESCRIPTION_MAX_LENGTH} caractères : vous en avez saisi "
        f"{length}. Raccourcissez votre texte de {length - DESCRIPTION_MAX_LENGTH} caractère(s)."
    )


def _text(label, *, max_length, placeholder="", **attrs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        error_messages={"required": REQUIRED, "max_length": f"Le champ {label} est limité à {max_length} caractères."},
        widget=forms.TextInput(
            attrs={
                "class": "fr-input",
                "maxlength": max_length,
                **({"placeholder": placeholder} if placeholder else {}),
                **attrs,
            }
        ),
    )


class DescriptionField(forms.CharField):
    """At most 1000 characters, counted as the person sees them: a longer text is refused, never cut.

    No maxlength attribute: a browser would silently cut a pasted text. Line breaks count one character,
    as in the page's counter (browsers send them as two).
    """

    def __init__(self, *, label, help_text=f"{DESCRIPTION_MAX_LENGTH} caractères maximum", **kwargs):
        super().__init__(
            label=label,
            help_text=help_text,
            error_messages={"required": REQUIRED},
            widget=forms.Textarea(
                attrs={
                    "class": "fr-input",
                    "rows": 8,
                    "data-char-limit": DESCRIPTION_MAX_LENGTH,
                }
            ),
            **kwargs,
        )

    def to_python(self, value):
        return super().to_python((value or "").replace("\r\n", "\n").replace("\r", "\n"))

    def validate(self, value):
        super().validate(value)
        if len(value) > DESCRIPTION_MAX_LENGTH:
            raise forms.ValidationError(description_too_long(len(value)), code="max_length")


class AssistanceRequestForm(RequiredFieldsMessageMixin, forms.Form):
    """« Formulaire de demande d'assistance »."""

    siret = _text(
        "N° de Siret", max_length=20, placeholder="732 829 320 00074", inputmode="numeric", autocomplete="off"
    )
    denomination = _text("Dénomination établissement", max_length=255, autocomplete="organization")
    nom_prenom = _text("Nom et prénom", max_length=200, autocomplete="name")
    telephone = _text("N° de téléphone", max_length=20, placeholder="01 02 03 04 05", type="tel", autocomplete="tel")
    courriel = _text(
        "Adresse électronique", max_length=254, placeholder="prenom.nom@exemple.fr", type="email", autocomplete="email"
    )
    motif = forms.ChoiceField(
        label="Motif de la demande",
        choices=[("", MOTIF_PLACEHOLDER), *TicketMotif.choices],
        error_messages={"required": MOTIF_REQUIRED, "invalid_choice": MOTIF_INVALID},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    description = DescriptionField(label="Description de la demande")
    captcha = captcha_field()

    def clean_siret(self):
        siret = clean_siret(self.cleaned_data["siret"])
        validate_siret(siret)
        return siret

    def clean_denomination(self):
        return check_characters(
            self.cleaned_data["denomination"], label="Dénomination établissement", pattern=DENOMINATION_PATTERN
        )

    def clean_nom_prenom(self):
        return check_characters(self.cleaned_data["nom_prenom"], label="Nom et prénom", pattern=NAME_PATTERN)

    def clean_telephone(self):
        return clean_phone(self.cleaned_data["telephone"])

    def clean_courriel(self):
        return clean_courriel(self.cleaned_data["courriel"])

    @property
    def ticket_fields(self) -> dict:
        names = ("siret", "denomination", "nom_prenom", "telephone", "courriel", "motif", "description")
        return {name: self.cleaned_data[name] for name in names}


class TicketReplyForm(forms.Form):
    """The requester's answer, from the signed link of an e-mail."""

    body = DescriptionField(label="Votre réponse")


# --- Staff desk (admin) --------------------------------------------------------------------------


class TicketAdminForm(forms.ModelForm):
    """The ticket page of the admin: status, assignee, and a reply e-mailed to the requester."""

    reply = forms.CharField(
        label="Répondre au demandeur",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 90}),
        help_text=(
            "Envoyée par courriel au demandeur avec un lien pour répondre, et gardée dans l'historique. "
            "Sans autre choix de statut, la demande passe « En attente du demandeur »."
        ),
    )

    class Meta:
        fields = ["status", "assignee"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = TicketStatus.choices


class TransferForm(forms.Form):
    """Cas 2.1: the person who now represents the establishment."""

    nom = forms.CharField(label="Nom", max_length=100)
    prenom = forms.CharField(label="Prénom", max_length=100)
    courriel = forms.CharField(label="Courriel", max_length=254)
    telephone = forms.CharField(label="Téléphone", max_length=20, required=False)
    end_users = forms.MultipleChoiceField(
        label="Habilitations à terminer sur cet établissement",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les habilitations de ces personnes sur les autres établissements ne changent pas.",
    )

    def __init__(self, *args, holders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.holders = {str(user.pk): user for user in holders}
        self.fields["end_users"].choices = [
            (pk, f"{user.identifiant} — {user.get_full_name()} — {user.courriel}") for pk, user in self.holders.items()
        ]

    def clean_nom(self):
        return check_characters(self.cleaned_data["nom"], label="Nom", pattern=NAME_PATTERN)

    def clean_prenom(self):
        return check_characters(self.cleaned_data["prenom"], label="Prénom", pattern=NAME_PATTERN)

    def clean_courriel(self):
        return clean_courriel(self.cleaned_data["courriel"])

    def clean_telephone(self):
        value = self.cleaned_data["telephone"]
        return clean_phone(value) if value.strip() else ""

    def clean_end_users(self):
        return [self.holders[pk] for pk in self.cleaned_data["end_users"]]
