"""« Déclarer un contrat de prestation »: the firm's user declares the signed contract of an establishment; he, or
another user habilitated on it (the employer), may end an active one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from apart.forms import REQUIRED, RequiredFieldsMessageMixin, TextField, add_errors
from habilitations.contrat_services import (
    ContratInvalide,
    ContratRefuse,
    can_end_contrat,
    contrat_declare,
    contrat_end,
    contrat_fichier_erreur,
)
from habilitations.contrats import ContratPrestation
from habilitations.models import Establishment
from habilitations.selectors import establishments_for_user
from referentiels.validators import clean_siret, validate_siret


class SiretField(TextField):
    def normalize(self, value):
        value = clean_siret(value)
        validate_siret(value)
        return value


class ContratPrestationForm(RequiredFieldsMessageMixin, forms.Form):
    establishment = forms.ModelChoiceField(
        label="N° de Siret de l'établissement",
        queryset=Establishment.objects.none(),
        empty_label="Sélectionnez un établissement",
        error_messages={"required": REQUIRED, "invalid_choice": "Choisissez un de vos établissements."},
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    siret_cabinet = SiretField(
        label="N° de Siret du cabinet",
        max_length=20,
        help_text="14 chiffres, espaces permis",
        attrs={"inputmode": "numeric", "autocomplete": "off"},
    )
    nom_cabinet = TextField(label="Nom du cabinet", max_length=255, attrs={"autocomplete": "organization"})
    fichier = forms.FileField(
        label="Contrat signé (PDF, 5 Mo maximum)",
        help_text="Le contrat signé par l'employeur et par le cabinet, au format PDF.",
        error_messages={"required": REQUIRED, "empty": "Le fichier est vide."},
        widget=forms.FileInput(attrs={"class": "fr-upload", "accept": ".pdf,application/pdf"}),
    )

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments
        self.fields["establishment"].label_from_instance = lambda e: f"{e.siret} — {e.display_name}"

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if erreur := contrat_fichier_erreur(fichier):
            raise forms.ValidationError(erreur)
        return fichier


def _contrats(user):
    return (
        ContratPrestation.objects.for_user(user)
        .select_related("establishment", "declared_by")
        .order_by("-declared_at", "-id")
    )


@login_required
@require_http_methods(["GET", "POST"])
def contrat_list(request):
    """« Déclarer un contrat de prestation »: the user's contracts (his own and his establishments'), and the form."""
    establishments = establishments_for_user(user=request.user)
    initial = {"establishment": request.current_establishment or None}
    form = ContratPrestationForm(
        request.POST or None, request.FILES or None, establishments=establishments, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            contrat = contrat_declare(
                by=request.user,
                establishment=form.cleaned_data["establishment"],
                siret_cabinet=form.cleaned_data["siret_cabinet"],
                nom_cabinet=form.cleaned_data["nom_cabinet"],
                fichier=form.cleaned_data["fichier"],
            )
        except ContratInvalide as error:
            add_errors(form, error.erreurs)
        except ContratRefuse as refusal:
            form.add_error("establishment", refusal.reason)
        else:
            messages.success(
                request,
                f"Votre contrat de prestation pour {contrat.establishment.display_name} est déclaré : il est en "
                "attente de validation par l'ASP. Vous serez informé par courriel.",
            )
            return redirect("espace:contrats")
    contrats = list(_contrats(request.user))
    for contrat in contrats:
        contrat.can_end = contrat.is_active and can_end_contrat(request.user, contrat)
    context = {"form": form, "contrats": contrats, "menu": "contrats"}
    return render(request, "espace/contrats.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contrat_end_view(request, pk):
    """« Mettre fin au contrat »: a confirmation page, then the POST. Another user's contract is a 404."""
    contrat = get_object_or_404(_contrats(request.user), pk=pk)
    if not contrat.is_active or not can_end_contrat(request.user, contrat):
        messages.info(request, "Ce contrat de prestation n'est plus en cours : rien n'a été modifié.")
        return redirect("espace:contrats")
    if request.method == "POST":
        try:
            result = contrat_end(contrat=contrat, by=request.user)
        except ContratRefuse as refusal:
            messages.error(request, refusal.reason)
            return redirect("espace:contrats")
        if not result.ended:
            messages.info(request, "Ce contrat de prestation n'est plus en cours : rien n'a été modifié.")
        elif result.contact_restored is False:
            messages.warning(
                request,
                "Le contrat de prestation est terminé. La personne à contacter de la fiche établissement a été "
                "modifiée depuis la validation du contrat : elle est laissée telle quelle.",
            )
        elif result.contact_restored:
            messages.success(
                request,
                "Le contrat de prestation est terminé : la personne à contacter précédente de l'établissement est "
                "rétablie.",
            )
        else:
            messages.success(request, "Le contrat de prestation est terminé.")
        return redirect("espace:contrats")
    return render(request, "espace/contrat_end.html", {"contrat": contrat, "menu": "contrats"})


@login_required
def contrat_fichier(request, pk):
    """The signed contract as declared, for the firm's user and the establishment's habilitated users (a 404 for
    anyone else), served by the application, never from a public media URL."""
    contrat = get_object_or_404(_contrats(request.user), pk=pk)
    if not contrat.fichier:
        raise Http404
    response = FileResponse(
        contrat.fichier.open("rb"), as_attachment=True, filename=contrat.fichier_nom, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
