from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm

from habilitations.models import Habilitation

from .models import User


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
