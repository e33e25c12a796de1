from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from apart.admin_actions import action_confirm_page, is_confirmed

from .lockout import ip_lockout_remaining, lockout_response
from .models import CourrielChangeToken, PasswordResetToken, RecoveryEvent, TwoFactorDevice, User
from .services import user_secret_question_reset
from .two_factor import confirmed_device, login_or_ask_code, may_reset_two_factor, two_factor_reset


class _AdminLoginView(LoginView):
    def form_valid(self, form):
        return login_or_ask_code(
            self.request, form.get_user(), username=form.cleaned_data["username"], next_url=self.get_success_url()
        )


@never_cache
@login_not_required
def admin_login(request, extra_context=None):
    """/admin/login/ under the policy of /connexion/: the same lockout (the IP limit checked before the form, as
    there; the pair lockout in django-axes' backend), then the "Code de vérification" before the session exists.
    Django's AdminSite.login otherwise."""
    site = admin.site
    if request.method == "GET" and site.has_permission(request):
        return HttpResponseRedirect(reverse("admin:index", current_app=site.name))
    if request.method == "POST" and ip_lockout_remaining(request):
        return lockout_response(request)
    context = {
        **site.each_context(request),
        "title": "Connexion",
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=site.name)
    context.update(extra_context or {})
    request.current_app = site.name
    view = _AdminLoginView.as_view(
        extra_context=context, authentication_form=AdminAuthenticationForm, template_name="admin/login.html"
    )
    return view(request)


admin.site.login = admin_login


class UserAdminCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["identifiant", "courriel", "nom", "prenom"]


PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]
# Where the account's secrets go (a new temporary password by « Renvoyer les courriels », a reset link) and the
# name it logs in with: changing them would hand the account to whoever types them.
CONTACT_FIELDS = ["identifiant", "courriel"]


def _is_privileged(user: User) -> bool:
    return user.is_staff or user.is_superuser


class TwoFactorResetForm(forms.Form):
    motif = forms.CharField(
        label="Motif (inscrit au journal des actions des agents)",
        help_text="Par exemple : téléphone perdu, identité vérifiée par l'assistance (demande n° …).",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=500,
        error_messages={"required": "Indiquez le motif de la réinitialisation : il est inscrit au journal."},
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAdminCreationForm
    add_form_template = "admin/accounts/user/add_form.html"  # Django's own, its French sentence corrected
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
        "two_factor_state",
        "two_factor_grace_started_at",
        "two_factor_grace_reminded_at",
    ]
    actions = ["reset_secret_question", "reset_two_factor"]
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
        (
            "Double authentification",
            {
                "fields": ["two_factor_state", "two_factor_grace_started_at", "two_factor_grace_reminded_at"],
                "description": "Téléphone et codes de secours perdus : action « Réinitialiser la double "
                "authentification » de la liste (avec un motif) ; la personne l'active à nouveau à sa prochaine "
                "connexion.",
            },
        ),
        ("Connexion", {"fields": ["must_change_password", "is_active", "last_login"]}),
        ("Droits ASP", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Historique", {"fields": ["created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["identifiant", "courriel", "nom", "prenom", "password1", "password2"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Rights are given by a superuser only (the staff roles by `sync_staff_roles`): a staff member cannot raise
        # their own rights nor anyone's. A read-only field is left out of the form, so a forged POST is ignored.
        # Nor may they redirect an existing account's courriel or identifiant (only a superuser does; the holder
        # changes his own courriel through « Mon compte », confirmed from the new address).
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [field for field in PRIVILEGE_FIELDS if field not in readonly]
            if obj is not None:
                readonly += [field for field in CONTACT_FIELDS if field not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        # A staff member who is not a superuser cannot take over another agent's account (password, courriel…).
        if obj is not None and not request.user.is_superuser and _is_privileged(obj) and obj.pk != request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # Typing a password for someone else lets one log in as them: a superuser's act only. The desk's ways (a
        # new temporary password by « Renvoyer les courriels », « J'ai oublié mon mot de passe ») never show it.
        if not request.user.is_superuser and str(request.user.pk) != str(id):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not request.user.is_superuser and _is_privileged(obj):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="réponse secrète enregistrée", boolean=True)
    def has_secret_answer(self, obj):
        return bool(obj.secret_answer_hash)

    @admin.display(description="double authentification")
    def two_factor_state(self, obj):
        if obj.pk is None:
            return "—"
        if confirmed_device(obj) is None:
            return "Non activée"
        return f"Activée ({obj.two_factor_recovery_codes.unused().count()} code(s) de secours utilisable(s))"

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
        if not request.user.is_superuser:
            queryset = queryset.filter(is_staff=False, is_superuser=False)
        for user in queryset:
            user_secret_question_reset(user=user, by=request.user)
        self.message_user(
            request,
            f"{queryset.count()} question(s) secrète(s) réinitialisée(s) ; un courriel prévient chaque personne.",
            messages.SUCCESS,
        )

    def has_reset_two_factor_permission(self, request):
        return request.user.has_perm("accounts.reset_two_factor")

    @admin.action(
        description="Réinitialiser la double authentification (téléphone et codes de secours perdus)",
        permissions=["reset_two_factor"],
    )
    def reset_two_factor(self, request, queryset):
        allowed = [user for user in queryset if may_reset_two_factor(user=user, by=request.user)]
        refused = [user.identifiant for user in queryset if user not in allowed]
        if refused:
            self.message_user(
                request,
                "Laissé(s) tel(s) quel(s) : la double authentification d'un agent ou d'un super-utilisateur n'est "
                "réinitialisée que par un super-utilisateur — " + ", ".join(refused) + ".",
                messages.WARNING,
            )
        if not allowed:
            return None
        form = TwoFactorResetForm(request.POST if is_confirmed(request) else None)
        if is_confirmed(request) and form.is_valid():
            for user in allowed:
                two_factor_reset(user=user, by=request.user, motif=form.cleaned_data["motif"])
            self.message_user(
                request,
                f"{len(allowed)} double(s) authentification(s) réinitialisée(s) ; un courriel prévient chaque "
                "personne.",
                messages.SUCCESS,
            )
            return None
        return action_confirm_page(
            self,
            request,
            queryset.filter(pk__in=[user.pk for user in allowed]),
            action="reset_two_factor",
            title="Réinitialiser la double authentification",
            intro="L'application d'authentification et les codes de secours de ces comptes seront supprimés ; "
            "chaque personne en est prévenue par courriel et active à nouveau la double authentification à sa "
            "prochaine connexion (si elle lui est obligatoire).",
            items=[(f"{user.identifiant} — {user.get_full_name()}", []) for user in allowed],
            form=form,
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


class OneTimeTokenAdmin(admin.ModelAdmin):
    """Links issued: their dates and state, read only; only the token's hash is stored, and it is never shown."""

    list_display = ["user", "created_at", "expires_at", "used_at", "voided_at", "voided_reason"]
    list_filter = ["voided_reason"]
    search_fields = ["user__identifiant", "user__courriel"]
    exclude = ["token_hash"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PasswordResetToken)
class PasswordResetTokenAdmin(OneTimeTokenAdmin):
    pass


class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """django-axes' page of login failures; its clean-up action deletes rows, so it needs the right to delete
    (django-axes declares none: anyone who may read the page could run it)."""

    actions = ["cleanup_expired_attempts"]

    @admin.action(description="Supprimer les tentatives expirées", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        return super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)


@admin.register(CourrielChangeToken)
class CourrielChangeTokenAdmin(OneTimeTokenAdmin):
    list_display = ["user", "new_courriel", "created_at", "expires_at", "used_at", "voided_at", "voided_reason"]
    search_fields = ["user__identifiant", "user__courriel", "new_courriel"]


class _ConfirmedFilter(admin.SimpleListFilter):
    title = "activé"
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("1", "Oui"), ("0", "Non (activation commencée, pas terminée)")]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(confirmed=self.value() == "1")
        return queryset


# django-otp's own page (« TOTP devices », in English, and able to show a key to whoever adds a device) is replaced.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    """The users' authenticator apps: read, or deleted when a phone and the recovery codes are lost (the user then
    activates the double authentification again). Never added nor edited here, and the key is never shown."""

    list_display = ["utilisateur", "nom", "active", "cree_le", "derniere_utilisation"]
    list_filter = [_ConfirmedFilter]
    search_fields = ["user__identifiant", "user__courriel", "user__nom"]
    search_help_text = "Identifiant, courriel ou nom de l'utilisateur."
    list_select_related = ["user"]
    fieldsets = [
        ("Appareil", {"fields": ["utilisateur", "nom", "active"]}),
        ("Dates", {"fields": ["cree_le", "derniere_utilisation"]}),
        ("Codes refusés", {"fields": ["echecs", "dernier_echec"]}),
        ("Réglages", {"fields": ["chiffres", "pas", "tolerance", "derive"]}),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="utilisateur", ordering="user__identifiant")
    def utilisateur(self, device):
        return device.user

    @admin.display(description="nom", ordering="name")
    def nom(self, device):
        return device.name

    @admin.display(description="activé", boolean=True, ordering="confirmed")
    def active(self, device):
        return device.confirmed

    @admin.display(description="créé le", ordering="created_at")
    def cree_le(self, device):
        return device.created_at

    @admin.display(description="dernière utilisation", ordering="last_used_at")
    def derniere_utilisation(self, device):
        return device.last_used_at

    @admin.display(description="codes refusés à la suite")
    def echecs(self, device):
        return device.throttling_failure_count

    @admin.display(description="dernier code refusé")
    def dernier_echec(self, device):
        return device.throttling_failure_timestamp

    @admin.display(description="nombre de chiffres")
    def chiffres(self, device):
        return device.digits

    @admin.display(description="durée de validité d'un code (secondes)")
    def pas(self, device):
        return device.step

    @admin.display(description="tolérance (pas acceptés avant ou après)")
    def tolerance(self, device):
        return device.tolerance

    @admin.display(description="décalage d'horloge constaté (pas)")
    def derive(self, device):
        return device.drift
