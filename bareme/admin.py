"""The barème in the admin: every value with its source; staff add a new dated value (the next SMIC
revaluation), never edit or delete one (a DI may have used it)."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from .enums import NomValeur
from .models import ValeurBareme
from .services import valeur_bareme_ajouter

_TAUX = {NomValeur.TAUX_INDEMNITE, NomValeur.TAUX_ALLOCATION}


class ValeurBaremeForm(forms.ModelForm):
    source_url = forms.URLField(
        label="Adresse du texte (Légifrance)", required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = ValeurBareme
        fields = ["nom", "dispositif", "date_effet", "valeur", "source_reference", "source_url", "commentaire"]

    def clean(self):
        cleaned = super().clean()
        nom, valeur = cleaned.get("nom"), cleaned.get("valeur")
        if nom is None or valeur is None:
            return cleaned
        if nom in _TAUX and not 0 < valeur <= 1:
            self.add_error("valeur", "Un taux s'écrit en fraction : 0.60 pour 60 %.")
        elif nom == NomValeur.OUVERTURE and valeur not in (0, 1):
            self.add_error("valeur", "L'ouverture vaut 1 (dispositif ouvert) ou 0 (dispositif fermé).")
        elif nom == NomValeur.QUOTA_ANNUEL_HEURES and valeur != valeur.to_integral_value():
            self.add_error("valeur", "Le contingent est un nombre entier d'heures.")
        elif valeur <= 0 and nom != NomValeur.OUVERTURE:
            self.add_error("valeur", "La valeur doit être positive.")
        return cleaned


@admin.register(ValeurBareme)
class ValeurBaremeAdmin(admin.ModelAdmin):
    form = ValeurBaremeForm
    list_display = ["nom", "dispositif_affiche", "date_effet", "valeur", "source", "created_by"]
    list_filter = ["nom", "dispositif"]
    search_fields = ["source_reference", "commentaire"]
    date_hierarchy = "date_effet"
    ordering = ["nom", "dispositif", "-date_effet"]
    list_per_page = 200

    @admin.display(description="dispositif", ordering="dispositif")
    def dispositif_affiche(self, obj):
        return obj.get_dispositif_display()

    @admin.display(description="texte source", ordering="source_reference")
    def source(self, obj):
        if obj.source_url:
            return format_html('<a href="{}" rel="noopener">{}</a>', obj.source_url, obj.source_reference)
        return obj.source_reference

    def has_change_permission(self, request, obj=None):
        # A value is never edited in place: a DI may have used it. A change is a new row with a later date.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:  # unreachable: no one may change a value
            raise PermissionError("Une valeur du barème ne se modifie pas.")
        saved = valeur_bareme_ajouter(
            **{field: form.cleaned_data[field] for field in form.Meta.fields}, by=request.user
        )
        obj.pk = saved.pk
