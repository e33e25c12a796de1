"""An employer habilitated on a complete, vérifié establishment, and the values of a valid DAP."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dap.codes import code_di_nouveau
from dap.enums import STATUTS_ACCEPTES, ModeDecision, Motif, Statut, TypeActivite
from dap.models import Decision, DemandeAutorisation
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory

IBAN = "FR7630006000011234567890189"
BIC = "AGRIFRPP"


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def valid_data(**overrides) -> dict:
    """Two weeks from tomorrow, 5 employees, 100 hours (at most 5 × 35 × 2 = 350)."""
    return {
        "motif": Motif.CONJONCTURE,
        "sous_motif": "",
        "circonstances": "Baisse brutale des commandes de notre principal client.",
        "date_debut": days(1),
        "date_fin": days(14),
        "nb_salaries": 5,
        "heures_previsionnelles": Decimal("100"),
        "type_activite": TypeActivite.REDUCTION,
        "date_consultation_cse": None,
        "engagements": "",
        "iban": IBAN,
        "bic": BIC,
        "titulaire": "BOULANGERIE DU CANAL",
        **overrides,
    }


@pytest.fixture
def establishment(db):
    return EstablishmentFactory(complete=True, contact_courriel="contact@boulangerie.example.fr")


@pytest.fixture
def employer(establishment):
    user = UserFactory(courriel="employeur@example.fr")
    HabilitationFactory(user=user, establishment=establishment)
    return user


@pytest.fixture
def ud_agent(db):
    return UserFactory(identifiant="agent.ud75", courriel="agent.ud@example.fr")


def make_demande(
    establishment,
    user,
    *,
    statut=Statut.ENVOYEE,
    debut: datetime.date,
    fin: datetime.date,
    numero: str | None = None,
    **fields,
) -> DemandeAutorisation:
    """A DAP in any status, written as the services would have left it (for the state a check looks at)."""
    now = timezone.now()
    data = valid_data(date_debut=debut, date_fin=fin)
    data.update(fields)
    if statut != Statut.PROVISOIRE:
        data.update(sent_at=now, sent_by=user, implicit_acceptance_on=today() + datetime.timedelta(days=15))
        data["accuse_numero"] = f"AR-TEST-{DemandeAutorisation.objects.count() + 1:06d}"
    if statut in (*STATUTS_ACCEPTES, Statut.REFUSEE):
        data["decided_at"] = now
        data["motif_refus"] = "Refus" if statut == Statut.REFUSEE else ""
    demande = DemandeAutorisation.objects.create(
        numero=numero or f"DAP-TEST-{DemandeAutorisation.objects.count() + 1:06d}",
        establishment=establishment,
        created_by=user,
        statut=statut,
        **data,
    )
    if statut in STATUTS_ACCEPTES:
        Decision.objects.create(
            numero=f"DA-TEST-{demande.pk:06d}",
            demande=demande,
            date_debut=debut,
            date_fin=fin,
            heures_autorisees=demande.heures_previsionnelles,
            nb_salaries=demande.nb_salaries,
            code_di=code_di_nouveau(),
            mode=ModeDecision.IMPLICITE,
            issued_at=now,
        )
    return demande
