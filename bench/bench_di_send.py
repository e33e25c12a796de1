"""Benchmark of a large demande d'indemnisation (not a test): CALCULER and ENVOYER for a DI of 1 000 employees.

    .venv/bin/python bench/bench_di_send.py [--employees 1000] [--runs 5] [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_di_send` on 127.0.0.1:5432 and migrates it.
2. For each run: an establishment (complete, vérifié) with its décision over the two previous months, the DI of the
   month before last sent first (so that the quota and the same-month checks of the second one read 1 000 rows of
   the same employees), then the last month's DI: `demande_calculate` (the rows checked, computed, written) and
   `demande_send` (every check again — the décision's hours, the annual quota, the same month through another
   décision — the computation with the month's barème, the amounts frozen, the controls, the history and the two
   e-mails queued) are timed, in this process, on PostgreSQL.
3. Prints the median and the maximum of each; the target: the send under 2 s.
"""

import datetime
import os
import statistics
import sys
import time
from decimal import Decimal

import _stack as stack
from _stack import fr

BENCH_DATABASE = "apart_bench_di_send"
TARGET_SECONDS = 2.0


def _nir(index: int) -> str:
    commune, ordre = divmod(index, 1000)
    body = f"1850575{commune % 1000:03d}{ordre:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


def _rows(run: int, employees: int) -> list[dict]:
    return [
        {
            "nom": f"SALARIE{index}",
            "prenom": "Camille",
            "nir": _nir(run * employees + index),
            "contrat": "standard",
            "duree_hebdomadaire": "35" if index % 5 else "28",
            "salaire_brut_mensuel": f"{1900 + (index % 300) * 7},50",
            "heures_chomees": f"{20 + index % 40},5",
        }
        for index in range(employees)
    ]


def _decision(run: int, employees: int):
    from django.utils import timezone

    from accounts.models import User
    from dap.codes import code_di_nouveau
    from dap.enums import ModeDecision, Motif, Statut, TypeActivite
    from dap.models import Decision, DemandeAutorisation
    from habilitations.models import Establishment, Extranet, Habilitation
    from indemnisation.checks import mois_precedent

    siret = stack.bench_siret(run, base=41_000_000)
    siren = siret[:9]
    establishment = Establishment.objects.create(
        siret=siret,
        siren=siren,
        denomination=f"BANC DI {run}",
        libelle_voie="RUE DU BANC",
        code_postal="75011",
        ville="Paris",
        contact_nom="Banc",
        contact_prenom="Camille",
        contact_telephone="0102030405",
        contact_courriel=f"contact{run}@banc.example.fr",
        effectif=employees,
        code_naf="10.71C",
        verification="staff",
        verified_at=timezone.now(),
    )
    user = User.objects.create(identifiant=f"banc.di{run}", courriel=f"banc{run}@banc.example.fr")
    Habilitation.objects.create(user=user, establishment=establishment, extranet=Extranet.objects.for_code("APART"))
    today = timezone.localdate()
    debut = mois_precedent(mois_precedent(today.replace(day=1)))
    fin = today.replace(day=1) - datetime.timedelta(days=1)
    now = timezone.now()
    demande = DemandeAutorisation.objects.create(
        numero=f"DAP-BANC-{run:06d}",
        establishment=establishment,
        created_by=user,
        motif=Motif.CONJONCTURE,
        circonstances="Banc",
        date_debut=debut,
        date_fin=fin,
        nb_salaries=employees,
        heures_previsionnelles=Decimal(employees * 140),
        type_activite=TypeActivite.REDUCTION,
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        titulaire="BANC",
        statut=Statut.ACCEPTEE,
        sent_at=now,
        sent_by=user,
        accuse_numero=f"AR-BANC-{run:06d}",
        decided_at=now,
        departement="75",
    )
    decision = Decision.objects.create(
        numero=f"DA-BANC-{run:06d}",
        demande=demande,
        date_debut=debut,
        date_fin=fin,
        heures_autorisees=demande.heures_previsionnelles,
        nb_salaries=employees,
        code_di=code_di_nouveau(),
        mode=ModeDecision.IMPLICITE,
        issued_at=now,
    )
    return decision, user, debut


def _run(args) -> int:
    _, env = stack.server_env(args, database=BENCH_DATABASE, name="di_send", CELERY_BROKER_URL="")
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    os.environ.update(env)
    import django

    django.setup()
    from indemnisation import services
    from indemnisation.checks import mois_suivant
    from indemnisation.enums import Statut

    calculs, envois = [], []
    for run in range(args.runs):
        decision, user, debut = _decision(run, args.employees)
        rows = _rows(run, args.employees)
        earlier = services.demande_create(by=user, decision=decision, mois=debut)
        services.demande_calculate(demande=earlier, by=user, rows=rows)
        services.demande_send(demande=earlier, by=user)
        demande = services.demande_create(by=user, decision=decision, mois=mois_suivant(debut))
        started = time.perf_counter()
        services.demande_calculate(demande=demande, by=user, rows=rows)
        calculs.append(time.perf_counter() - started)
        started = time.perf_counter()
        demande = services.demande_send(demande=demande, by=user)
        envois.append(time.perf_counter() - started)
        if demande.statut != Statut.ENVOYEE or demande.nb_salaries != args.employees:
            raise SystemExit("La demande n'a pas été envoyée : la mesure ne vaudrait rien.")
    n = f"{fr(args.employees)} salariés, {args.runs} demandes"
    print(
        f"CALCULER (vérification, calcul, écriture des lignes) — {n} : médiane {fr(statistics.median(calculs), 2)} s, "
        f"max {fr(max(calculs), 2)} s"
    )
    median = statistics.median(envois)
    print(
        f"ENVOYER (contrôles, calcul, gel des montants, historique, courriels) — {n} : médiane {fr(median, 2)} s, "
        f"max {fr(max(envois), 2)} s (objectif < {fr(TARGET_SECONDS)} s : {'tenu' if max(envois) < TARGET_SECONDS else 'NON TENU'})"
    )
    return 0 if max(envois) < TARGET_SECONDS else 1


def main() -> int:
    parser = stack.argparse.ArgumentParser(
        description=__doc__, formatter_class=stack.argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    if args.employees < 1 or args.runs < 1:
        parser.error("valeurs invalides")
    return stack.run_guarded(_run, args, args.time_limit or 600)


if __name__ == "__main__":
    sys.exit(main())
