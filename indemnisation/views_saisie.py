"""Filing a DI: the code DI and the month, then the employees (typed, copied from the previous month or imported
from a CSV file), CALCULER and ENVOYER.

STUB: filled by the form's author (issue 13)."""

from apart.views import coming_later


def demande_new(request):
    return coming_later(request, "Nouvelle demande d'indemnisation")


def modele_csv(request):
    return coming_later(request, "Modèle CSV")


def demande_saisie(request, numero):
    return coming_later(request, "Demande d'indemnisation")


def demande_delete_view(request, numero):
    return coming_later(request, "Demande d'indemnisation")
