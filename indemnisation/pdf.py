"""The document récapitulatif of a DI (seed 002: « au moment de la demande, et après validation de celle-ci »).

A Django template made PDF by apart.pdf (WeasyPrint), as the DAP's letters are. One table for the employees and
plain CSS: a DI of 300 employees renders in about 1.5 s (bench/bench_di_recapitulatif.py).
"""

import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from stdnum.fr import nir

from apart.pdf import pdf_from_html

from .enums import Statut
from .models import DemandeIndemnisation

# The statuses of a DI the UD has validated: its « validée le » is its decided_at (an Invalidée's is not).
STATUTS_VALIDES = (Statut.VALIDEE, Statut.MISE_EN_PAIEMENT, Statut.PAYEE)


def validated_at(demande: DemandeIndemnisation) -> datetime.datetime | None:
    return demande.decided_at if demande.statut in STATUTS_VALIDES else None


def nir_lisible(value: str) -> str:
    """1 85 05 75 000 000 42: the NIR as the carte Vitale prints it."""
    try:
        return nir.format(value)
    except Exception:  # noqa: BLE001 — a stored NIR is valid; printed as stored otherwise
        return value


def recapitulatif_html(demande: DemandeIndemnisation) -> str:
    establishment = demande.establishment
    decision = demande.decision
    salaries = list(
        demande.salaries.only(
            "nom",
            "prenom",
            "nir",
            "heures_chomees",
            "taux_horaire",
            "indemnite",
            "allocation",
            "reste_a_charge",
        )
    )
    for salarie in salaries:
        salarie.nir_lisible = nir_lisible(salarie.nir)
    return render_to_string(
        "indemnisation/pdf/recapitulatif.html",
        {
            "demande": demande,
            "establishment": establishment,
            "decision": decision,
            "salaries": salaries,
            "validated_at": validated_at(demande),
            "provisoire": demande.statut == Statut.PROVISOIRE,
            "site_url": settings.SITE_URL,
            "support_email": settings.SUPPORT_EMAIL,
            "printed_on": timezone.now(),
        },
    )


def recapitulatif_pdf(demande: DemandeIndemnisation) -> bytes:
    return pdf_from_html(recapitulatif_html(demande))
