"""`POST /api/simulation/`: the simulator for payroll software, the same barème and engine as the page.

What it accepts (the README says the same):
- only POST, with `Content-Type: application/json` (a charset may follow); otherwise 405 or 415;
- a JSON object `{"mois": "AAAA-MM", "dispositif": <code>, "salaries": [ … ]}`, 1 to 1000 employees;
- each figure as a JSON number (`2500`, `81.67`) or a string of digits with a decimal point (`"2500.00"`):
  no comma, no spaces, no exponent (a French « 1 234,56 » is refused, so a figure is never misread);
- `contrat` may be left out (`"standard"`); unknown keys are ignored.
Every answer is JSON; errors are `{"erreurs": {"<champ>": ["message en français"]}}` with the field's path
(`mois`, `salaries.0.heures_chomees`), or `requete` for the request as a whole (method, type, JSON, limit).
Every call counts towards the per-IP limit (SIMULATION_API_RATE_LIMIT_PER_IP a minute), refused ones too.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apart.ratelimit import Limit, limit_hit

from .engine import Contrat, Dispositif, Resultat, Salarie, arrondi, calculer, erreurs_salarie
from .forms import message_hors_bareme, parse_mois
from .selectors import HorsBareme, bareme_du_mois

MAX_SALARIES_API = 1000
RATE_WINDOW_SECONDS = 60
CHAMPS_NOMBRE = ("salaire_brut_mensuel", "duree_hebdomadaire", "heures_chomees")
_NOMBRE_API = re.compile(r"-?\d{1,12}(?:\.\d{1,6})?")

RATE_LIMITED = "Trop de simulations depuis votre adresse : réessayez dans une minute."
METHOD_NOT_ALLOWED = "Seule la méthode POST est acceptée."
UNSUPPORTED_TYPE = "Envoyez la simulation en JSON, avec l'en-tête « Content-Type: application/json »."
TOO_BIG = "La requête est trop volumineuse : 1000 salariés au plus par appel."
BAD_JSON = "Le corps de la requête n'est pas un JSON valide."
NOT_OBJECT = 'Le corps de la requête doit être un objet JSON : {"mois": …, "dispositif": …, "salaries": […]}.'
REQUIRED = "Ce champ est obligatoire."
MOIS_API = 'Indiquez le mois au format AAAA-MM, par exemple "2026-03".'
DISPOSITIF_API = "Dispositif inconnu : droit_commun, secteur_protege, apld ou apld_rebond."
CONTRAT_API = "Contrat inconnu : standard, apprenti ou contrat_professionnalisation."
SALARIES_LIST = "Donnez une liste de salariés (de 1 à 1000)."
SALARIES_EMPTY = "Donnez au moins un salarié."
SALARIES_TOO_MANY = f"{MAX_SALARIES_API} salariés au plus par appel : découpez la simulation."
SALARIE_OBJECT = "Chaque salarié est un objet JSON."
NOMBRE_API = 'Donnez un nombre avec un point décimal, sans espace, en nombre JSON ou en texte : 2500 ou "1234.56".'


def _erreur(status: int, message: str, champ: str = "requete", **headers) -> JsonResponse:
    response = JsonResponse({"erreurs": {champ: [message]}}, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _nombre(value) -> Decimal | None:
    if isinstance(value, bool):  # a JSON true is no figure, though Python counts it an int
        return None
    if isinstance(value, int):
        value = str(value)
    elif isinstance(value, Decimal):  # JSON numbers are parsed as Decimal: no float on the way
        if not value.is_finite():
            return None
        value = format(value, "f")
    if not isinstance(value, str) or not _NOMBRE_API.fullmatch(value):
        return None
    return Decimal(value)


def _salarie(data, index: int, erreurs: dict) -> Salarie | None:
    prefix = f"salaries.{index}"
    if not isinstance(data, dict):
        erreurs[prefix] = [SALARIE_OBJECT]
        return None
    valeurs = {}
    for champ in CHAMPS_NOMBRE:
        if data.get(champ) is None:
            erreurs[f"{prefix}.{champ}"] = [REQUIRED]
            continue
        nombre = _nombre(data[champ])
        if nombre is None:
            erreurs[f"{prefix}.{champ}"] = [NOMBRE_API]
        else:
            valeurs[champ] = nombre
    contrat = data.get("contrat", Contrat.STANDARD.value)
    if not isinstance(contrat, str) or contrat not in Contrat._value2member_map_:
        erreurs[f"{prefix}.contrat"] = [CONTRAT_API]
    if len(valeurs) < len(CHAMPS_NOMBRE) or f"{prefix}.contrat" in erreurs:
        return None
    salarie = Salarie(**valeurs, contrat=Contrat(contrat))
    for champ, message in erreurs_salarie(salarie).items():
        erreurs.setdefault(f"{prefix}.{champ}", []).append(message)
    return salarie


def _montant(value: Decimal) -> str:
    return str(arrondi(value))


def _taux(value: Decimal) -> str:
    # 0.6 → "0.60"; a rate with more decimals keeps them.
    return str(arrondi(value)) if value == arrondi(value) else format(value, "f")


def resultat_json(resultat: Resultat) -> dict:
    bareme = resultat.bareme
    return {
        "mois": f"{bareme.mois.year:04d}-{bareme.mois.month:02d}",
        "dispositif": bareme.dispositif.value,
        "bareme": {
            "smic_horaire": _montant(bareme.smic_horaire),
            "taux_indemnite": _taux(bareme.taux_indemnite),
            "taux_allocation": _taux(bareme.taux_allocation),
            "plancher_indemnite": _montant(bareme.plancher_indemnite),
            "plancher_allocation": _montant(bareme.plancher_allocation),
            "plafond_horaire": _montant(bareme.plafond_horaire),
            "sources": [{"reference": source.reference, "url": source.url} for source in bareme.sources],
        },
        "salaries": [
            {
                "taux_horaire": _montant(ligne.taux_horaire),
                "indemnite_horaire": _montant(ligne.indemnite_horaire),
                "allocation_horaire": _montant(ligne.allocation_horaire),
                "indemnite": _montant(ligne.indemnite),
                "allocation": _montant(ligne.allocation),
                "reste_a_charge": _montant(ligne.reste_a_charge),
                "explications": list(ligne.explications),
            }
            for ligne in resultat.salaries
        ],
        "total": {
            "indemnite": _montant(resultat.total.indemnite),
            "allocation": _montant(resultat.total.allocation),
            "reste_a_charge": _montant(resultat.total.reste_a_charge),
        },
    }


def simulation_api_limit(*, ip_address: str) -> Limit:
    return Limit("simulation_api:ip", ip_address, settings.SIMULATION_API_RATE_LIMIT_PER_IP, RATE_WINDOW_SECONDS)


def _lire(data: dict) -> tuple[dict, object, object, list]:
    """The request's month, dispositif and employees, and what is wrong with them."""
    erreurs: dict[str, list[str]] = {}
    mois = parse_mois(data["mois"]) if isinstance(data.get("mois"), str) and "/" not in data["mois"] else None
    if mois is None:
        erreurs["mois"] = [REQUIRED if data.get("mois") is None else MOIS_API]
    dispositif = data.get("dispositif")
    if not isinstance(dispositif, str) or dispositif not in Dispositif._value2member_map_:
        erreurs["dispositif"] = [REQUIRED if dispositif is None else DISPOSITIF_API]
        dispositif = None
    salaries_data = data.get("salaries")
    salaries: list[Salarie | None] = []
    if not isinstance(salaries_data, list):
        erreurs["salaries"] = [REQUIRED if salaries_data is None else SALARIES_LIST]
    elif not salaries_data:
        erreurs["salaries"] = [SALARIES_EMPTY]
    elif len(salaries_data) > MAX_SALARIES_API:
        erreurs["salaries"] = [SALARIES_TOO_MANY]
    else:
        salaries = [_salarie(salarie, index, erreurs) for index, salarie in enumerate(salaries_data)]
    return erreurs, mois, dispositif, salaries


@csrf_exempt  # called by payroll software, not by a browser holding a session: no cookie, no CSRF token
def simulation_api(request):
    if limit_hit(simulation_api_limit(ip_address=get_client_ip_address(request))):
        return _erreur(429, RATE_LIMITED, Retry_After=str(RATE_WINDOW_SECONDS))
    if request.method != "POST":
        return _erreur(405, METHOD_NOT_ALLOWED, Allow="POST")
    if request.content_type != "application/json":
        return _erreur(415, UNSUPPORTED_TYPE)
    try:
        body = request.body
    except RequestDataTooBig:
        return _erreur(413, TOO_BIG)
    try:
        data = json.loads(body, parse_float=Decimal, parse_int=Decimal, parse_constant=str)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        return _erreur(400, BAD_JSON)
    if not isinstance(data, dict):
        return _erreur(400, NOT_OBJECT)

    erreurs, mois, dispositif, salaries = _lire(data)
    bareme = None
    if mois is not None:
        # The month is checked even when the dispositif is wrong (droit commun, open from March 2020).
        try:
            bareme = bareme_du_mois(mois=mois, dispositif=dispositif or Dispositif.DROIT_COMMUN)
        except HorsBareme as hors_bareme:
            codes = {dispositif: dispositif.value for dispositif in Dispositif}
            erreurs.setdefault(hors_bareme.champ, []).append(message_hors_bareme(hors_bareme, mois, codes))
    if erreurs:
        return JsonResponse({"erreurs": erreurs}, status=400, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(resultat_json(calculer(bareme, salaries)), json_dumps_params={"ensure_ascii": False})
