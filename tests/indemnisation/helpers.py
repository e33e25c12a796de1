"""Décisions, employees' rows and DIs for the tests of the demandes d'indemnisation.

The default décision covers the month before last to the end of the current month: its past months can be sent
today, and the filing is open."""

import datetime
from decimal import Decimal

from django.utils import timezone

from dap.enums import Statut as StatutDap
from dap.models import Decision
from indemnisation import services
from indemnisation.checks import mois_precedent, mois_suivant
from indemnisation.models import DemandeIndemnisation
from tests.dap.conftest import make_demande
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory


def make_nir(index: int, *, sexe: int = 1, annee: int = 85, mois: int = 5, departement: str = "75") -> str:
    """A valid NIR (its key is 97 − the 13 digits mod 97), different for each index."""
    commune, ordre = divmod(index, 1000)
    body = f"{sexe}{annee:02d}{mois:02d}{departement}{commune % 1000:03d}{ordre:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


def row(index: int = 0, **overrides) -> dict:
    """One employee at 35 h, 2 000 € a month, 20 hours chômées."""
    return {
        "nom": f"NOM{index}",
        "prenom": f"Prénom{index}",
        "nir": make_nir(index),
        "contrat": "standard",
        "duree_hebdomadaire": "35",
        "salaire_brut_mensuel": "2000",
        "heures_chomees": "20",
        **overrides,
    }


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def last_month() -> datetime.date:
    return mois_precedent(this_month())


def make_employer(*, verified: bool = True, departement_cp: str = "75011", **establishment_fields):
    establishment = EstablishmentFactory(
        complete=True,
        unverified=not verified,
        code_postal=departement_cp,
        contact_courriel="contact@entreprise.example.fr",
        **establishment_fields,
    )
    user = UserFactory()
    HabilitationFactory(user=user, establishment=establishment)
    return establishment, user


def make_decision(
    establishment,
    user,
    *,
    debut: datetime.date | None = None,
    fin: datetime.date | None = None,
    heures: Decimal = Decimal("5000"),
    nb_salaries: int = 50,
    departement: str = "75",
) -> Decision:
    debut = debut or mois_precedent(last_month())
    fin = fin or (mois_suivant(this_month()) - datetime.timedelta(days=1))
    demande = make_demande(
        establishment,
        user,
        statut=StatutDap.ACCEPTEE,
        debut=debut,
        fin=fin,
        heures_previsionnelles=heures,
        nb_salaries=nb_salaries,
        departement=departement,
    )
    return demande.decision


def make_di(
    decision, user, *, mois: datetime.date | None = None, rows: list[dict] | None = None, send: bool = False
) -> DemandeIndemnisation:
    demande = services.demande_create(by=user, decision=decision, mois=mois or last_month())
    demande = services.demande_calculate(demande=demande, by=user, rows=rows if rows is not None else [row(0)])
    if send:
        demande = services.demande_send(demande=demande, by=user)
    return demande


def make_sent_di(decision, user, *, mois: datetime.date, heures_par_nir: dict[str, Decimal], statut=None):
    """A DI already sent (written directly, as the services would have left it): what later checks read."""
    from indemnisation.enums import Statut
    from indemnisation.models import SalarieIndemnise

    demande = DemandeIndemnisation.objects.create(
        numero=f"DI-TEST-{DemandeIndemnisation.objects.count() + 1:06d}",
        decision=decision,
        establishment=decision.demande.establishment,
        mois=mois,
        statut=statut or Statut.ENVOYEE,
        created_by=user,
        sent_at=timezone.now(),
        sent_by=user,
        nb_salaries=len(heures_par_nir),
        total_heures=sum(heures_par_nir.values(), Decimal(0)),
    )
    SalarieIndemnise.objects.bulk_create(
        SalarieIndemnise(
            demande=demande,
            position=position,
            nom="DÉJÀ",
            prenom="Demandé",
            nir=nir,
            duree_hebdomadaire=Decimal(35),
            salaire_brut_mensuel=Decimal(2000),
            heures_chomees=heures,
        )
        for position, (nir, heures) in enumerate(heures_par_nir.items(), start=1)
    )
    return demande
