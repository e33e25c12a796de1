from django.urls import path
from django.views.generic import TemplateView

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("favicon.ico", views.FaviconView.as_view(), name="favicon"),
    path(
        "mentions-legales/", TemplateView.as_view(template_name="portal/mentions_legales.html"), name="mentions_legales"
    ),
    path(
        "conditions-generales-d-utilisation/",
        TemplateView.as_view(template_name="portal/cgu.html"),
        name="cgu",
    ),
    path("contrat-de-prestation/", views.ContratDePrestationView.as_view(), name="contrat_de_prestation"),
    path("contrat-de-prestation/modele.pdf", views.contrat_modele_pdf, name="contrat_modele_pdf"),
]
