"""The UD agents in the ASP's admin (Superviseur ASP): list, add (through the service: a temporary password is
e-mailed), change their départements. Their work itself is in the back office /instruction/, not here."""

from django import forms
from django.contrib import admin, messages

from accounts.models import User
from referentiels.departements import DEPARTEMENT_CHOICES

from .models import AgentUD
from .services import AgentRefused, agent_create, agent_departements_set


class _DepartementsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Départements instruits",
            choices=DEPARTEMENT_CHOICES,
            widget=forms.SelectMultiple(attrs={"size": 12}),
            help_text="Les demandes des établissements dont le code postal est dans ces départements "
            "(Ctrl ou Cmd pour en choisir plusieurs).",
            **kwargs,
        )


class AgentAddForm(forms.ModelForm):
    identifiant = forms.CharField(label="Identifiant", max_length=150)
    prenom = forms.CharField(label="Prénom", max_length=100)
    nom = forms.CharField(label="Nom", max_length=100)
    courriel = forms.EmailField(label="Courriel", help_text="Le mot de passe provisoire y est envoyé.")
    departements = _DepartementsField()

    class Meta:
        model = AgentUD
        fields = []

    def clean_identifiant(self):
        identifiant = self.cleaned_data["identifiant"].strip()
        if User.objects.with_identifiant(identifiant).exists():
            raise forms.ValidationError("Cet identifiant est déjà pris.")
        return identifiant

    def clean_courriel(self):
        courriel = self.cleaned_data["courriel"]
        if User.objects.with_courriel(courriel).exists():
            raise forms.ValidationError("Un compte existe déjà avec ce courriel.")
        return courriel


class AgentChangeForm(forms.ModelForm):
    departements = _DepartementsField()

    class Meta:
        model = AgentUD
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["departements"] = self.instance.departement_codes


@admin.register(AgentUD)
class AgentUDAdmin(admin.ModelAdmin):
    list_display = ["identifiant", "nom_complet", "courriel", "departements_list", "actif"]
    search_fields = ["user__identifiant", "user__nom", "user__prenom", "user__courriel", "departements__code"]
    list_filter = ["departements__code"]
    readonly_fields = ["user", "created_at", "updated_at"]
    actions = None  # nothing in bulk (no deletion: an agent's decisions stay signed by its account)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").prefetch_related("departements")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AgentChangeForm if obj is not None else AgentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["identifiant", "prenom", "nom", "courriel", "departements"]
        return ["user", "departements", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            agent_departements_set(agent=obj, departements=data["departements"], by=request.user)
            return
        try:
            created = agent_create(
                identifiant=data["identifiant"],
                courriel=data["courriel"],
                nom=data["nom"],
                prenom=data["prenom"],
                departements=data["departements"],
                by=request.user,
            )
        except AgentRefused as error:  # a race with another creation: the form had checked it
            messages.error(request, str(error))
            raise
        obj.pk, obj.user = created.agent.pk, created.agent.user
        messages.info(request, f"Un mot de passe provisoire a été envoyé à {obj.user.courriel}.")

    def save_related(self, request, form, formsets, change):
        pass  # the départements were written by the service

    @admin.display(description="identifiant", ordering="user__identifiant")
    def identifiant(self, obj):
        return obj.user.identifiant

    @admin.display(description="nom")
    def nom_complet(self, obj):
        return f"{obj.user.prenom} {obj.user.nom}"

    @admin.display(description="courriel")
    def courriel(self, obj):
        return obj.user.courriel

    @admin.display(description="départements")
    def departements_list(self, obj):
        return ", ".join(obj.departement_codes)

    @admin.display(description="actif", boolean=True)
    def actif(self, obj):
        return obj.user.is_active
