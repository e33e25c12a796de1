"""Benchmark of the barème's calculation engine: employee-months computed per second on one core (not a test).

    .venv/bin/python bench/bench_bareme_engine.py [--employees 300000] [--batch 50] [--repeat 3] [--seed 2026]
        [--database]

1. The barème of every month from March 2020 to December 2026, for each dispositif in force that month, composed
   from bareme/data/bareme.toml (the rows the database is loaded with) — or, with --database, read through
   `bareme_du_mois` from the database of DATABASE_URL (migrated; the barème is loaded after each migration).
2. --employees random employees (seeded): salaries from 500 € to 15 000 € a month (some above the 4.5 SMIC cap,
   some under the floors), weekly hours among the common contracts (35 h most often), hours chômées up to the
   contract's (and the legal duration's) monthly hours, 5 % apprentices and 3 % contrats de professionnalisation.
3. They are computed in demandes of --batch employees, each demande on a month and dispositif drawn at random, by
   `bareme.engine.calculer` (the simulator's, the API's and the DI's entry point: checks, the calculation, the
   French explanations, the total). --repeat runs; the best and the median are printed, in employee-months per
   second of wall time, and per second of this process's CPU time (what one free core gives, when other
   processes share the machine), with the microseconds per employee. One process, one thread: one core.
4. Every result is checked against the engine's invariants (allocation ≤ indemnité, total = sum of the rows), so
   the figure is of correct calculations.
"""

import argparse
import datetime
import gc
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apart.settings")

TARGET = 50_000
DUREES = [Decimal(h) for h in ("35", "35", "35", "35", "39", "30", "28", "24", "20", "17.5", "10")]


def months():
    mois = datetime.date(2020, 3, 1)
    while mois <= datetime.date(2026, 12, 1):
        yield mois
        mois = (mois + datetime.timedelta(days=32)).replace(day=1)


def baremes(database: bool):
    from bareme import selectors
    from bareme.services import lire_fichier_bareme

    if database:
        return [
            selectors.bareme_du_mois(mois=mois, dispositif=dispositif)
            for mois in months()
            for dispositif in selectors.dispositifs_en_vigueur(mois=mois)
        ]
    lignes = [
        (
            ligne["nom"],
            ligne["dispositif"],
            ligne["date_effet"],
            ligne["valeur"],
            ligne["source_reference"],
            ligne["source_url"],
        )
        for ligne in lire_fichier_bareme()
    ]
    return [
        selectors.bareme_hors_base(lignes, mois=mois, dispositif=dispositif)
        for mois in months()
        for dispositif in selectors.dispositifs_hors_base(lignes, mois=mois)
    ]


def employees(count: int, rng: random.Random):
    from bareme.engine import Contrat, Salarie, heures_mensuelles

    legal = heures_mensuelles(Decimal(35))
    result = []
    for _ in range(count):
        duree = rng.choice(DUREES)
        plafond = min(heures_mensuelles(duree), legal)
        tirage = rng.random()
        contrat = (
            Contrat.APPRENTI
            if tirage < 0.05
            else Contrat.CONTRAT_PROFESSIONNALISATION
            if tirage < 0.08
            else Contrat.STANDARD
        )
        salaire = Decimal(rng.randint(50_000, 1_500_000)) / 100
        heures = Decimal(rng.randint(0, int(plafond * 100))) / 100
        result.append(Salarie(salaire, duree, heures, contrat))
    return result


def entier(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=300_000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", action="store_true", help="read the barème from the database")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from bareme.engine import calculer

    rng = random.Random(args.seed)
    tous = baremes(args.database)
    population = employees(args.employees, rng)
    demandes = [
        (rng.choice(tous), population[start : start + args.batch]) for start in range(0, len(population), args.batch)
    ]
    print(
        f"{len(tous)} barèmes (mois × dispositif, mars 2020 – décembre 2026, "
        f"{'base de données' if args.database else 'bareme/data/bareme.toml'}), "
        f"{len(population)} salariés en {len(demandes)} demandes de {args.batch}."
    )

    # The inputs live for the whole bench: frozen out of the garbage collector's scans, as a server's code and
    # settings are; each pass's results are checked, then dropped before the next pass.
    gc.collect()
    gc.freeze()
    rates, cpu_rates = [], []
    for run in range(1, args.repeat + 1):
        start, cpu_start = time.perf_counter(), time.process_time()
        resultats = [calculer(bareme, salaries) for bareme, salaries in demandes]
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        rates.append(len(population) / elapsed)
        cpu_rates.append(len(population) / cpu)
        print(
            f"  passe {run} : {elapsed:.2f} s ({cpu:.2f} s de CPU), {entier(rates[-1])} salariés-mois/s "
            f"({entier(cpu_rates[-1])} par seconde de CPU)"
        )
        for resultat in resultats:
            assert resultat.total.indemnite == sum(ligne.indemnite for ligne in resultat.salaries)
            for ligne in resultat.salaries:
                assert 0 <= ligne.allocation <= ligne.indemnite
        del resultats
        gc.collect()

    best, median, cpu_best = max(rates), statistics.median(rates), max(cpu_rates)
    print(
        f"Moteur : {entier(best)} salariés-mois/s au mieux, {entier(median)} en médiane ({1e6 / best:.1f} µs par "
        f"salarié), un cœur ; {entier(cpu_best)} par seconde de CPU ({1e6 / cpu_best:.1f} µs de CPU par salarié : "
        f"le chiffre d'un cœur libre quand d'autres processus se le partagent) ; objectif ≥ {entier(TARGET)} : "
        f"{'atteint' if cpu_best >= TARGET else 'NON atteint'}."
    )
    return 0 if cpu_best >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
