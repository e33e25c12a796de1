from django import forms

from apart.captcha import code_captcha_field
from apart.forms import REQUIRED, CourrielField, DenominationField, NameField, PhoneField, RequiredFieldsMessageMixin
from referentiels.forms import SiretField

from .enums import MOTIF_PLACEHOLDER, TicketMotif, TicketStatus
from .models import DESCRIPTION_MAX_LENGTH

MOTIF_REQUIRED = "Veuillez sélectionner un motif."
MOTIF_INVALID = "Veuillez sélectionner un motif dans la liste."


def description_too_long(length: int) -> str:
    return (
        f"La description de la demande est limitée à {DESCRIPTION_MAX_LENGTH} caractères : vous en avez saisi "
        f"{length}. Raccourcissez votre texte de {length - DESCRIPTION_MAX_LENGTH} caractère(s)."
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
    """« Formulaire de demande d'assistance ». Examples are hints under the labels, never placeholders that
    would look like typed values."""

    siret = SiretField(label="N° de Siret", help_text="Exemple : 732 829 320 00074")
    denomination = DenominationField(
        label="Dénomination établissement", max_length=255, attrs={"autocomplete": "organization"}
    )
    nom_prenom = NameField(label="Nom et prénom", max_length=200, attrs={"autocomplete": "name"})
    telephone = PhoneField(
        label="N° de téléphone", max_length=20, help_text="Exemple : 01 02 03 04 05", attrs={"autocomplete": "tel"}
    )
    courriel = CourrielField(
        label="Adresse électronique",
        max_length=254,
        help_text="Exemple : prenom.nom@exemple.fr",
        attrs={"autocomplete": "email"},
    )
    motif = forms.ChoiceField(
        label="Motif de la demande",
        choices=[("", MOTIF_PLACEHOLDER), *TicketMotif.choices],
        error_messages={"required": MOTIF_REQUIRED, "invalid_choice": MOTIF_INVALID},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    description = DescriptionField(label="Description de la demande")
    captcha = code_captcha_field()

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


def _admin_input():
    return forms.TextInput(attrs={"class": "vTextField"})


class TransferForm(forms.Form):
    """Cas 2.1: the person who now represents the establishment, checked by the agent before anything is done.

    Nom and prénom are two fields: the ticket's « Nom et prénom » is one, and which word is which cannot be
    guessed, so they are pre-filled only from an ASP account that already has them.
    """

    nom = NameField(label="Nom", max_length=100, widget=_admin_input())
    prenom = NameField(label="Prénom", max_length=100, widget=_admin_input())
    courriel = CourrielField(label="Courriel", max_length=254, widget=_admin_input())
    telephone = PhoneField(label="Téléphone", max_length=20, required=False, widget=_admin_input())
    end_users = forms.MultipleChoiceField(
        label="Habilitations à terminer sur cet établissement",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les habilitations de ces personnes sur les autres établissements ne changent pas.",
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, holders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.holders = {str(user.pk): user for user in holders}
        self.fields["end_users"].choices = [
            (pk, f"{user.identifiant} — {user.get_full_name()} — {user.courriel}") for pk, user in self.holders.items()
        ]

    def clean_end_users(self):
        return [self.holders[pk] for pk in self.cleaned_data["end_users"]]
