"""The contrats de prestation in the admin: read-only; ASP staff validate, refuse (with a motif) or end them through
the services, which change the fiche's personne à contacter, send the e-mails and write the journal."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from apart.admin_actions import action_confirm_page, is_confirmed

from .contrat_services import ContratInvalide, ContratRefuse, contrat_end, contrat_refuse, contrat_validate
from .contrats import ContratPrestation
from .enums import ContratStatut


class MotifRefusForm(forms.Form):
    motif = forms.CharField(
        label="Motif du refus (repris dans le courriel envoyé au cabinet)",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=1000,
        error_messages={"required": "Indiquez le motif du refus : il est envoyé au cabinet."},
    )


def _contact(values: dict | None) -> str:
    if not values:
        return "—"
    name = f"{values.get('contact_prenom', '')} {values.get('contact_nom', '')}".strip() or "(sans nom)"
    return f"{name} — {values.get('contact_courriel') or 'sans courriel'} — {values.get('contact_telephone') or '—'}"


@admin.register(ContratPrestation)
class ContratPrestationAdmin(admin.ModelAdmin):
    list_display = ["establishment", "nom_cabinet", "siret_cabinet", "declared_by", "declared_at", "statut"]
    list_filter = ["statut", "declared_at"]
    search_fields = ["=establishment__siret", "establishment__denomination", "=siret_cabinet", "nom_cabinet"]
    list_select_related = ["establishment", "declared_by"]
    date_hierarchy = "declared_at"
    actions = ["validate_selected", "refuse_selected", "end_selected"]
    fields = [
        "establishment",
        "siret_cabinet",
        "nom_cabinet",
        "declared_by",
        "declared_at",
        "fichier_lien",
        "statut",
        "processed_at",
        "processed_by",
        "motif_refus",
        "ended_at",
        "ended_by",
        "contact_avant",
        "contact_pendant",
        "contact_restaure",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_validate_permission(self, request):
        return request.user.has_perm("habilitations.validate_contratprestation")

    def has_end_permission(self, request):
        return request.user.has_perm("habilitations.end_contratprestation")

    @admin.display(description="contrat signé")
    def fichier_lien(self, obj):
        if not obj.fichier:
            return "—"
        url = reverse("admin:habilitations_contratprestation_fichier", args=[obj.pk])
        return format_html('<a href="{}">{}</a> ({} Ko)', url, obj.fichier_nom, max(obj.fichier_taille // 1024, 1))

    @admin.display(description="personne à contacter avant le contrat")
    def contact_avant(self, obj):
        return _contact(obj.contact_precedent)

    @admin.display(description="personne à contacter désignée par le contrat")
    def contact_pendant(self, obj):
        return _contact(obj.contact_designe)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/fichier/", view(self.fichier_view), name="habilitations_contratprestation_fichier"),
            *super().get_urls(),
        ]

    def fichier_view(self, request, pk):
        """The signed contract, served by the application to staff who may read the contracts (never a media URL)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        contrat = ContratPrestation.objects.filter(pk=pk).first()
        if contrat is None or not contrat.fichier:
            raise Http404
        response = FileResponse(
            contrat.fichier.open("rb"), as_attachment=True, filename=contrat.fichier_nom, content_type="application/pdf"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description="Valider le contrat", permissions=["validate"])
    def validate_selected(self, request, queryset):
        pending = queryset.filter(statut=ContratStatut.EN_ATTENTE).select_related("establishment", "declared_by")
        if not is_confirmed(request):
            return action_confirm_page(
                self,
                request,
                pending,
                action="validate_selected",
                title="Valider des contrats de prestation",
                intro=(
                    "L'utilisateur du cabinet devient la personne à contacter de chaque établissement ; il en est "
                    "informé par courriel, ainsi que la personne à contacter précédente."
                ),
                items=[
                    (str(contrat), [f"déclaré par {contrat.declared_by} ({contrat.declared_by.courriel})"])
                    for contrat in pending
                ],
            )
        validated, refused = 0, []
        for contrat in pending:
            try:
                result = contrat_validate(contrat=contrat, by=request.user)
            except ContratRefuse as refusal:
                refused.append(f"{contrat.establishment.siret} : {refusal.reason}")
                continue
            validated += result.statut == ContratStatut.VALIDE
        self.message_user(request, f"{validated} contrat(s) validé(s), courriels envoyés.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)
        return None

    @admin.action(description="Refuser le contrat (avec un motif)", permissions=["validate"])
    def refuse_selected(self, request, queryset):
        pending = queryset.filter(statut=ContratStatut.EN_ATTENTE).select_related("establishment")
        form = MotifRefusForm(request.POST if is_confirmed(request) else None)
        if is_confirmed(request) and form.is_valid():
            refused = 0
            for contrat in pending:
                try:
                    result = contrat_refuse(contrat=contrat, by=request.user, motif=form.cleaned_data["motif"])
                except ContratInvalide as error:
                    form.add_error("motif", error.erreurs.get("motif"))
                    break
                refused += result.statut == ContratStatut.REFUSE
            else:
                self.message_user(request, f"{refused} contrat(s) refusé(s), courriels envoyés.", messages.SUCCESS)
                return None
        return action_confirm_page(
            self,
            request,
            pending,
            action="refuse_selected",
            title="Refuser des contrats de prestation",
            intro="Les contrats suivants seront refusés ; le motif est envoyé par courriel au cabinet.",
            items=[(str(contrat), []) for contrat in pending],
            form=form,
        )

    @admin.action(description="Mettre fin au contrat", permissions=["end"])
    def end_selected(self, request, queryset):
        active = queryset.filter(statut__in=[ContratStatut.EN_ATTENTE, ContratStatut.VALIDE]).select_related(
            "establishment", "declared_by"
        )
        if not is_confirmed(request):
            return action_confirm_page(
                self,
                request,
                active,
                action="end_selected",
                title="Mettre fin à des contrats de prestation",
                intro=(
                    "Ces contrats prennent fin aujourd'hui. Pour un contrat validé, la personne à contacter d'avant le "
                    "contrat est rétablie, sauf si la fiche établissement a été modifiée depuis ; chacun est prévenu "
                    "par courriel."
                ),
                items=[(str(contrat), []) for contrat in active],
            )
        ended, left = 0, []
        for contrat in active:
            result = contrat_end(contrat=contrat, by=request.user)
            ended += result.ended
            if result.contact_restored is False:
                left.append(contrat.establishment.siret)
        self.message_user(request, f"{ended} contrat(s) terminé(s), courriels envoyés.", messages.SUCCESS)
        if left:
            self.message_user(
                request,
                "Personne à contacter laissée telle quelle (fiche modifiée depuis la validation) : " + ", ".join(left),
                messages.WARNING,
            )
        return None
