"""The demandes d'indemnisation for ASP staff, read-only: the UD instructs them in /instruction/; the only change
made here is the staff's correction of an invalidation made by mistake (an admin action, through the service).
And the ASP's payment runs: « Lancer un paiement », the SEPA file, « Marquer comme exécuté »."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from apart.admin_actions import ReadOnlyMixin, action_confirm_page, is_confirmed
from bareme.engine import format_euros, format_mois

from . import services
from .enums import Controle, Statut, StatutPaiement
from .models import DemandeIndemnisation, DemandeIndemnisationHistorique, Paiement, Rappel, SalarieIndemnise
from .paiements import AUCUNE_DEMANDE, paiement_execute, paiement_run, resume

# --- Demandes d'indemnisation ----------------------------------------------------------------------------------------


class SalarieIndemniseInline(ReadOnlyMixin, admin.TabularInline):
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


class DemandeIndemnisationHistoriqueInline(ReadOnlyMixin, admin.TabularInline):
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
class DemandeIndemnisationAdmin(ReadOnlyMixin, admin.ModelAdmin):
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


# --- Paiements (the ASP's payment runs) ------------------------------------------------------------------------------

DEMANDES_AFFICHEES = 500  # the detail page lists this many DIs; the file has them all


@admin.register(Paiement)
class PaiementAdmin(admin.ModelAdmin):
    """The payment runs, read-only: « Lancer un paiement » (the add right) prepares one, « Marquer comme exécuté »
    (the change right) records the bank's execution; the file is downloaded with the right to read payments (it
    holds the employers' IBANs)."""

    change_list_template = "admin/indemnisation/paiement/change_list.html"
    list_display = ["numero", "created_at", "nb_demandes", "montant", "statut", "executed_at"]
    list_filter = ["statut", "created_at"]
    search_fields = ["numero", "demandes__numero"]
    list_select_related = ["created_by"]
    actions = ["mark_executed"]
    fields = [
        "numero",
        "statut",
        "nb_demandes",
        "montant",
        "message_id",
        "fichier_sepa",
        "created_at",
        "created_by",
        "executed_at",
        "executed_by",
        "demandes_table",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # a payment is prepared by the run, never typed

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)  # the list's action only

    def has_delete_permission(self, request, obj=None):
        return False

    def has_run_permission(self, request):
        return request.user.has_perm("indemnisation.add_paiement")

    @admin.display(description="montant total", ordering="montant_total")
    def montant(self, obj):
        return format_euros(obj.montant_total)

    @admin.display(description="fichier SEPA")
    def fichier_sepa(self, obj):
        return format_html(
            '<a href="{}">Télécharger le fichier SEPA</a> ({}.xml, pain.001.001.03)',
            reverse("admin:indemnisation_paiement_fichier", args=[obj.pk]),
            obj.numero,
        )

    @admin.display(description="demandes d'indemnisation payées par ce fichier")
    def demandes_table(self, obj):
        demandes = obj.demandes.select_related("establishment").order_by("pk")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    demande.numero,
                    demande.establishment.siret,
                    format_mois(demande.mois),
                    format_euros(demande.total_allocation),
                    demande.get_statut_display(),
                )
                for demande in demandes[:DEMANDES_AFFICHEES]
            ),
        )
        reste = obj.nb_demandes - DEMANDES_AFFICHEES
        return format_html(
            "<table><thead><tr><th>Demande</th><th>Siret</th><th>Mois</th><th>Allocation</th><th>Statut</th></tr>"
            "</thead><tbody>{}</tbody></table>{}",
            rows,
            format_html("<p>… et {} autres demandes : voir le fichier SEPA.</p>", reste) if reste > 0 else "",
        )

    @admin.action(description="Marquer comme exécuté (virements faits par la banque)", permissions=["change"])
    def mark_executed(self, request, queryset):
        done = 0
        for paiement in queryset.filter(statut=StatutPaiement.PREPARE).order_by("pk"):
            paiement_execute(paiement=paiement, by=request.user)
            done += 1
        self.message_user(
            request, f"{done} paiement(s) marqué(s) comme exécuté(s) : leurs demandes sont payées.", messages.SUCCESS
        )

    # --- The run button and the download -----------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("lancer/", view(require_POST(self.run_view)), name="indemnisation_paiement_run"),
            path("<int:pk>/fichier-sepa/", view(self.download_view), name="indemnisation_paiement_fichier"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_run_paiement": self.has_run_permission(request)}
        return super().changelist_view(request, extra_context)

    def run_view(self, request):
        if not self.has_run_permission(request):
            raise PermissionDenied
        paiement = paiement_run(by=request.user)
        if paiement is None:
            self.message_user(request, AUCUNE_DEMANDE, messages.INFO)
            return redirect("admin:indemnisation_paiement_changelist")
        self.message_user(
            request,
            f"{paiement.numero} préparé le {timezone.localtime(paiement.created_at):%d/%m/%Y à %H:%M} : "
            f"{resume(paiement)}. Téléchargez le fichier SEPA ci-dessous.",
            messages.SUCCESS,
        )
        return redirect("admin:indemnisation_paiement_change", paiement.pk)

    def download_view(self, request, pk):
        paiement = get_object_or_404(Paiement, pk=pk)
        if not self.has_view_permission(request, paiement):
            raise PermissionDenied
        response = HttpResponse(paiement.fichier, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{paiement.numero}.xml"'
        return response


# --- Rappels envoyés (indemnisation.rappels) --------------------------------------------------------------------------


@admin.register(Rappel)
class RappelAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The reminders sent, read-only: why a person got (or did not get twice) a reminder."""

    list_display = ["created_at", "kind", "summary", "recipient", "delivery", "run_date"]
    list_filter = ["kind", "delivery", "run_date"]
    search_fields = ["recipient", "summary", "establishment__siret"]
    fields = [
        "kind",
        "summary",
        "subject_id",
        "subject_date",
        "recipient",
        "user",
        "establishment",
        "delivery",
        "email",
        "run_date",
        "created_at",
    ]
    readonly_fields = fields
    date_hierarchy = "created_at"
