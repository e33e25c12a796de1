from django.urls import path

from . import views

app_name = "habilitations"


def _later(route, name, title):
    return path(route, views.coming_later, {"title": title}, name=name)


urlpatterns = [
    path("creer-mon-espace/", views.siret_step, name="create_space"),
    path("creer-mon-espace/compte/", views.account_step, name="create_space_account"),
    path("creer-mon-espace/demande-transmise/", views.done, name="create_space_done"),
    path("creer-mon-espace/communes/", views.communes, name="communes"),
    path("espace/", views.space, name="space"),
    path("espace/etablissements/", views.establishment_list, name="establishments"),
    path("espace/etablissements/<str:siret>/", views.establishment_detail, name="establishment"),
    path("espace/demande-creation-compte/", views.colleague_account_request, name="colleague_account_request"),
    _later("espace/dap/", "dap_list", "Mes Demandes d'Autorisation Préalable"),
    _later("espace/dap/nouvelle/", "dap_new", "Nouvelle demande d'autorisation préalable"),
    _later("espace/decisions/", "decision_list", "Mes Décisions d'Autorisation"),
    _later("espace/di/", "di_list", "Mes Demandes d'Indemnisation"),
    _later("espace/di/nouvelle/", "di_new", "Nouvelle demande d'indemnisation"),
]
