from apart.views import coming

app_name = "indemnisation"

urlpatterns = [
    coming("espace/di/", "list", "Mes Demandes d'Indemnisation", space=True),
    coming("espace/di/nouvelle/", "new", "Nouvelle demande d'indemnisation", space=True),
]
