"""Establishments, habilitations and account requests in the admin: every change goes through a service, which
sends its e-mail and writes the journal; no raw form or inline creates, extends or ends a habilitation."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apart.admin_actions import ReadOnlyMixin, action_confirm_page, is_confirmed
from apart.dashboard import elapsed
from audit.models import StaffAction

from .enums import AccountRequestStatus, ExtranetCode
from .forms import EstablishmentFicheForm
from .models import (
    AccountRequest,
    ActivationLetter,
    BankDetails,
    Establishment,
    Extranet,
    Habilitation,
    HabilitationBatch,
    HabilitationBatchLine,
)
from .services import (
    ActivationLetterUnaddressable,
    account_emails_resend,
    account_request_approve,
    account_request_habilitation,
    account_request_reject,
    activation_letter_issue,
    establishment_fiche_update,
    establishment_verify,
    habilitation_already_extended_message,
    habilitation_create,
    habilitation_end,
    habilitation_extend,
)


@admin.register(Extranet)
class ExtranetAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


def _habilitations_table(habilitations) -> str:
    rows = format_html_join(
        "",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                reverse("admin:habilitations_habilitation_change", args=[habilitation.pk]),
                label,
                habilitation.extranet,
                f"{habilitation.valid_from:%d/%m/%Y}",
                f"{habilitation.valid_until:%d/%m/%Y}",
            )
            for habilitation, label in habilitations
        ),
    )
    if not rows:
        return "Aucune habilitation."
    return format_html(
        "<table><thead><tr><th>Habilitation</th><th>Extranet</th><th>Du</th><th>Au</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        rows,
    )


class FicheFilter(admin.SimpleListFilter):
    title = "fiche établissement"
    parameter_name = "fiche"

    def lookups(self, request, model_admin):
        return [("complete", "Complète"), ("incomplete", "Incomplète")]

    def queryset(self, request, queryset):
        if self.value() in ("complete", "incomplete"):
            return queryset.filter(fiche_complete=self.value() == "complete")
        return queryset


class EstablishmentAdminForm(EstablishmentFicheForm):
    """The fiche as the space checks it (phones, courriels, names…), with the admin's look."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput):
                field.widget.attrs["class"] = "vTextField"


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    """Establishments come from CRÉER MON ESPACE: staff correct a fiche here, never its SIRET."""

    form = EstablishmentAdminForm
    list_display = ["siret", "denomination", "enseigne", "code_postal", "ville", "fiche", "verified", "created_at"]
    list_filter = [FicheFilter, "verification", "created_at"]
    actions = ["verify_selected"]
    search_fields = ["siret", "siren", "denomination", "enseigne", "courriel", "ville"]
    readonly_fields = [
        "siret",
        "siren",
        "enseigne",
        "fiche",
        "habilitations_table",
        "verification",
        "verified_at",
        "letters_table",
        "fiche_updated_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["siret", "siren", "denomination", "enseigne", "fiche"]}),
        ("Vérification", {"fields": ["verification", "verified_at", "letters_table"]}),
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
        ("Habilitations", {"fields": ["habilitations_table"]}),
        ("Historique", {"fields": ["fiche_updated_by", "created_at", "updated_at"]}),
    ]

    def has_add_permission(self, request):
        return False  # an establishment is created by an approved account request

    @admin.display(description="fiche complète", boolean=True, ordering="fiche_complete")
    def fiche(self, obj):
        # A generated column: the admin does not know it is a boolean, and would print True / False.
        return obj.fiche_complete

    @admin.display(description="vérifié", boolean=True, ordering="verified_at")
    def verified(self, obj):
        return obj.is_verified

    @admin.display(description="courriers d'activation")
    def letters_table(self, obj):
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:habilitations_activationletter_change", args=[letter.pk]),
                    letter.user,
                    f"{timezone.localtime(letter.created_at):%d/%m/%Y}",
                    f"{timezone.localtime(letter.expires_at):%d/%m/%Y}",
                    letter.state,
                )
                for letter in obj.activation_letters.select_related("user")
            ),
        )
        if not rows:
            return "Aucun courrier d'activation."
        return format_html(
            "<table><thead><tr><th>Demandeur</th><th>Émis le</th><th>Expire le</th><th>État</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    def has_verify_permission(self, request):
        return request.user.has_perm("habilitations.verify_establishment")

    @admin.action(description="Marquer comme vérifiés (contrôle fait par l'ASP)", permissions=["verify"])
    def verify_selected(self, request, queryset):
        pending = [establishment for establishment in queryset if not establishment.is_verified]
        for establishment in pending:
            establishment_verify(establishment=establishment, by=request.user)
        self.message_user(
            request,
            f"{len(pending)} établissement(s) vérifié(s) ; leurs courriers d'activation en attente sont annulés.",
            messages.SUCCESS,
        )

    @admin.display(description="habilitations")
    def habilitations_table(self, obj):
        habilitations = obj.habilitations.select_related("user", "extranet").order_by("-valid_until")
        table = _habilitations_table((habilitation, habilitation.user) for habilitation in habilitations)
        add_url = reverse("admin:habilitations_habilitation_add")
        return format_html(
            '{}<p><a href="{}?establishment={}">Habiliter un compte sur cet établissement</a></p>',
            table,
            add_url,
            obj.pk,
        )

    def save_model(self, request, obj, form, change):
        stored = Establishment.objects.get(pk=obj.pk)
        establishment_fiche_update(establishment=stored, fields=form.fiche_fields, by=request.user)


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


class HabilitationCreateForm(forms.ModelForm):
    """Habilitate an existing ASP account: one year from the date chosen, the holder told by e-mail."""

    class Meta:
        model = Habilitation
        fields = ["user", "establishment", "valid_from"]
        help_texts = {"valid_from": "L'habilitation court un an à partir de cette date."}

    def clean(self):
        cleaned_data = super().clean()
        user, establishment = cleaned_data.get("user"), cleaned_data.get("establishment")
        valid_from = cleaned_data.get("valid_from")
        if user and establishment and valid_from:
            current = (
                Habilitation.objects.for_extranet(ExtranetCode.APART)
                .filter(user=user, establishment=establishment, valid_until__gte=valid_from)
                .first()
            )
            if current is not None:
                raise forms.ValidationError(
                    f"Ce compte est déjà habilité sur cet établissement, du {current.valid_from:%d/%m/%Y} au "
                    f"{current.valid_until:%d/%m/%Y} : prolongez cette habilitation plutôt que d'en créer une.",
                    code="already_habilitated",
                )
        return cleaned_data


@admin.register(Habilitation)
class HabilitationAdmin(admin.ModelAdmin):
    """A habilitation is read here; it is created (the add form), extended or ended (the actions) through the
    services, never edited in place."""

    list_display = ["user", "establishment", "extranet", "valid_from", "valid_until"]
    list_filter = [ActiveTodayFilter, "extranet", "valid_from"]
    search_fields = ["user__identifiant", "user__courriel", "establishment__siret", "establishment__denomination"]
    autocomplete_fields = ["user", "establishment"]
    list_select_related = ["user", "establishment", "extranet"]
    date_hierarchy = "valid_from"
    actions = ["extend_selected", "end_selected", "resend_account_emails"]
    add_form = HabilitationCreateForm

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return (
            ["user", "establishment", "valid_from"]
            if obj is None
            else ["user", "establishment", "extranet", "valid_from", "valid_until"]
        )

    def has_change_permission(self, request, obj=None):
        # The page of a habilitation is read-only; the actions of the list need the change permission.
        return obj is None and super().has_change_permission(request)

    def get_changeform_initial_data(self, request):
        return {"valid_from": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        habilitation = habilitation_create(
            by=request.user,
            user=form.cleaned_data["user"],
            establishment=form.cleaned_data["establishment"],
            valid_from=form.cleaned_data["valid_from"],
        )
        obj.pk = habilitation.pk  # the page that follows is the habilitation's (a new one, or the renewed one)
        obj.extranet, obj.valid_until = habilitation.extranet, habilitation.valid_until

    @admin.action(description="Prolonger d'un an les habilitations sélectionnées", permissions=["change"])
    def extend_selected(self, request, queryset):
        results = [habilitation_extend(habilitation=habilitation, by=request.user) for habilitation in queryset]
        extended = [result for result in results if result.extended]
        if extended:
            self.message_user(
                request,
                f"{len(extended)} habilitation(s) prolongée(s) ; les titulaires sont prévenus.",
                messages.SUCCESS,
            )
        for result in results:
            if not result.extended:  # a replayed request, or an end already a year away: nothing changed
                self.message_user(request, habilitation_already_extended_message(result), messages.INFO)

    @admin.action(description="Mettre fin aux habilitations sélectionnées", permissions=["change"])
    def end_selected(self, request, queryset):
        queryset = queryset.select_related("user", "establishment")
        if not is_confirmed(request):
            items = [
                (
                    f"{h.user.identifiant} sur {h.establishment.denomination} ({h.establishment.siret})",
                    [f"du {h.valid_from:%d/%m/%Y} au {h.valid_until:%d/%m/%Y}"],
                )
                for h in queryset
            ]
            return action_confirm_page(
                self,
                request,
                queryset,
                action="end_selected",
                title="Mettre fin aux habilitations",
                intro=(
                    "Ces habilitations cessent aujourd'hui, sur ces établissements seulement ; chaque titulaire est "
                    "prévenu par courriel."
                ),
                items=items,
            )
        results = [habilitation_end(habilitation=habilitation, by=request.user) for habilitation in queryset]
        self.message_user(request, f"{len(results)} habilitation(s) terminée(s).", messages.SUCCESS)
        return None

    def has_resend_emails_permission(self, request):
        return request.user.has_perm("habilitations.resend_account_emails")

    @admin.action(
        description="Renvoyer les courriels du compte (nouveau mot de passe provisoire s'il ne s'est jamais connecté)",
        permissions=["resend_emails"],
    )
    def resend_account_emails(self, request, queryset):
        sent = sum(len(account_emails_resend(habilitation=h, by=request.user).emails) for h in queryset)
        self.message_user(request, f"{sent} courriel(s) mis dans la file d'envoi.", messages.SUCCESS)


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
        error_messages={"required": "Indiquez le motif du refus : il est envoyé au demandeur."},
    )


@admin.register(AccountRequest)
class AccountRequestAdmin(admin.ModelAdmin):
    list_display = ["reference", "received", "establishment_column", "requester", "case", "status", "checks_summary"]
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
        "enseigne",
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
        "secret_question",
        "journal",
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
                    ("denomination", "enseigne"),
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
        ("Journal des actions", {"fields": ["journal"]}),
    ]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Once processed, a request is a record: nothing in it changes any more.
        if obj is not None and obj.status != AccountRequestStatus.PENDING:
            return [field.name for field in AccountRequest._meta.fields] + ["checks_table", "journal"]
        return self.readonly_fields

    @admin.display(description="reçue", ordering="created_at")
    def received(self, obj):
        return format_html(
            "{}<small>il y a {}</small>",
            f"{timezone.localtime(obj.created_at):%d/%m/%Y %H:%M}",
            elapsed(obj.created_at),
        )

    @admin.display(description="établissement", ordering="siret")
    def establishment_column(self, obj):
        return format_html("{}<small>{}</small>", obj.siret, obj.denomination)

    @admin.display(description="demandeur", ordering="nom")
    def requester(self, obj):
        return format_html("{} {}<small>{}</small>", obj.prenom, obj.nom, obj.courriel)

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

    @admin.display(description="actions des agents")
    def journal(self, obj):
        entries = StaffAction.objects.about(obj).select_related("actor").order_by("created_at")
        return (
            format_html_join(
                "",
                "<p>{} — {} — {}</p>",
                (
                    (f"{entry.created_at:%d/%m/%Y %H:%M}", entry.actor or "Traitement automatique", entry.summary)
                    for entry in entries
                ),
            )
            or "—"
        )

    # Each action asks for its own right (Meta.permissions), not the right to edit a request's fields.
    def has_approve_permission(self, request):
        return request.user.has_perm("habilitations.approve_accountrequest")

    def has_reject_permission(self, request):
        return request.user.has_perm("habilitations.reject_accountrequest")

    def has_resend_emails_permission(self, request):
        return request.user.has_perm("habilitations.resend_account_emails")

    @admin.action(description="Valider les demandes sélectionnées", permissions=["approve"])
    def approve_selected(self, request, queryset):
        pending = queryset.filter(status=AccountRequestStatus.PENDING)
        failing = [account_request for account_request in pending if account_request.failed_checks]
        if failing and not is_confirmed(request):
            return action_confirm_page(
                self,
                request,
                pending,
                action="approve_selected",
                title="Valider des demandes dont des contrôles ont échoué",
                intro=(
                    "Des contrôles automatiques ont échoué pour ces demandes. Vérifiez-les avant de valider : la "
                    "validation crée le compte, l'habilitation et envoie les courriels. "
                    + (
                        "L'établissement sera marqué vérifié : aucun courrier d'activation ne sera envoyé."
                        if request.user.has_perm("habilitations.verify_establishment")
                        else "Un établissement non vérifié le restera : un courrier d'activation sera envoyé à son "
                        "adresse SIRENE, comme après une validation automatique."
                    )
                ),
                items=[
                    (
                        str(account_request),
                        [
                            f"{check['label']} — {check.get('detail') or 'non'}"
                            for check in account_request.failed_checks
                        ],
                    )
                    for account_request in failing
                ],
            )
        approved, unaddressable = 0, []
        for account_request in pending:
            try:
                result = account_request_approve(account_request=account_request, by=request.user)
            except ActivationLetterUnaddressable:
                unaddressable.append(account_request.reference)
                continue
            approved += result.status == AccountRequestStatus.APPROVED
        self.message_user(request, f"{approved} demande(s) validée(s), courriels envoyés.", messages.SUCCESS)
        if unaddressable:
            self.message_user(
                request,
                "Laissée(s) en attente, aucune adresse SIRENE où envoyer le courrier d'activation : "
                + ", ".join(unaddressable)
                + ". Un agent qui peut vérifier les établissements peut la (les) valider.",
                messages.WARNING,
            )
        return None

    @admin.action(description="Refuser les demandes sélectionnées (avec un motif)", permissions=["reject"])
    def reject_selected(self, request, queryset):
        pending = queryset.filter(status=AccountRequestStatus.PENDING)
        form = RejectForm(request.POST if is_confirmed(request) else None)
        if is_confirmed(request) and form.is_valid():
            for account_request in pending:
                account_request_reject(
                    account_request=account_request, by=request.user, reason=form.cleaned_data["reason"]
                )
            self.message_user(request, f"{pending.count()} demande(s) refusée(s).", messages.SUCCESS)
            return None
        return action_confirm_page(
            self,
            request,
            pending,
            action="reject_selected",
            title="Refuser des demandes de création de compte",
            intro="Les demandes suivantes seront refusées ; le motif est envoyé par courriel à chaque demandeur.",
            items=[(str(account_request), []) for account_request in pending],
            form=form,
        )

    @admin.action(
        description="Renvoyer les courriels (nouveau mot de passe provisoire s'il ne s'est jamais connecté)",
        permissions=["resend_emails"],
    )
    def resend_emails(self, request, queryset):
        sent = 0
        for account_request in queryset.filter(status=AccountRequestStatus.APPROVED):
            habilitation = account_request_habilitation(account_request)
            if habilitation is not None:
                sent += len(
                    account_emails_resend(habilitation=habilitation, by=request.user, about=account_request).emails
                )
        # Queued, not sent: the outbox sends them next, and may fail (their state is in « Courriels (file d'envoi) »).
        self.message_user(request, f"{sent} courriel(s) remis en file d'envoi.", messages.SUCCESS)


@admin.register(ActivationLetter)
class ActivationLetterAdmin(admin.ModelAdmin):
    """The letters are read here (never their code); a new one replaces a lost, expired or locked one."""

    list_display = ["establishment", "user", "created_at", "expires_at", "exported_at", "failed_tries", "state"]
    list_filter = ["created_at", "exported_at", "used_at"]
    search_fields = ["establishment__siret", "establishment__denomination", "user__identifiant", "user__courriel"]
    list_select_related = ["establishment", "user"]
    actions = ["issue_new_letter"]
    fields = [
        "establishment",
        "user",
        "account_request",
        "recipient",
        "created_at",
        "expires_at",
        "exported_at",
        "failed_tries",
        "used_at",
        "cancelled_at",
        "state",
    ]
    readonly_fields = fields

    @admin.display(description="état")
    def state(self, obj):
        return obj.state

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None  # the list's actions only

    def has_verify_permission(self, request):
        return request.user.has_perm("habilitations.verify_establishment")

    @admin.action(
        description="Émettre un nouveau courrier d'activation (remplace celui du même demandeur)",
        permissions=["verify"],
    )
    def issue_new_letter(self, request, queryset):
        issued, refused = 0, []
        for letter in queryset.select_related("establishment", "user"):
            if letter.establishment.is_verified:
                refused.append(f"{letter.establishment.siret} (déjà vérifié)")
                continue
            try:
                activation_letter_issue(
                    establishment=letter.establishment,
                    user=letter.user,
                    account_request=letter.account_request,
                    by=request.user,
                )
            except ActivationLetterUnaddressable:
                refused.append(f"{letter.establishment.siret} (aucune adresse SIRENE)")
                continue
            issued += 1
        self.message_user(request, f"{issued} nouveau(x) courrier(s) d'activation émis, à imprimer.", messages.SUCCESS)
        if refused:
            self.message_user(request, "Aucun courrier pour : " + ", ".join(refused), messages.WARNING)


@admin.register(BankDetails)
class BankDetailsAdmin(admin.ModelAdmin):
    list_display = ["establishment", "titulaire", "bic", "updated_at"]
    search_fields = ["establishment__siret", "establishment__denomination", "titulaire"]
    readonly_fields = ["establishment", "iban", "bic", "titulaire", "updated_at", "updated_by"]

    def has_add_permission(self, request):
        return False


# The contrats de prestation's admin lives in its own module; imported here so that the admin registers it.
from . import contrat_admin  # noqa: E402, F401


class HabilitationBatchLineInline(ReadOnlyMixin, admin.TabularInline):
    model = HabilitationBatchLine
    fields = ["line_number", "siret_typed", "result", "message", "establishment", "account_request"]
    readonly_fields = fields
    raw_id_fields = ["establishment", "account_request"]
    extra = 0


@admin.register(HabilitationBatch)
class HabilitationBatchAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The « Demandes d'habilitation en masse », read only: each line's request is processed in its own page."""

    list_display = ["pk", "user", "created_at", "source", "status", "total", "processed", "pending_count"]
    list_filter = ["status", "created_at"]
    search_fields = ["user__identifiant", "user__courriel", "lines__siret"]
    list_select_related = ["user"]
    inlines = [HabilitationBatchLineInline]
