"""The DAPs and décisions for ASP staff, read-only: every change goes through the services (the UD's instruction
comes with its own back office, /instruction/)."""

from django.contrib import admin

from apart.admin_actions import ReadOnlyMixin

from .models import Decision, DemandeAutorisation, DemandeHistorique, PieceJointe


class HistoriqueInline(ReadOnlyMixin, admin.TabularInline):
    model = DemandeHistorique
    fields = ["at", "from_statut", "to_statut", "by", "comment"]
    readonly_fields = fields
    extra = 0


class PieceJointeInline(ReadOnlyMixin, admin.TabularInline):
    model = PieceJointe
    fields = ["nom", "content_type", "taille", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0


@admin.register(DemandeAutorisation)
class DemandeAutorisationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["numero", "establishment", "statut", "motif", "date_debut", "date_fin", "implicit_acceptance_on"]
    list_filter = ["statut", "motif", "type_activite"]
    search_fields = ["=numero", "=establishment__siret", "=accuse_numero"]
    list_select_related = ["establishment"]
    date_hierarchy = "created_at"
    exclude = ["iban"]  # the bank details are shown masked
    readonly_fields = ["iban_masque"]
    inlines = [HistoriqueInline, PieceJointeInline]

    @admin.display(description="IBAN")
    def iban_masque(self, obj):
        return f"{obj.iban[:4]} … {obj.iban[-4:]}" if obj.iban else "—"


@admin.register(Decision)
class DecisionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["numero", "demande", "mode", "date_debut", "date_fin", "heures_autorisees", "issued_at"]
    list_filter = ["mode"]
    search_fields = ["=numero", "=code_di", "=demande__numero", "=demande__establishment__siret"]
    list_select_related = ["demande", "demande__establishment"]
