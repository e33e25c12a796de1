"""The demo expert-comptable's portfolio: 300 client establishments written in bulk (README, « Mon portefeuille »).

Fast (a few bulk inserts) and idempotent (a second run finds every SIRET, habilitation and DAP and writes
nothing). Demo data only: the rows are written as the services would have left them, without their e-mails,
history or audit.

Out of the 300 (n = 1…300): every 10th fiche incomplète (no code APE), every 50th non vérifié; every 20th
habilitation ends within 30 days; every 3rd establishment has a DAP accepted implicitly whose décision covers last
month (its DI is due this month), of which every 4th has that DI already sent; every 7th a DAP waiting for the UD
(every 14th of them « Complément demandé »).
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from stdnum import luhn

from dap.codes import code_di_nouveau
from dap.enums import STATUTS_ACCEPTES, ModeDecision, Motif, Statut, TypeActivite
from dap.models import Decision, DemandeAutorisation
from dap.services import departement_or_blank
from habilitations.enums import EstablishmentVerification, ExtranetCode
from habilitations.models import Establishment, Extranet, Habilitation, one_year_after
from indemnisation.checks import mois_precedent, mois_suivant
from indemnisation.enums import Statut as StatutDi
from indemnisation.models import DemandeIndemnisation, SalarieIndemnise

PORTFOLIO_SIZE = 300
# A SIREN range of its own (990 000 001…): no collision with SIRENE's demo file nor the tests' factories.
SIREN_BASE = 99_000_000
ACTIVITES = ["BOULANGERIE", "GARAGE", "RESTAURANT", "PHARMACIE", "COIFFURE", "FLEURISTE", "LIBRAIRIE", "MENUISERIE",
             "IMPRIMERIE", "TRAITEUR"]  # fmt: skip
NOMS = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON",
        "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA"]  # fmt: skip
VILLES = [("75011", "Paris 11e Arrondissement", "75111"), ("92000", "Nanterre", "92050"), ("69003", "Lyon 3e Arrondissement", "69383"),
          ("33000", "Bordeaux", "33063"), ("59000", "Lille", "59350"), ("13001", "Marseille 1er Arrondissement", "13201"),
          ("67000", "Strasbourg", "67482")]  # fmt: skip
IBAN, BIC = "FR7630006000011234567890189", "AGRIFRPP"


def portfolio_siret(number: int) -> str:
    """The SIRET of client `number` (1…300): SIREN 99 000 000 + number with its Luhn key, NIC 00011 style."""
    siren = f"{SIREN_BASE + number:08d}"
    siren += luhn.calc_check_digit(siren)
    nic = "0001"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def _nir(index: int) -> str:
    body = f"1850575{index:06d}"
    return body + f"{97 - int(body) % 97:02d}"


def _establishment(number: int, user, now) -> Establishment:
    code_postal, ville, code_commune = VILLES[number % len(VILLES)]
    activite, nom = ACTIVITES[number % len(ACTIVITES)], NOMS[number % len(NOMS)]
    siret = portfolio_siret(number)
    verified = number % 50 != 0
    return Establishment(
        siret=siret,
        siren=siret[:9],
        denomination=f"CLIENT {number:03d} — {activite} {nom}",
        numero_voie=str(number % 90 + 1),
        type_voie="Rue",
        libelle_voie="DE LA REPUBLIQUE",
        code_postal=code_postal,
        ville=ville,
        code_commune=code_commune,
        telephone="01 43 00 00 00",
        courriel=f"client{number:03d}@example.fr",
        contact_nom=user.nom,
        contact_prenom=user.prenom,
        contact_telephone=user.telephone,
        contact_courriel=user.courriel,
        effectif=5 + number % 40,
        code_naf="" if number % 10 == 0 else "10.71C",
        verification=EstablishmentVerification.STAFF if verified else "",
        verified_at=now if verified else None,
    )


def _demande(number: int, establishment, user, *, statut, debut, fin, sent_at) -> DemandeAutorisation:
    accepted = statut in STATUTS_ACCEPTES
    return DemandeAutorisation(
        numero=f"DAP-DEMO-{number:03d}",
        establishment=establishment,
        created_by=user,
        motif=Motif.CONJONCTURE,
        circonstances="Baisse des commandes (démonstration : portefeuille de l'expert-comptable).",
        date_debut=debut,
        date_fin=fin,
        nb_salaries=3,
        heures_previsionnelles=Decimal("210"),
        type_activite=TypeActivite.REDUCTION,
        iban=IBAN,
        bic=BIC,
        titulaire=establishment.denomination[:100],
        statut=statut,
        accuse_numero=f"AR-DEMO-{number:03d}",
        sent_at=sent_at,
        sent_by=user,
        departement=departement_or_blank(establishment.code_postal),
        implicit_acceptance_on=None if accepted or statut == Statut.COMPLEMENT else timezone.localdate(sent_at) + datetime.timedelta(days=15),
        decided_at=sent_at + datetime.timedelta(days=16) if accepted else None,
    )  # fmt: skip


def expert_portfolio_seed(*, user, today: datetime.date | None = None) -> int:
    """The 300 client establishments of `user`; the number of establishments created (0 on a second run)."""
    today = today or timezone.localdate()
    now = timezone.now()
    numbers = range(1, PORTFOLIO_SIZE + 1)
    existing = set(
        Establishment.objects.filter(siret__in=map(portfolio_siret, numbers)).values_list("siret", flat=True)
    )
    created = Establishment.objects.bulk_create(
        [_establishment(n, user, now) for n in numbers if portfolio_siret(n) not in existing]
    )
    number_of = {portfolio_siret(n): n for n in numbers}
    by_number = {
        number_of[establishment.siret]: establishment
        for establishment in Establishment.objects.filter(siret__in=number_of)
    }

    apart = Extranet.objects.for_code(ExtranetCode.APART)
    held = set(Habilitation.objects.filter(user=user, extranet=apart).values_list("establishment_id", flat=True))
    Habilitation.objects.bulk_create(
        [
            Habilitation(
                user=user,
                establishment=establishment,
                extranet=apart,
                valid_from=today - datetime.timedelta(days=400 - (n % 30)),
                valid_until=today + datetime.timedelta(days=n % 30) if n % 20 == 0 else one_year_after(today),
            )
            for n, establishment in by_number.items()
            if establishment.pk not in held
        ]
    )

    this_month = today.replace(day=1)
    last_month = mois_precedent(this_month)
    end_of_this_month = mois_suivant(this_month) - datetime.timedelta(days=1)
    filed_before = now - datetime.timedelta(days=today.day + 45)
    known = set(DemandeAutorisation.objects.filter(numero__startswith="DAP-DEMO-").values_list("numero", flat=True))
    demandes = []
    for n, establishment in by_number.items():
        if f"DAP-DEMO-{n:03d}" in known:
            continue
        if n % 3 == 0:
            # Last month only, or last month to the end of this one: either way last month's DI is due now.
            fin = end_of_this_month if n % 2 else this_month - datetime.timedelta(days=1)
            statut = Statut.ACCEPTEE_IMPLICITEMENT
            demandes.append(
                _demande(n, establishment, user, statut=statut, debut=last_month, fin=fin, sent_at=filed_before)
            )
        elif n % 7 == 0:
            statut = Statut.COMPLEMENT if n % 14 == 0 else Statut.ENVOYEE
            debut = mois_suivant(this_month)
            fin = mois_suivant(debut) - datetime.timedelta(days=1)
            sent_at = now - datetime.timedelta(days=n % 10)
            demandes.append(_demande(n, establishment, user, statut=statut, debut=debut, fin=fin, sent_at=sent_at))
    demandes = DemandeAutorisation.objects.bulk_create(demandes)
    decisions = Decision.objects.bulk_create(
        [
            Decision(
                numero=f"DA-DEMO-{demande.numero[-3:]}",
                demande=demande,
                date_debut=demande.date_debut,
                date_fin=demande.date_fin,
                heures_autorisees=demande.heures_previsionnelles,
                nb_salaries=demande.nb_salaries,
                code_di=code_di_nouveau(),
                mode=ModeDecision.IMPLICITE,
                issued_at=demande.decided_at,
            )
            for demande in demandes
            if demande.statut in STATUTS_ACCEPTES
        ]
    )
    # Every 4th of them: last month's DI already sent, 2 employees.
    filed = DemandeIndemnisation.objects.bulk_create(
        [
            DemandeIndemnisation(
                numero=f"DI-DEMO-{decision.numero[-3:]}",
                decision=decision,
                establishment=decision.demande.establishment,
                mois=last_month,
                statut=StatutDi.ENVOYEE,
                nb_salaries=2,
                total_heures=Decimal("35"),
                total_indemnite=Decimal("350"),
                total_allocation=Decimal("300"),
                total_reste_a_charge=Decimal("50"),
                calculated_at=now,
                departement=decision.demande.departement,
                created_by=user,
                sent_at=now,
                sent_by=user,
            )
            for decision in decisions
            if int(decision.numero[-3:]) % 12 == 0
        ]
    )
    SalarieIndemnise.objects.bulk_create(
        [
            SalarieIndemnise(
                demande=demande,
                position=position,
                nom=nom,
                prenom="Démo",
                nir=_nir(demande.pk * 2 + position),
                duree_hebdomadaire=Decimal("35"),
                salaire_brut_mensuel=Decimal("2200"),
                heures_chomees=Decimal("17.5"),
                taux_horaire=Decimal("10.40"),
                indemnite=Decimal("175"),
                allocation=Decimal("150"),
                reste_a_charge=Decimal("25"),
            )
            for demande in filed
            for position, nom in ((1, "DURAND"), (2, "PETIT"))
        ]
    )
    return len(created)
