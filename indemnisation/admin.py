"""The demandes d'indemnisation for ASP staff, read-only: the UD instructs them in /instruction/; the only change
made here is the staff's correction of an invalidation made by mistake (an admin action, through the service)."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from apart.admin_actions import action_confirm_page, is_confirmed

from . import services
from .enums import Controle, Statut
from .models import DemandeIndemnisation, DemandeIndemnisationHistorique, SalarieIndemnise

# --- Demandes d'indemnisation ----------------------------------------------------------------------------------------


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SalarieIndemniseInline(_ReadOnly, admin.TabularInline):
    model = SalarieIndemnise
    fields = [
        "position",
        "nom",
        "prenom",
        "nir",
        "contrat",
        "duree_hebdomadaire",
        "salaire_brut_mensuel",
        "heures_chomees",
        "taux_horaire",
        "indemnite",
        "allocation",
        "reste_a_charge",
    ]
    readonly_fields = fields
    extra = 0


class DemandeIndemnisationHistoriqueInline(_ReadOnly, admin.TabularInline):
    model = DemandeIndemnisationHistorique
    fields = ["at", "from_statut", "to_statut", "by", "comment"]
    readonly_fields = fields
    extra = 0


class ReinstateForm(forms.Form):
    motif = forms.CharField(
        label="Motif de la remise en instruction",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=2000,
        help_text="Par exemple l'incident concerné ; il est inscrit à l'historique de chaque demande et au journal.",
        error_messages={"required": services.MOTIF_REMISE_REQUIS},
    )


@admin.register(DemandeIndemnisation)
class DemandeIndemnisationAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["numero", "siret", "mois", "statut", "total_allocation", "sent_at"]
    list_filter = ["statut", "mois"]
    search_fields = ["=numero", "=establishment__siret"]
    list_select_related = ["establishment"]
    inlines = [SalarieIndemniseInline, DemandeIndemnisationHistoriqueInline]
    actions = ["reinstate_selected"]

    def get_fields(self, request, obj=None):
        return [
            "controles_lignes" if field.name == "controles" else field.name
            for field in DemandeIndemnisation._meta.fields
            if field.name != "id"
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="Siret", ordering="establishment__siret")
    def siret(self, obj):
        return obj.establishment.siret

    @admin.display(description="contrôles")
    def controles_lignes(self, obj):
        labels = dict(Controle.choices)
        lines = [(labels.get(line.get("code"), line.get("code")), line.get("detail", "")) for line in obj.controles]
        return format_html_join("", "<p>{} : {}</p>", lines) or "—"

    # A read-only admin: the right to "change" a DI is the right of this action only (nothing else is editable).
    def has_reinstate_permission(self, request):
        return request.user.has_perm("indemnisation.change_demandeindemnisation")

    @admin.action(
        description="Remettre en instruction (rejet par erreur)",
        permissions=["reinstate"],
    )
    def reinstate_selected(self, request, queryset):
        invalidees = queryset.filter(statut=Statut.INVALIDEE).select_related("establishment")
        skipped = list(queryset.exclude(statut=Statut.INVALIDEE).values_list("numero", flat=True))
        if not invalidees.exists():
            self.message_user(
                request,
                "Aucune des demandes sélectionnées n'est invalidée : rien n'a été remis en instruction.",
                messages.WARNING,
            )
            return None
        form = ReinstateForm(request.POST if is_confirmed(request) else None)
        if is_confirmed(request) and form.is_valid():
            done = 0
            for demande in invalidees:
                result = services.demande_reinstate(demande=demande, by=request.user, motif=form.cleaned_data["motif"])
                done += result.statut == Statut.ENVOYEE
            self.message_user(
                request,
                f"{done} demande(s) d'indemnisation remise(s) en instruction : elles reviennent dans la file de "
                "l'UD, l'employeur en est informé par courriel.",
                messages.SUCCESS,
            )
            if skipped:
                self.message_user(
                    request,
                    "Ignorée(s), car non invalidée(s) : " + ", ".join(skipped) + ".",
                    messages.WARNING,
                )
            return None
        return action_confirm_page(
            self,
            request,
            invalidees,
            action="reinstate_selected",
            title="Remettre en instruction des demandes d'indemnisation invalidées par erreur",
            intro=(
                "Les demandes suivantes repassent au statut « Envoyée », dans la file de l'UD, avec leurs montants "
                "tels qu'envoyés ; l'employeur en est informé par courriel."
                + (f" Non invalidée(s), ignorée(s) : {', '.join(skipped)}." if skipped else "")
            ),
            items=[
                (str(demande), [format_html("Motif de l'invalidation : {}", demande.motif_invalidation)])
                for demande in invalidees
            ],
            form=form,
        )
