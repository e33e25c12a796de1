from django import forms
from django.urls import reverse
from django.utils.html import format_html

from accounts.forms import LoginForm
from accounts.roles import is_agent_ud
from apart.forms import REQUIRED, RequiredFieldsMessageMixin
from habilitations.enums import ApartAccessRefusal
from habilitations.forms import UserToCreateForm
from habilitations.models import Establishment
from habilitations.perms import can_enter_apart

from .selectors import DEFAULT_SORT, FILTERS, SORTS


class ApartLoginForm(LoginForm):
    """MON ESPACE PERSONNEL: the ASP account's identifiant and password, then the APART habilitation of the day."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if is_agent_ud(user):
            return  # a UD agent's role is its right to the back office: no habilitation
        access = can_enter_apart(user)
        if access:
            return
        if access.refusal == ApartAccessRefusal.NOT_YET:
            message = format_html(
                "Votre habilitation à l'extranet Activité Partielle est activée à compter du {}. "
                "Les usagers ne peuvent se connecter qu'après qu'ils aient reçu le courriel de création "
                "d'habilitation et à compter de la date précisée.",
                access.date.strftime("%d/%m/%Y"),
            )
        elif access.refusal == ApartAccessRefusal.EXPIRED:
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
        raise forms.ValidationError(message, code=f"habilitation_{access.refusal.value}")


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
        self.fields["establishment"].label_from_instance = lambda e: f"{e.display_name} — {e.siret}"

    def clean(self):
        cleaned_data = super().clean()
        self._check_user_courriels()
        return cleaned_data


class PortfolioForm(forms.Form):
    """The portfolio's search, filter and sort (GET): an unknown filter or sort falls back to all, by name."""

    q = forms.CharField(label="Rechercher un Siret ou un nom", required=False, max_length=100)
    filtre = forms.ChoiceField(label="Afficher", required=False, choices=[("", "Tous")])
    tri = forms.ChoiceField(label="Trier par", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filtre"].choices = [("", "Tous"), *FILTERS.items()]
        self.fields["tri"].choices = [(key, label) for key, (label, _order) in SORTS.items()]
        self.fields["tri"].initial = DEFAULT_SORT
        self.default_sort = DEFAULT_SORT

    def values(self) -> dict:
        """{"query", "filtre", "sort"}: the valid ones, the defaults for the others."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": (data.get("q") or "").strip() if "q" not in self.errors else "",
            "filtre": data.get("filtre", "") if "filtre" not in self.errors else "",
            "sort": (data.get("tri") or self.default_sort) if "tri" not in self.errors else self.default_sort,
        }
