from django.urls import path

from apart.views import coming

from . import views_decisions

app_name = "dap"

urlpatterns = [
    coming("espace/dap/", "list", "Mes Demandes d'Autorisation Préalable", space=True),
    coming("espace/dap/nouvelle/", "new", "Nouvelle demande d'autorisation préalable", space=True),
    path(
        "espace/dap/<str:numero>/accuse-reception.pdf",
        views_decisions.accuse_reception_pdf_view,
        name="accuse_reception_pdf",
    ),
    path("espace/decisions/", views_decisions.decision_list, name="decision_list"),
    path("espace/decisions/<str:numero>/", views_decisions.decision_detail, name="decision"),
    path("espace/decisions/<str:numero>/decision.pdf", views_decisions.decision_pdf_view, name="decision_pdf"),
]
