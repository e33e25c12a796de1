"""Benchmark of the four slowest pages of the surge that hash no password (not a test): their CPU in this process.

    .venv/bin/python bench/bench_pages.py [--runs 15] [--profile PAGE] [--keep] [--time-limit S]

bench/surge.py measured them above the others at 5 users (p95 with the CPU of the Argon2 requests beside them):
`/espace/`, the saisie of a DI of 20 employees after CALCULER, its ENVOYER, and the sending of a DAP. This bench makes
the same data as the surge (bench/surge.py's `Data`: an employer habilitated on two establishments, a décision over
the two previous months, the DAP filled as bench/locustfile.py fills it), with DEBUG=0 settings on its own database
(`apart_bench_pages`), and runs each request through django.test.Client in this process, logged in by session:
the CPU of this process per request (time.process_time: the template rendering, the ORM, the engine; PostgreSQL's
own CPU is not counted), median and maximum of --runs, and the SQL queries of one more request.
--profile espace|saisie|envoyer|dap prints cProfile's 40 costliest functions (cumulative, the middleware left out) for that page.
"""

import cProfile
import datetime
import os
import pstats
import statistics
import sys
import time

import _stack as stack
from _stack import fr

BENCH_DATABASE = "apart_bench_pages"
PAGES = ("espace", "saisie", "envoyer", "dap")
LABELS = {
    "espace": "GET /espace/ (2 établissements)",
    "saisie": "GET /espace/di/<numéro>/saisie/ (20 salariés, après CALCULER)",
    "envoyer": "POST saisie ENVOYER (20 salariés)",
    "dap": "POST /espace/dap/nouvelle/ ENVOYER",
}


def _measure(call, profile: cProfile.Profile | None = None):
    """The response and the CPU seconds of this process for one call."""
    started = time.process_time()
    if profile:
        profile.enable()
    response = call()
    if profile:
        profile.disable()
    return response, time.process_time() - started


def _check(response, expect: int, text: str = "") -> None:
    if response.status_code != expect or (text and text not in response.content.decode()):
        raise SystemExit(f"Réponse inattendue ({response.status_code}) : la mesure ne vaudrait rien.")


def _run(args) -> int:
    _, env = stack.server_env(args, database=BENCH_DATABASE, name="pages", CELERY_BROKER_URL="")
    env["ALLOWED_HOSTS"] = "testserver"  # django.test.Client's host
    print(stack.machine_line(BENCH_DATABASE, f"{datetime.datetime.now():%d/%m/%Y %H:%M}"))
    stack.recreate_database(BENCH_DATABASE)
    stack.manage(env, "migrate", "--noinput", "-v", "0")
    stack.manage(env, "collectstatic", "--noinput", "-v", "0")
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from surge import PASSWORD, Data

    from instruction.services import agent_create

    agent = agent_create(identifiant="banc.agent.pages", courriel="agent@ddets.example.fr", departements=["75"],
                         password=PASSWORD).agent.user  # fmt: skip
    data = Data([], employers=1)
    employer = data.employers[0][0]
    start = timezone.localdate() + datetime.timedelta(days=7)
    dates = (f"{start:%d/%m/%Y}", f"{start + datetime.timedelta(days=30):%d/%m/%Y}")
    dap_form = stack.dap_sending_form(*dates)
    from accounts.models import User

    cpu = {page: [] for page in PAGES}
    queries = {}
    profiles = {page: cProfile.Profile() if args.profile == page else None for page in PAGES}
    client = Client()  # one handler: its middleware (whitenoise's file scan) built once, as in a worker
    for run in range(args.runs + 1):  # the last run counts the queries only
        counting = run == args.runs
        timings = {}

        def timed(page, call, counting=counting, timings=timings, timings_count=run):
            if counting:
                with CaptureQueriesContext(connection) as captured:
                    response = call()
                queries[page] = len(captured)
                return response
            response, timings[page] = _measure(call, profiles[page] if timings_count else None)
            return response

        client.force_login(employer)
        _check(timed("espace", lambda: client.get("/espace/")), 200)
        # The DI: a décision, two months; the second month's DI is the measured one (the first sent before).
        slots = data.decision_slots(run, agent)
        for month, slot in enumerate(slots):
            identifiant, _, code_di, mois, nirs = slot
            client.force_login(User.objects.get(identifiant=identifiant))
            response = client.post("/espace/di/nouvelle/", {"code_di": code_di, "mois": mois,
                                   "dispositif": "droit_commun", "action": "creer"})  # fmt: skip
            _check(response, 302)
            saisie = response["Location"]
            rows = stack.di_saisie_rows(nirs)
            _check(client.post(saisie, {**rows, "action": "calculer"}), 302)
            if month == 0:
                _check(client.post(saisie, {**rows, "action": "envoyer"}), 302)
                continue
            _check(timed("saisie", lambda s=saisie: client.get(s)), 200, "Reste à charge")
            _check(timed("envoyer", lambda s=saisie, r=rows: client.post(s, {**r, "action": "envoyer"})), 302)
        user, _ = data.account(f"banc.dap.pages{run}")
        client.force_login(user)
        response = timed("dap", lambda: client.post("/espace/dap/nouvelle/", dap_form))
        _check(response, 302)
        _check(client.get(response["Location"]), 200, "Accusé de réception")
        if run:  # the first run warms the caches (templates, URL resolvers, barème)
            for page, seconds in timings.items():
                cpu[page].append(seconds)
    print(f"CPU de ce processus par requête (médiane et max de {args.runs} requêtes ; requêtes SQL d'une requête) :")
    for page in PAGES:
        print(
            f"  {LABELS[page]} : médiane {stack.ms(statistics.median(cpu[page]))}, max {stack.ms(max(cpu[page]))}, "
            f"{fr(queries[page])} requêtes SQL"
        )
    if args.profile:
        stats = pstats.Stats(profiles[args.profile]).sort_stats("cumulative")
        stats.print_stats(r"^(?!.*(django/test|django/core/handlers|middleware|deprecation|decorators))", 40)
    return 0


def main() -> int:
    parser = stack.argparse.ArgumentParser(
        description=__doc__, formatter_class=stack.argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--profile", choices=PAGES)
    stack.add_server_arguments(parser, BENCH_DATABASE)
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs : au moins 2")
    return stack.run_guarded(_run, args, args.time_limit or 900)


if __name__ == "__main__":
    sys.exit(main())
