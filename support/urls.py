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
    path("besoin-d-aide/", views.help_home, name="help"),
    path("besoin-d-aide/articles/<slug:slug>/", views.article_detail, name="article"),
    path("besoin-d-aide/assistance/", views.assistance, name="assistance"),
    path("besoin-d-aide/assistance/demande-envoyee/", views.assistance_done, name="assistance_done"),
    path("besoin-d-aide/assistance/repondre/<str:token>/", views.ticket_reply, name="ticket_reply"),
]
