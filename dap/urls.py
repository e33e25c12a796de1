from django.urls import path

from . import views, views_decisions

app_name = "dap"

urlpatterns = [
    path("espace/dap/", views.demande_list, name="list"),
    path("espace/dap/nouvelle/", views.demande_new, name="new"),
    path("espace/dap/<str:numero>/", views.demande_detail, name="detail"),
    path("espace/dap/<str:numero>/modifier/", views.demande_edit, name="edit"),
    path("espace/dap/<str:numero>/envoyer/", views.demande_send_view, name="send"),
    path("espace/dap/<str:numero>/supprimer/", views.demande_delete_view, name="delete"),
    path("espace/dap/<str:numero>/retirer/", views.demande_withdraw_view, name="withdraw"),
    path("espace/dap/<str:numero>/complement/", views.demande_complement_view, name="complement"),
    path("espace/dap/<str:numero>/cse/", views.demande_cse_view, name="cse"),
    path("espace/dap/<str:numero>/avenant/", views.avenant_new, name="avenant"),
    path(
        "espace/dap/<str:numero>/accuse-reception.pdf",
        views_decisions.accuse_reception_pdf_view,
        name="accuse_reception_pdf",
    ),
    path("espace/decisions/", views_decisions.decision_list, name="decision_list"),
    path("espace/decisions/<str:numero>/", views_decisions.decision_detail, name="decision"),
    path("espace/decisions/<str:numero>/decision.pdf", views_decisions.decision_pdf_view, name="decision_pdf"),
]
