from django.urls import path

from . import api, views

app_name = "bareme"

urlpatterns = [
    path("simulation-indemnisation/", views.simulation, name="simulation"),
    path("simulation-indemnisation/bareme/", views.bareme_historique, name="historique"),
    path("simulation-indemnisation/bareme.csv", views.bareme_historique_csv, name="historique_csv"),
    path("api/simulation/", api.simulation_api, name="api_simulation"),
]
