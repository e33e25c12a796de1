"""The PDFs of the employer's space: the accusé de réception of a sent DAP and the décision d'autorisation.

A Django template made PDF by apart.pdf (WeasyPrint), as the activation letters are.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from apart.pdf import pdf_from_html
from referentiels.departements import DEPARTEMENTS, CodePostalHorsDepartement, departement_of

from .models import Decision, DemandeAutorisation


def unite_departementale(establishment) -> str:
    """The UD that instructs the establishment's DAPs: the DDETS of the département of its code postal."""
    try:
        code = departement_of(establishment.code_postal)
    except CodePostalHorsDepartement:
        return "Unité départementale de la DDETS"
    return f"Unité départementale de la DDETS — {code} {DEPARTEMENTS[code]}"


def _render(template: str, **context) -> bytes:
    html = render_to_string(
        template,
        {
            "site_url": settings.SITE_URL,
            "support_email": settings.SUPPORT_EMAIL,
            "printed_on": timezone.now(),
            **context,
        },
    )
    return pdf_from_html(html)


def accuse_reception_pdf(demande: DemandeAutorisation) -> bytes:
    return _render(
        "dap/pdf/accuse_reception.html",
        demande=demande,
        establishment=demande.establishment,
        ud=unite_departementale(demande.establishment),
    )


def decision_pdf(decision: Decision) -> bytes:
    establishment = decision.demande.establishment
    return _render(
        "dap/pdf/decision.html",
        decision=decision,
        demande=decision.demande,
        establishment=establishment,
        ud=unite_departementale(establishment),
    )
