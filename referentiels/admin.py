from django.contrib import admin

from .models import CodePostalCommune, SireneEtablissement, SireneUniteLegale


class ExactNumberSearchMixin:
    """The SIRENE copy holds tens of millions of rows: search by exact number through the primary key or
    the siren index (the admin's "=field" search is case-insensitive and would scan the table)."""

    search_fields = ["pk"]  # shows the search box; get_search_results does the work
    search_help_text = "Numéro exact, avec ou sans espaces."
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        number = "".join(search_term.split())
        if not number:
            return queryset, False
        if len(number) == 9 and number.isdigit():
            return queryset.filter(siren=number), False
        return queryset.filter(pk=number), False


@admin.register(SireneUniteLegale)
class SireneUniteLegaleAdmin(ExactNumberSearchMixin, admin.ModelAdmin):
    list_display = ["siren", "denomination", "prenom", "nom", "etat_administratif"]
    list_filter = ["etat_administratif"]
    search_help_text = "Siren exact (9 chiffres)."


@admin.register(SireneEtablissement)
class SireneEtablissementAdmin(ExactNumberSearchMixin, admin.ModelAdmin):
    list_display = ["siret", "denomination", "code_postal", "libelle_commune", "etat_administratif"]
    list_filter = ["etat_administratif"]
    search_help_text = "Siret (14 chiffres) ou Siren (9 chiffres) exact."


@admin.register(CodePostalCommune)
class CodePostalCommuneAdmin(admin.ModelAdmin):
    list_display = ["code_postal", "nom_commune", "code_commune", "libelle_acheminement"]
    search_fields = ["=code_postal", "nom_commune", "=code_commune"]
