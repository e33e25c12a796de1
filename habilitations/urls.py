from django.urls import path

from . import views

app_name = "habilitations"

urlpatterns = [
    path("creer-mon-espace/", views.siret_step, name="create_space"),
    path("creer-mon-espace/compte/", views.account_step, name="create_space_account"),
    path("creer-mon-espace/demande-transmise/", views.done, name="create_space_done"),
    path("creer-mon-espace/communes/", views.communes, name="communes"),
]
