from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from .models import CourrielChangeToken, PasswordResetToken, RecoveryEvent, User
from .services import user_secret_question_reset


class UserAdminCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["identifiant", "courriel", "nom", "prenom"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAdminCreationForm
    list_display = ["identifiant", "nom", "prenom", "courriel", "must_change_password", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "must_change_password", "habilitations__extranet"]
    search_fields = ["identifiant", "courriel", "nom", "prenom", "habilitations__establishment__siret"]
    ordering = ["identifiant"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "last_login",
        "secret_question",
        "has_secret_answer",
        "must_set_secret_question",
        "habilitations_list",
    ]
    actions = ["reset_secret_question"]
    fieldsets = [
        (None, {"fields": ["identifiant", "password"]}),
        ("État civil et contact", {"fields": ["nom", "prenom", "telephone", "courriel"]}),
        (
            "Question secrète",
            {
                "fields": ["secret_question", "has_secret_answer", "must_set_secret_question"],
                "description": "Elle se réinitialise par l'action « Réinitialiser la question secrète » de la liste : "
                "la personne en choisit une nouvelle, avec sa réponse, à sa prochaine connexion.",
            },
        ),
        ("Habilitations", {"fields": ["habilitations_list"]}),
        ("Connexion", {"fields": ["must_change_password", "is_active", "last_login"]}),
        ("Droits ASP", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Historique", {"fields": ["created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["identifiant", "courriel", "nom", "prenom", "password1", "password2"]}),
    ]

    @admin.display(description="réponse secrète enregistrée", boolean=True)
    def has_secret_answer(self, obj):
        return bool(obj.secret_answer_hash)

    @admin.display(description="habilitations")
    def habilitations_list(self, obj):
        """Read here; created, extended or ended in « Habilitations » (through their services)."""
        habilitations = obj.habilitations.select_related("establishment", "extranet").order_by("-valid_until")
        rows = format_html_join(
            "",
            "<li>{}</li>",
            (
                (
                    f"{habilitation.extranet} — {habilitation.establishment.denomination} "
                    f"({habilitation.establishment.siret}), du {habilitation.valid_from:%d/%m/%Y} "
                    f"au {habilitation.valid_until:%d/%m/%Y}",
                )
                for habilitation in habilitations
            ),
        )
        try:
            url = reverse("admin:habilitations_habilitation_changelist")
        except NoReverseMatch:
            return format_html("<ul>{}</ul>", rows)
        return format_html(
            '<ul>{}</ul><p><a href="{}?q={}">Gérer ses habilitations</a> · <a href="{}add/?user={}">Habiliter ce '
            "compte sur un établissement</a></p>",
            rows or "Aucune.",
            url,
            obj.identifiant,
            url,
            obj.pk,
        )

    @admin.action(
        description="Réinitialiser la question secrète (nouvelle question à la prochaine connexion)",
        permissions=["change"],
    )
    def reset_secret_question(self, request, queryset):
        for user in queryset:
            user_secret_question_reset(user=user, by=request.user)
        self.message_user(
            request,
            f"{queryset.count()} question(s) secrète(s) réinitialisée(s) ; un courriel prévient chaque personne.",
            messages.SUCCESS,
        )

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, True if search_term else may_have_duplicates


@admin.register(RecoveryEvent)
class RecoveryEventAdmin(admin.ModelAdmin):
    """The audit trail of "J'ai oublié mon mot de passe / mon identifiant": read-only."""

    list_display = ["created_at", "kind", "typed", "user", "ip_address"]
    list_filter = ["kind", "created_at"]
    search_fields = ["typed", "user__identifiant", "user__courriel", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PasswordResetToken)
class PasswordResetTokenAdmin(admin.ModelAdmin):
    """Reset links issued: their dates and state; the token itself is never stored, only its hash."""

    list_display = ["user", "created_at", "expires_at", "used_at", "voided_at", "voided_reason"]
    list_filter = ["voided_reason"]
    search_fields = ["user__identifiant", "user__courriel"]
    exclude = ["token_hash"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CourrielChangeToken)
class CourrielChangeTokenAdmin(admin.ModelAdmin):
    """Courriel change links issued: their dates and state; only the token's hash is stored, and never shown."""

    list_display = ["user", "new_courriel", "created_at", "expires_at", "used_at", "voided_at", "voided_reason"]
    list_filter = ["voided_reason"]
    search_fields = ["user__identifiant", "user__courriel", "new_courriel"]
    exclude = ["token_hash"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
