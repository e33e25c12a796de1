from django.contrib import admin

from .models import CodePostalCommune, Establishment, Extranet, Habilitation, SireneEtablissement, SireneUniteLegale


@admin.register(Extranet)
class ExtranetAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class EstablishmentHabilitationInline(admin.TabularInline):
    model = Habilitation
    extra = 0
    fields = ["user", "extranet", "valid_from", "valid_until"]
    autocomplete_fields = ["user"]


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["siret", "denomination", "code_postal", "ville", "fiche_complete", "created_at"]
    list_filter = ["fiche_complete", "created_at"]
    search_fields = ["siret", "siren", "denomination", "courriel", "ville"]
    readonly_fields = ["siren", "created_at", "updated_at"]
    inlines = [EstablishmentHabilitationInline]
    fieldsets = [
        (None, {"fields": ["siret", "siren", "denomination", "fiche_complete"]}),
        (
            "Adresse",
            {
                "fields": [
                    ("numero_voie", "extension_voie", "type_voie"),
                    "libelle_voie",
                    "complement_adresse",
                    ("code_postal", "ville"),
                ]
            },
        ),
        ("Contact", {"fields": ["telephone", "fax", "courriel"]}),
        ("Historique", {"fields": ["created_at", "updated_at"]}),
    ]


class ActiveTodayFilter(admin.SimpleListFilter):
    title = "validité"
    parameter_name = "validite"

    def lookups(self, request, model_admin):
        return [("active", "Active aujourd'hui"), ("future", "À venir"), ("expired", "Expirée")]

    def queryset(self, request, queryset):
        from django.utils import timezone

        today = timezone.localdate()
        if self.value() == "active":
            return queryset.active(today)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=today)
        if self.value() == "expired":
            return queryset.filter(valid_until__lt=today)
        return queryset


@admin.register(Habilitation)
class HabilitationAdmin(admin.ModelAdmin):
    list_display = ["user", "establishment", "extranet", "valid_from", "valid_until"]
    list_filter = [ActiveTodayFilter, "extranet", "valid_from"]
    search_fields = ["user__identifiant", "user__courriel", "establishment__siret", "establishment__denomination"]
    autocomplete_fields = ["user", "establishment"]
    list_select_related = ["user", "establishment", "extranet"]
    date_hierarchy = "valid_from"


@admin.register(SireneUniteLegale)
class SireneUniteLegaleAdmin(admin.ModelAdmin):
    list_display = ["siren", "denomination", "prenom", "nom", "etat_administratif"]
    list_filter = ["etat_administratif"]
    search_fields = ["=siren", "denomination"]
    show_full_result_count = False  # the real directory holds millions of rows


@admin.register(SireneEtablissement)
class SireneEtablissementAdmin(admin.ModelAdmin):
    list_display = ["siret", "denomination", "code_postal", "libelle_commune", "etat_administratif"]
    list_filter = ["etat_administratif"]
    search_fields = ["=siret", "=siren"]
    show_full_result_count = False


@admin.register(CodePostalCommune)
class CodePostalCommuneAdmin(admin.ModelAdmin):
    list_display = ["code_postal", "nom_commune", "code_commune", "libelle_acheminement"]
    search_fields = ["=code_postal", "nom_commune", "=code_commune"]
