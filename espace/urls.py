from django.urls import path

from . import contrats, views

app_name = "espace"

urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("espace/", views.home, name="home"),
    path("espace/etablissements/", views.establishment_list, name="establishments"),
    path("espace/etablissements/export/", views.establishment_export_csv, name="establishments_export"),
    path("espace/etablissements/<str:siret>/", views.establishment_detail, name="establishment"),
    path(
        "espace/etablissements/<str:siret>/coordonnees-bancaires/",
        views.establishment_bank_details,
        name="establishment_bank_details",
    ),
    path("espace/etablissements/<str:siret>/code-activation/", views.activation_code, name="activation_code"),
    path("espace/demande-creation-compte/", views.colleague_account_request, name="colleague_account_request"),
    path("espace/contrats-de-prestation/", contrats.contrat_list, name="contrats"),
    path("espace/contrats-de-prestation/<int:pk>/fin/", contrats.contrat_end_view, name="contrat_end"),
    path("espace/contrats-de-prestation/<int:pk>/contrat.pdf", contrats.contrat_fichier, name="contrat_fichier"),
    path("espace/habilitations-en-masse/", views.habilitation_batch_new, name="habilitation_batches"),
    path("espace/habilitations-en-masse/<int:pk>/", views.habilitation_batch_detail, name="habilitation_batch"),
    path(
        "espace/habilitations-en-masse/<int:pk>/rapport.csv",
        views.habilitation_batch_report,
        name="habilitation_batch_report",
    ),
]
