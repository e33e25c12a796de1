from apart.views import coming

app_name = "dap"

urlpatterns = [
    coming("espace/dap/", "list", "Mes Demandes d'Autorisation Préalable", space=True),
    coming("espace/dap/nouvelle/", "new", "Nouvelle demande d'autorisation préalable", space=True),
    coming("espace/decisions/", "decision_list", "Mes Décisions d'Autorisation", space=True),
]
