"""The employer's DI pages: « Mes Demandes d'Indemnisation », its CSV export, a DI's page and its récapitulatif.

STUB: filled by the views' author (issue 13)."""

from apart.views import coming_later


def demande_list(request):
    return coming_later(request, "Mes Demandes d'Indemnisation")


def demande_export_csv(request):
    return coming_later(request, "Mes Demandes d'Indemnisation")


def demande_detail(request, numero):
    return coming_later(request, "Demande d'indemnisation")


def recapitulatif_pdf(request, numero):
    return coming_later(request, "Document récapitulatif")
