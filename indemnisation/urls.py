from django.urls import path

from . import views, views_saisie

app_name = "indemnisation"

urlpatterns = [
    path("espace/di/", views.demande_list, name="list"),
    path("espace/di/export.csv", views.demande_export_csv, name="export_csv"),
    path("espace/di/nouvelle/", views_saisie.demande_new, name="new"),
    path("espace/di/modele.csv", views_saisie.modele_csv, name="modele_csv"),
    path("espace/di/<str:numero>/", views.demande_detail, name="detail"),
    path("espace/di/<str:numero>/recapitulatif.pdf", views.recapitulatif_pdf, name="recapitulatif_pdf"),
    path("espace/di/<str:numero>/saisie/", views_saisie.demande_saisie, name="saisie"),
    path("espace/di/<str:numero>/supprimer/", views_saisie.demande_delete_view, name="delete"),
]
