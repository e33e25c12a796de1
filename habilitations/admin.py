import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .enums import AccountRequestStatus
from .models import (
    AccountRequest,
    CodePostalCommune,
    Establishment,
    Extranet,
    Habilitation,
    SireneEtablissement,
    SireneUniteLegale,
)
from .services import account_request_approve, account_request_reject, account_request_resend_emails


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
    readonly_fields = ["siren", "fiche_complete", "created_at", "updated_at"]
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
        (
            "Personne à contacter et informations complémentaires",
            {
                "fields": [
                    ("contact_prenom", "contact_nom"),
                    ("contact_telephone", "contact_courriel"),
                    ("effectif", "code_naf", "idcc"),
                ]
            },
        ),
        ("Historique", {"fields": ["created_at", "updated_at"]}),
    ]


class ActiveTodayFilter(admin.SimpleListFilter):
    title = "validité"
    parameter_name = "validite"

    def lookups(self, request, model_admin):
        return [("active", "Active aujourd'hui"), ("future", "À venir"), ("expired", "Expirée")]

    def queryset(self, request, queryset):
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


class AgeFilter(admin.SimpleListFilter):
    """The seeds promise an answer "sous 48h au maximum"."""

    title = "ancienneté"
    parameter_name = "anciennete"

    def lookups(self, request, model_admin):
        return [("moins48h", "Moins de 48 h"), ("plus48h", "Plus de 48 h (délai dépassé)")]

    def queryset(self, request, queryset):
        limit = timezone.now() - datetime.timedelta(hours=48)
        if self.value() == "moins48h":
            return queryset.filter(created_at__gte=limit)
        if self.value() == "plus48h":
            return queryset.filter(created_at__lt=limit)
        return queryset


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus (repris dans le courriel envoyé au demandeur)",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=1000,
    )


@admin.register(AccountRequest)
class AccountRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "created_at",
        "siret",
        "denomination",
        "prenom",
        "nom",
        "courriel",
        "case",
        "status",
        "checks_summary",
    ]
    list_filter = ["status", AgeFilter, "case", "sirene_status"]
    search_fields = ["=reference", "siret", "courriel", "nom", "denomination"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "establishment"]
    actions = ["approve_selected", "reject_selected", "resend_emails"]
    readonly_fields = [
        "reference",
        "status",
        "case",
        "siret",
        "sirene_status",
        "sirene_data",
        "checks_table",
        "processed_at",
        "processed_by",
        "rejection_reason",
        "user",
        "establishment",
        "requested_by",
        "etat_civil_confirmed",
        "created_at",
    ]
    fieldsets = [
        ("Demande", {"fields": ["reference", "created_at", "status", "case", "requested_by"]}),
        ("Contrôles automatiques", {"fields": ["checks_table", "sirene_status", "sirene_data"]}),
        (
            "Information établissement",
            {
                "fields": [
                    "siret",
                    "denomination",
                    ("numero_voie", "extension_voie", "type_voie"),
                    "libelle_voie",
                    "complement_adresse",
                    ("code_postal", "ville", "code_commune"),
                    ("telephone_etablissement", "fax"),
                    "courriel_etablissement",
                ]
            },
        ),
        (
            "Compte utilisateur à créer",
            {"fields": [("nom", "prenom"), "etat_civil_confirmed", "telephone", "courriel", "secret_question"]},
        ),
        (
            "Traitement",
            {"fields": ["valid_from", "processed_at", "processed_by", "rejection_reason", "user", "establishment"]},
        ),
    ]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Once processed, a request is a record: nothing in it changes any more.
        if obj is not None and obj.status != AccountRequestStatus.PENDING:
            return [field.name for field in AccountRequest._meta.fields] + ["checks_table"]
        return self.readonly_fields

    @admin.display(description="contrôles")
    def checks_summary(self, obj):
        failed = obj.failed_checks
        if not failed:
            return "✔ tous passés"
        return format_html("✘ {}", ", ".join(check["label"] for check in failed))

    @admin.display(description="résultat des contrôles")
    def checks_table(self, obj):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (("✔" if check["passed"] else "✘", check["label"], check.get("detail", "")) for check in obj.checks),
        )
        return format_html("<table><tbody>{}</tbody></table>", rows)

    @admin.action(description="Valider les demandes sélectionnées")
    def approve_selected(self, request, queryset):
        approved = 0
        for account_request in queryset.filter(status=AccountRequestStatus.PENDING):
            result = account_request_approve(account_request=account_request, by=request.user)
            approved += result.status == AccountRequestStatus.APPROVED
        self.message_user(request, f"{approved} demande(s) validée(s), courriels envoyés.", messages.SUCCESS)

    @admin.action(description="Refuser les demandes sélectionnées (avec un motif)")
    def reject_selected(self, request, queryset):
        pending = queryset.filter(status=AccountRequestStatus.PENDING)
        if "apply" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                for account_request in pending:
                    account_request_reject(
                        account_request=account_request, by=request.user, reason=form.cleaned_data["reason"]
                    )
                self.message_user(request, f"{pending.count()} demande(s) refusée(s).", messages.SUCCESS)
                return None
        else:
            form = RejectForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Refuser des demandes de création de compte",
            "form": form,
            "requests": pending,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/habilitations/accountrequest/reject.html", context)

    @admin.action(description="Renvoyer les courriels (nouveau mot de passe provisoire)")
    def resend_emails(self, request, queryset):
        sent = sum(
            account_request_resend_emails(account_request=account_request, by=request.user)
            for account_request in queryset.filter(status=AccountRequestStatus.APPROVED)
        )
        self.message_user(request, f"{sent} courriel(s) renvoyé(s).", messages.SUCCESS)
