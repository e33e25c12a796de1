"""The surge day of March 2020 as a locust scenario (not a test): run by bench/surge.py, headless, on the loopback.

    .venv/bin/python -m locust -f bench/locustfile.py --headless -u 20 -r 10 -t 60s --host http://127.0.0.1:PORT \
        Lecteur Createur PremiereConnexion Employeur        (SURGE_DATA=<the JSON file written by surge.py>)

The proportions of a surge day (`../shared/reference/activite-partielle.md`: more than 1 000 requests a minute, the
accounts created by the thousand, the DAPs filed in the same days): per 100 users,
- 55 `Lecteur`: the home page (the news banner), the help centre and its articles, the simulator API of the payroll
  software (the most read pages: people came to learn what « activité partielle » was);
- 15 `Createur`: CRÉER MON ESPACE, step 1 (a SIRET of the SIRENE file the bench imported), step 2 (a new person),
  automatic approval (3 e-mails), the page « demande transmise »;
- 5 `PremiereConnexion`: an account just approved logs in with its temporary password, changes it (the forced
  change of the first login), logs in again and reads its space;
- 25 `Employeur`: logs in, reads the space, files and sends a DAP (1 visit in 3), files a DI of 20 employees with
  CALCULER then ENVOYER (1 visit in 6), logs out.
Two more classes, never in the mix, measure the server's throughput flat out: `AccueilDebit` (GET /) and
`VueNueDebit` (GET /bench/nu/, the bench's bare Django view: bench/surge_urls.py).

Each scenario takes what it needs from the lists of SURGE_DATA (fresh SIRETs, accounts, establishments, codes DI),
each item once; a list run dry ends the user (counted as « pool vide », never as an error of the site). A step that
does not find what it expects is a failure, with the reason.
"""

import json
import os
import random
import re

import gevent

# bench/ is on sys.path (locust puts the locustfile's folder there): the HTML form parser of the other benches.
from _stack import dap_sending_form, di_saisie_rows, page_errors, post_form_fields
from locust import FastHttpUser, HttpUser, between, constant, task
from locust.exception import StopUser

DATA = {}
if os.environ.get("SURGE_DATA"):
    with open(os.environ["SURGE_DATA"], encoding="utf-8") as handle:
        DATA = json.load(handle)

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NUMERO_RE = re.compile(r"/espace/(?:dap|di)/([A-Z0-9-]+)/")
TRANSMISE = "Votre demande de création de compte a bien été transmise"
EMPLOYEES = 20
QUESTION = ("Quel est le nom de votre premier animal de compagnie ?", "Rex")
SIMULATION = {
    "mois": "2020-04",
    "dispositif": "droit_commun",
    "salaries": [
        {"salaire_brut_mensuel": str(1600 + 45 * n), "duree_hebdomadaire": "35", "heures_chomees": str(20 + 4 * n)}
        for n in range(10)
    ],
}


def take(name: str):
    """The next unused item of a list of SURGE_DATA, or None when it ran dry (gevent: no other greenlet between the
    test and the pop)."""
    items = DATA.get(name) or []
    return items.pop() if items else None


class ScenarioFailed(Exception):
    pass


class _Browser(HttpUser):
    """An HttpUser whose cookies go back over http; each check failing marks its request."""

    abstract = True
    wait_time = between(2, 6)

    def page(self, method: str, path: str, *, name: str | None = None, expect: int = 200, to: str = "", text: str = "",
             **kwargs):  # fmt: skip
        """One request; its status (and the redirection's target, or a text of the page) checked."""
        with self.client.request(
            method, path, name=name or path, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            # The site runs with DEBUG=0: its cookies are Secure. Sent back over the loopback's plain http, as
            # bench/_stack.py's HttpBrowser does (requests copies the jar for each request, without its policy).
            for cookie in self.client.cookies:
                cookie.secure = False
            location = response.headers.get("Location", "")
            if response.status_code != expect:
                body = response.text or ""
                fields = re.findall(
                    r'id="id_(\w+)-error"', body
                )  # which fields the page sent back (includes/field.html)
                errors = " ; ".join(page_errors(body)[:3]) + (f" (champs : {', '.join(fields[:5])})" if fields else "")
                response.failure(f"HTTP {response.status_code} (attendu {expect}) {location} {errors}"[:300])
                raise ScenarioFailed(path)
            if to and not location.startswith(to):
                response.failure(f"redirigé vers « {location} » au lieu de {to}")
                raise ScenarioFailed(path)
            if text and text not in response.text:
                response.failure(f"« {text} » absent de la page")
                raise ScenarioFailed(path)
            response.success()
            return response

    def csrf(self, response) -> str:
        found = CSRF_RE.search(response.text)
        if not found:
            raise ScenarioFailed("jeton CSRF absent")
        return found.group(1)

    def log_in(self, identifiant: str, password: str, *, to: str = "/espace/") -> None:
        self.client.cookies.clear()
        home = self.page("GET", "/")
        form = {"csrfmiddlewaretoken": self.csrf(home), "username": identifiant, "password": password}
        self.page("POST", "/connexion/", data=form, expect=302, to=to)

    def log_out(self) -> None:
        space = self.page("GET", "/espace/")
        self.page("POST", "/deconnexion/", data={"csrfmiddlewaretoken": self.csrf(space)}, expect=302)

    def dry(self, pool: str) -> None:
        """The bench gave too few items: this user stops (surge.py says how many users did)."""
        self.environment.events.request.fire(
            request_type="POOL", name=f"pool vide : {pool}", response_time=0, response_length=0, exception=None,
            context={},
        )  # fmt: skip
        raise StopUser()


class Lecteur(_Browser):
    weight = 55

    @task(6)
    def accueil(self):
        self.page("GET", "/", text="Activité Partielle")

    @task(2)
    def aide(self):
        self.page("GET", "/besoin-d-aide/")

    @task(2)
    def article(self):
        articles = DATA.get("articles") or ["creer-mon-espace-pas-a-pas"]
        self.page("GET", f"/besoin-d-aide/articles/{random.choice(articles)}/", name="/besoin-d-aide/articles/[slug]/")

    @task(1)
    def simulateur(self):
        self.page("POST", "/api/simulation/", json=SIMULATION)


class Createur(_Browser):
    """CRÉER MON ESPACE, Cas n°1: a new person for a SIRET without a space."""

    weight = 15

    @task
    def creer_mon_espace(self):
        siret = take("creations")
        if siret is None:
            return self.dry("creations")
        number = random.randrange(10**9)
        self.client.cookies.clear()
        try:
            page = self.page("GET", "/creer-mon-espace/")
            form = {**post_form_fields(page.text), "siret": siret, "captcha_1": "PASSED", "cgu": "on"}
            self.page("POST", "/creer-mon-espace/", data=form, expect=302, to="/creer-mon-espace/compte/")
            page = self.page("GET", "/creer-mon-espace/compte/")
            courriel = f"createur.{DATA.get('run', 'x')}.{number}@example.fr"
            contact = f"contact.{DATA.get('run', 'x')}.{number}@example.fr"
            form = {
                **post_form_fields(page.text),
                "telephone_etablissement": "01 43 00 00 00",
                "courriel_etablissement": contact,
                "courriel_etablissement_confirm": contact,
                "nom": "Lefèvre",
                "prenom": "Hélène",
                "telephone": "06 12 34 56 78",
                "courriel": courriel,
                "courriel_confirm": courriel,
                "secret_question": QUESTION[0],
                "secret_answer": QUESTION[1],
                "captcha_1": "PASSED",  # CAPTCHA_TEST_MODE
            }
            if not form.get("ville"):  # SIRENE's commune is not one of the postal code's: the user picks hers
                form["ville"] = _first_option(page.text, "ville")
            if not form.get("libelle_voie"):  # some SIRENE addresses come without it: the user types hers
                form["libelle_voie"] = "DE LA PAIX"
            self.page("POST", "/creer-mon-espace/compte/", data=form, expect=302, to="/creer-mon-espace/demande-")
            self.page("GET", "/creer-mon-espace/demande-transmise/", text=TRANSMISE)
        except ScenarioFailed:
            pass


def _first_option(body: str, name: str) -> str:
    """The first real choice of the page's <select name=…> ("" when there is none)."""
    select = re.search(rf'<select name="{name}".*?</select>', body, re.S)
    values = re.findall(r'<option value="([^"]+)"', select.group(0)) if select else []
    return values[0] if values else ""


class PremiereConnexion(_Browser):
    """The first login of an account just approved: its temporary password, then the forced change."""

    weight = 5

    @task
    def premiere_connexion(self):
        account = take("first_logins")
        if account is None:
            return self.dry("first_logins")
        identifiant, temporary = account
        new_password = f"Nouveau-{random.randrange(10**9)};Mdp"
        try:
            self.log_in(identifiant, temporary, to="/premiere-connexion/mot-de-passe/")
            page = self.page("GET", "/premiere-connexion/mot-de-passe/")
            form = {"csrfmiddlewaretoken": self.csrf(page), "old_password": temporary,
                    "new_password1": new_password, "new_password2": new_password}  # fmt: skip
            self.page("POST", "/premiere-connexion/mot-de-passe/", data=form, expect=302, to="/")
            self.log_in(identifiant, new_password)
            self.page("GET", "/espace/")
        except ScenarioFailed:
            pass


class Employeur(_Browser):
    """An employer's visit: logs in, then the space, a DAP or a DI, then logs out."""

    weight = 25

    @task(3)
    def espace(self):
        account = random.choice(DATA.get("employers") or [["", ""]])
        try:
            self.log_in(*account)
            self.page("GET", "/espace/")
            self.page("GET", "/espace/dap/")
            self.log_out()
        except ScenarioFailed:
            pass

    @task(2)
    def dap(self):
        slot = take("dap")
        if slot is None:
            return self.dry("dap")
        identifiant, password, debut, fin = slot
        try:
            self.log_in(identifiant, password)
            page = self.page("GET", "/espace/dap/nouvelle/")
            form = {**post_form_fields(page.text), **dap_sending_form(debut, fin)}
            response = self.page("POST", "/espace/dap/nouvelle/", data=form, expect=302, to="/espace/dap/")
            self.page("GET", response.headers["Location"], name="/espace/dap/[numero]/", text="Accusé de réception")
            self.log_out()
        except ScenarioFailed:
            pass

    @task(1)
    def di(self):
        slot = take("di")
        if slot is None:
            return self.dry("di")
        identifiant, password, code_di, mois, nirs = slot
        try:
            self.log_in(identifiant, password)
            page = self.page("GET", "/espace/di/nouvelle/")
            token = self.csrf(page)
            page = self.page("POST", "/espace/di/nouvelle/", data={"csrfmiddlewaretoken": token, "code_di": code_di,
                             "action": "code"}, name="/espace/di/nouvelle/ (code DI)", text="Créer la demande")  # fmt: skip
            form = {"csrfmiddlewaretoken": self.csrf(page), "code_di": code_di, "mois": mois,
                    "dispositif": "droit_commun", "action": "creer"}  # fmt: skip
            response = self.page("POST", "/espace/di/nouvelle/", data=form, expect=302, to="/espace/di/",
                                 name="/espace/di/nouvelle/ (créer)")  # fmt: skip
            saisie = response.headers["Location"]
            page = self.page("GET", saisie, name="/espace/di/[numero]/saisie/")
            rows = di_saisie_rows(nirs)
            rows["csrfmiddlewaretoken"] = self.csrf(page)
            self.page("POST", saisie, data={**rows, "action": "calculer"}, expect=302, to=saisie,
                      name="/espace/di/[numero]/saisie/ (CALCULER)")  # fmt: skip
            page = self.page("GET", saisie, name="/espace/di/[numero]/saisie/", text="Reste à charge")
            response = self.page("POST", saisie, data={**rows, "action": "envoyer"}, expect=302, to="/espace/di/",
                                 name="/espace/di/[numero]/saisie/ (ENVOYER)")  # fmt: skip
            self.page("GET", response.headers["Location"], name="/espace/di/[numero]/", text="Envoyée")
            self.log_out()
        except ScenarioFailed:
            pass


class AccueilDebit(FastHttpUser):
    """Flat out on the home page (no think time): its throughput, for the ratio to the bare view."""

    abstract = os.environ.get("SURGE_FLAT_OUT") != "1"
    wait_time = constant(0)

    @task
    def accueil(self):
        self.client.get("/", name="/ (débit)")


class VueNueDebit(FastHttpUser):
    """Flat out on the bench's bare Django view (same middleware, no template, no query)."""

    abstract = os.environ.get("SURGE_FLAT_OUT") != "1"
    wait_time = constant(0)

    @task
    def nue(self):
        self.client.get("/bench/nu/", name="/bench/nu/ (débit)")


class Controle(_Browser):
    """Each scenario once, one after the other, then stops: bench/surge.py checks the site with it before the load."""

    abstract = os.environ.get("SURGE_CHECK") != "1"
    wait_time = constant(0)

    @task
    def tout(self):
        Lecteur.accueil(self)
        Lecteur.aide(self)
        Lecteur.article(self)
        Lecteur.simulateur(self)
        Createur.creer_mon_espace(self)
        PremiereConnexion.premiere_connexion(self)
        Employeur.espace(self)
        Employeur.dap(self)
        Employeur.di(self)
        gevent.sleep(3)  # the CSV files are written every second: the last requests in them
        self.environment.runner.quit()  # the whole run: locust exits
