from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm

from habilitations.models import Habilitation

from .models import PasswordResetToken, RecoveryEvent, User


class HabilitationInline(admin.TabularInline):
    model = Habilitation
    extra = 0
    fields = ["establishment", "extranet", "valid_from", "valid_until"]
    autocomplete_fields = ["establishment"]


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
    readonly_fields = ["created_at", "updated_at", "last_login", "has_secret_answer"]
    inlines = [HabilitationInline]
    fieldsets = [
        (None, {"fields": ["identifiant", "password"]}),
        ("État civil et contact", {"fields": ["nom", "prenom", "telephone", "courriel"]}),
        ("Question secrète", {"fields": ["secret_question", "has_secret_answer"]}),
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
