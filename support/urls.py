from django.urls import path
from django.views.generic import TemplateView

from . import views

app_name = "support"


def _soon(route, name, title, description=""):
    return path(route, views.coming_soon, {"title": title, "description": description}, name=name)


urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "mentions-legales/",
        TemplateView.as_view(template_name="support/mentions_legales.html"),
        name="mentions_legales",
    ),
    path(
        "conditions-generales-d-utilisation/",
        TemplateView.as_view(template_name="support/cgu.html"),
        name="cgu",
    ),
    path(
        "contrat-de-prestation/",
        TemplateView.as_view(template_name="support/contrat_de_prestation.html"),
        name="contrat_de_prestation",
    ),
    _soon(
        "simulation-indemnisation/",
        "simulation",
        "Simulation de l'indemnisation de l'employeur en cas d'activité partielle",
        "Le simulateur permettra d'estimer le montant remboursé par l'État au titre d'une période "
        "d'activité partielle des salariés.",
    ),
    _soon(
        "besoin-d-aide/",
        "help",
        "Besoin d'aide ?",
        "Consultez notre base de connaissances ou contactez le support technique : "
        "contact-ap@asp-public.fr, 0820 722 111 (métropole) ou 0821 401 400 (DOM).",
    ),
    _soon(
        "besoin-d-aide/assistance/",
        "assistance",
        "Formulaire de demande d'assistance",
        "En attendant, vous pouvez écrire à contact-ap@asp-public.fr.",
    ),
]
