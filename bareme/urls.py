from apart.views import coming

app_name = "bareme"

urlpatterns = [
    coming(
        "simulation-indemnisation/",
        "simulation",
        "Simulation de l'indemnisation de l'employeur en cas d'activité partielle",
        "Le simulateur permettra d'estimer le montant remboursé par l'État au titre d'une période "
        "d'activité partielle des salariés.",
    ),
]
