"""Benchmark of POST /api/simulation/ on gunicorn + PostgreSQL: employees simulated per second (not a test).

    .venv/bin/python bench/bench_simulation_api.py [--seconds 20] [--warmup 3] [--workers 2] [--clients 4]
        [--employees 1000] [--conn-max-age S] [--keep] [--time-limit S]

1. (Re)creates the database `apart_bench_simulation` on 127.0.0.1:5432, migrates it (the barème comes with the
   migrations) and collects the static files into a temporary STATIC_ROOT (DEBUG=0).
2. Checks one call through django.test.Client against the engine called in this process (same figures, to the
   cent), and counts its SQL queries.
3. gunicorn (`python -m gunicorn apart.wsgi --workers W`, sync workers, DEBUG=0, the per-IP limit lifted) and
   --clients threads, each posting calls of --employees employees (salaries, hours and contracts varied, months
   March 2020 to March 2026 in turn, droit commun): --warmup seconds, then --seconds measured; a call counts when
   it ends inside the measured window with 200 and --employees rows.
4. Prints calls/s, employees/s, the latency of a call (median, p95) and the CPU of gunicorn's workers per call.
5. Stops gunicorn and drops the database (unless --keep).

Everything stays on the loopback interface; a hard time limit (SIGALRM) and try/finally + atexit stop gunicorn and
its workers by their own ids.
"""

import datetime
import http.client
import itertools
import json
import os
import sys
import tempfile
import threading
import time
from decimal import Decimal

import _stack as stack
from _stack import CHILDREN, fr, ms, percentile

BENCH_DATABASE = "apart_bench_simulation"
API = "/api/simulation/"
CONTRATS = ["standard"] * 8 + ["apprenti", "contrat_professionnalisation"]
MOIS = [f"{year}-{month:02d}" for year in range(2020, 2027) for month in range(1, 13)]
MOIS = [mois for mois in MOIS if "2020-03" <= mois <= "2026-03"]


def payload(number: int, employees: int) -> bytes:
    salaries = []
    for index in range(employees):
        duree = [35, 35, 35, 39, 24, 28][index % 6]
        heures_mois = Decimal(duree) * 52 / 12
        salaries.append(
            {
                "salaire_brut_mensuel": f"{1600 + (index * 37 + number * 11) % 6000}.{index % 100:02d}",
                "duree_hebdomadaire": str(duree),
                "heures_chomees": f"{(heures_mois * Decimal(index % 9 + 1) / 10).quantize(Decimal('0.01'))}",
                "contrat": CONTRATS[index % len(CONTRATS)],
            }
        )
    body = {"mois": MOIS[number % len(MOIS)], "dispositif": "droit_commun", "salaries": salaries}
    return json.dumps(body).encode()


def _check_in_process(env: dict, employees: int) -> None:
    """One call through django.test.Client: the figures are the engine's, to the cent; its SQL queries."""
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bareme.engine import Contrat, Salarie, calculer
    from bareme.selectors import bareme_du_mois

    body = payload(0, employees)
    data = json.loads(body)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = Client(HTTP_HOST="127.0.0.1").post(API, body, content_type="application/json")
        seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"POST {API} : HTTP {response.status_code} {response.content[:500]!r}")
    year, month = (int(part) for part in data["mois"].split("-"))
    bareme = bareme_du_mois(mois=datetime.date(year, month, 1), dispositif=data["dispositif"])
    salaries = [
        Salarie(
            Decimal(s["salaire_brut_mensuel"]),
            Decimal(s["duree_hebdomadaire"]),
            Decimal(s["heures_chomees"]),
            Contrat(s["contrat"]),
        )
        for s in data["salaries"]
    ]
    expected = calculer(bareme, salaries)
    answer = response.json()
    if answer["total"]["allocation"] != str(expected.total.allocation.quantize(Decimal("0.01"))) or len(
        answer["salaries"]
    ) != len(expected.salaries):
        raise SystemExit("La réponse de l'API diffère du moteur appelé directement.")
    print(
        f"Vérification : un appel de {employees} salariés par django.test.Client = le moteur au centime "
        f"(allocation totale {answer['total']['allocation']} €) · {len(queries)} requête(s) SQL · {ms(seconds)}"
    )
    from django.db import connections

    connections.close_all()


def _client(port: int, payloads: list[bytes], employees: int, window: tuple, hard_end: float, result: dict) -> None:
    start, end = window
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for body in itertools.cycle(payloads):
        if time.perf_counter() >= min(end, hard_end):
            break
        began = time.perf_counter()
        try:
            connection.request("POST", API, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
        except OSError as error:
            result["failures"].append(str(error))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            continue
        finished = time.perf_counter()
        if response.status != 200 or len(json.loads(answer)["salaries"]) != employees:
            result["failures"].append(f"HTTP {response.status} {answer[:200]!r}")
        elif start <= finished <= end:
            result["latencies"].append(finished - began)
    connection.close()


def _run(args) -> int:
    port, env = stack.server_env(
        args,
        database=BENCH_DATABASE,
        name="simulation",
        CELERY_BROKER_URL="",
        SIMULATION_API_RATE_LIMIT_PER_IP="100000000",
    )
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    started = time.perf_counter()
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    stack.manage(env, "collectstatic", "--noinput", "-v", "0")
    print(f"Base créée et migrée, statiques collectés en {fr(time.perf_counter() - started, 1)} s")
    _check_in_process(env, args.employees)

    payloads = [payload(number, args.employees) for number in range(24)]
    print(f"Corps d'un appel : {fr(len(payloads[0]) / 1024)} Kio ({args.employees} salariés)")
    with tempfile.NamedTemporaryFile("w+", prefix="bench_simulation_gunicorn_", suffix=".log") as log:
        stack.start_gunicorn(env, args.workers, port, log)
        now = time.perf_counter()
        window = (now + args.warmup, now + args.warmup + args.seconds)
        hard_end = window[1] + 5
        results = [{"latencies": [], "failures": []} for _ in range(args.clients)]
        threads = [
            threading.Thread(
                target=_client,
                args=(port, payloads[index::2] or payloads, args.employees, window, hard_end, results[index]),
                daemon=True,
            )
            for index in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, window[0] - time.perf_counter()))
        cpu_start = stack.cpu_sample(CHILDREN.gunicorn_workers, time.perf_counter())
        for thread in threads:
            thread.join(args.warmup + args.seconds + 130)
        cpu_end = stack.cpu_sample(CHILDREN.gunicorn_workers, min(time.perf_counter(), window[1]))
        stack.print_gunicorn_errors(log)

    latencies = [value for result in results for value in result["latencies"]]
    failures = [value for result in results for value in result["failures"]]
    calls = len(latencies)
    print(
        f"\n=== POST {API}, appels de {args.employees} salariés : {args.workers} workers gunicorn, "
        f"{args.clients} clients, {fr(args.seconds)} s mesurées après {fr(args.warmup)} s de chauffe ==="
    )
    if not calls:
        print(f"Aucun appel réussi dans la fenêtre ; échecs : {failures[:3]}")
        return 1
    print(f"  Appels : {calls} ({fr(calls / args.seconds, 2)} appels/s) · échecs : {len(failures)}")
    print(f"  Salariés simulés : {fr(calls * args.employees / args.seconds)} salariés/s")
    print(f"  Durée d'un appel : médiane {ms(percentile(latencies, 50))} · p95 {ms(percentile(latencies, 95))}")
    worker_cpu = cpu_end[0] - cpu_start[0]
    print(
        f"  CPU des workers gunicorn : {fr(worker_cpu / args.seconds, 2)} cœur(s) · "
        f"{ms(worker_cpu / calls)} par appel · charge moyenne {stack.load_average()}"
    )
    if failures:
        print(f"  Premier échec : {failures[0]}")
    return 0 if not failures else 1


def main() -> int:
    parser = stack.argument_parser(__doc__, seconds=20, warmup=3)
    parser.add_argument("--employees", type=int, default=1000, help="salariés par appel (1 à 1000)")
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    if not (1 <= args.employees <= 1000) or args.seconds <= 0 or args.clients < 1 or args.workers < 1:
        parser.error("valeurs invalides")
    return stack.run_guarded(_run, args, args.time_limit or 300 + 2 * (args.seconds + args.warmup), sigint_exits=True)


if __name__ == "__main__":
    sys.exit(main())
