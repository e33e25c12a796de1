"""One SIRENE look-up, two backends: the local copy of the directory, or INSEE's API Sirene 3.11.

`sirene_lookup(siret)` answers a `SireneResult` (named like the `SireneEtablissement` fields, so that
`selectors.establishment_fields_from_sirene()` takes either), None when SIRENE does not know the SIRET, and
raises `SireneUnavailable` when it cannot tell: the user then fills the fiche établissement themselves.

`settings.SIRENE_BACKEND` chooses, at each call:
- "local" (default): one query by primary key on `SireneEtablissement` (filled by `import_sirene`);
- "insee-api": `GET {INSEE_API_URL}/siret/{siret}` with the key in `X-INSEE-Api-Key-Integration`
  (portail-api.insee.fr), a time-out of `INSEE_API_TIMEOUT` seconds, and the standard library only.
"""

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .enums import EtatAdministratif
from .models import SireneEtablissement
from .validators import clean_siret

logger = logging.getLogger(__name__)

LOCAL = "local"
INSEE_API = "insee-api"
BACKENDS = (LOCAL, INSEE_API)

API_KEY_HEADER = "X-INSEE-Api-Key-Integration"
NON_DIFFUSIBLE = "[ND]"  # what the API shows in place of a value its owner keeps private (diffusion partielle)
MAX_RESPONSE_BYTES = 1_000_000  # one établissement with its periods weighs a few kilobytes


@dataclass(frozen=True)
class SireneResult:
    """An establishment as SIRENE knows it. Codes are INSEE's raw codes (type_voie "AV", indice "B")."""

    siret: str
    siren: str
    denomination: str
    enseigne: str
    numero_voie: str
    indice_repetition: str
    type_voie: str
    libelle_voie: str
    complement_adresse: str
    code_postal: str
    libelle_commune: str
    code_commune: str
    etat_administratif: str  # "A" or "F" ("" when unknown)
    source: str  # "local" or "insee-api"

    @property
    def is_active(self) -> bool:
        return self.etat_administratif != EtatAdministratif.FERME


class SireneError(Exception):
    """Base of the SIRENE look-up errors."""


class SireneUnavailable(SireneError):
    """SIRENE cannot tell (API down, quota, time-out, bad answer): the user fills the fields themselves."""


class SireneNonDiffusible(SireneUnavailable):
    """The establishment exists but INSEE does not disclose it (HTTP 403)."""


def sirene_lookup(siret: str) -> SireneResult | None:
    """None when SIRENE does not know the SIRET (404 / no row). Raises SireneUnavailable when it cannot tell.

    The SIRET may contain spaces; a value that is not 14 digits once cleaned is unknown (None) without any
    query nor call.
    """
    backend = getattr(settings, "SIRENE_BACKEND", LOCAL) or LOCAL
    if backend not in BACKENDS:
        raise ImproperlyConfigured(
            f"SIRENE_BACKEND « {backend} » inconnu : les valeurs possibles sont « {LOCAL} » et « {INSEE_API} »."
        )
    siret = clean_siret(siret)
    if not (len(siret) == 14 and siret.isascii() and siret.isdigit()):
        return None
    if backend == INSEE_API:
        return _lookup_insee_api(siret)
    return _lookup_local(siret)


# --- The local copy of the directory -------------------------------------------------------------


def _lookup_local(siret: str) -> SireneResult | None:
    try:
        row = SireneEtablissement.objects.get(pk=siret)
    except SireneEtablissement.DoesNotExist:
        return None
    return SireneResult(
        siret=row.siret,
        siren=row.siren,
        denomination=row.denomination or row.enseigne,  # the import already names it after its unité légale
        enseigne=row.enseigne,
        numero_voie=row.numero_voie,
        indice_repetition=row.indice_repetition,
        type_voie=row.type_voie,
        libelle_voie=row.libelle_voie,
        complement_adresse=row.complement_adresse,
        code_postal=row.code_postal,
        libelle_commune=row.libelle_commune,
        code_commune=row.code_commune,
        etat_administratif=row.etat_administratif,
        source=LOCAL,
    )


# --- INSEE's API Sirene 3.11 ---------------------------------------------------------------------


def _lookup_insee_api(siret: str) -> SireneResult | None:
    status, body = _get(f"/siret/{siret}", siret)
    if status == 404:
        return None
    if status == 403:
        logger.warning("API Sirene : établissement %s non diffusible (HTTP 403).", siret)
        raise SireneNonDiffusible(f"L'établissement {siret} n'est pas diffusible.")
    if status != 200:
        detail = _STATUS_DETAILS.get(status) or ("erreur du serveur" if status >= 500 else "réponse inattendue")
        logger.warning("API Sirene indisponible pour %s : HTTP %s (%s).", siret, status, detail)
        raise SireneUnavailable(f"L'API Sirene a répondu HTTP {status} ({detail}).")
    try:
        payload = json.loads(body)
        etablissement = payload["etablissement"]
        if not isinstance(etablissement, dict):
            raise TypeError("etablissement n'est pas un objet")
        return _result_from_api(etablissement, siret)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        logger.warning("API Sirene : réponse illisible pour %s (%s: %s).", siret, type(error).__name__, error)
        raise SireneUnavailable("L'API Sirene a renvoyé une réponse illisible.") from None


_STATUS_DETAILS = {401: "clé d'API refusée", 429: "quota de requêtes dépassé"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirection is an error: urllib would otherwise send the API key along to wherever it points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _get(path: str, siret: str) -> tuple[int, bytes]:
    """One GET on the API: (HTTP status, body). Network failures become SireneUnavailable, never urllib's."""
    base_url = (getattr(settings, "INSEE_API_URL", "") or "").rstrip("/")
    if not base_url:
        raise ImproperlyConfigured("INSEE_API_URL doit être défini quand SIRENE_BACKEND vaut « insee-api ».")
    try:
        request = urllib.request.Request(
            base_url + path,
            headers={"Accept": "application/json", API_KEY_HEADER: getattr(settings, "INSEE_API_KEY", "") or ""},
            method="GET",
        )
    except ValueError:
        raise ImproperlyConfigured(f"INSEE_API_URL n'est pas une URL valide : « {base_url} ».") from None
    timeout = float(getattr(settings, "INSEE_API_TIMEOUT", 5) or 5)
    started = time.monotonic()
    try:
        try:
            with _opener.open(request, timeout=timeout) as response:
                status, body = response.status, response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as error:  # 4xx, 5xx (and 3xx, redirections being refused)
            with error:
                status, body = error.code, error.read(MAX_RESPONSE_BYTES + 1)
    except (OSError, http.client.HTTPException, ValueError) as error:
        # URLError wraps what failed while connecting or sending; a time-out while waiting comes as it is.
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        if isinstance(reason, TimeoutError):
            _log_call(path, "time-out", started)
            logger.warning("API Sirene indisponible pour %s : pas de réponse en %g s.", siret, timeout)
            raise SireneUnavailable(f"L'API Sirene n'a pas répondu en {timeout:g} s.") from None
        _log_call(path, "échec", started)
        logger.warning("API Sirene injoignable pour %s : %s: %s", siret, type(reason).__name__, reason)
        raise SireneUnavailable("L'API Sirene est injoignable.") from None
    _log_call(path, f"HTTP {status}", started)
    if len(body) > MAX_RESPONSE_BYTES:
        logger.warning("API Sirene : réponse de plus de %s octets pour %s.", MAX_RESPONSE_BYTES, siret)
        raise SireneUnavailable("L'API Sirene a renvoyé une réponse trop longue.")
    return status, body


def _log_call(path: str, outcome: str, started: float) -> None:
    """One INFO line per call; the key travels in a header and is never logged."""
    logger.info("API Sirene GET %s : %s en %d ms", path, outcome, round((time.monotonic() - started) * 1000))


def _text(value) -> str:
    """An API value as text: null and [ND] (non diffusible) are absent."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = str(value).strip()
    return "" if text == NON_DIFFUSIBLE else text


def _current_period(etablissement: dict) -> dict:
    """The period whose dateFin is null (INSEE lists the most recent first; don't rely on it)."""
    periods = [period for period in etablissement.get("periodesEtablissement") or [] if isinstance(period, dict)]
    for period in periods:
        if period.get("dateFin") is None:
            return period
    return max(periods, key=lambda period: _text(period.get("dateDebut")), default={})


def _result_from_api(etablissement: dict, siret: str) -> SireneResult:
    unite_legale = etablissement.get("uniteLegale") or {}
    adresse = etablissement.get("adresseEtablissement") or {}
    period = _current_period(etablissement)
    enseigne = _text(period.get("enseigne1Etablissement"))
    personne = " ".join(
        part
        for part in (
            _text(unite_legale.get("prenomUsuelUniteLegale")) or _text(unite_legale.get("prenom1UniteLegale")),
            _text(unite_legale.get("nomUsageUniteLegale")) or _text(unite_legale.get("nomUniteLegale")),
        )
        if part
    )
    siret = _text(etablissement.get("siret")) or siret
    return SireneResult(
        siret=siret,
        siren=_text(etablissement.get("siren")) or siret[:9],
        denomination=_text(unite_legale.get("denominationUniteLegale"))
        or personne
        or _text(period.get("denominationUsuelleEtablissement"))
        or enseigne,
        enseigne=enseigne,
        numero_voie=_text(adresse.get("numeroVoieEtablissement")),
        indice_repetition=_text(adresse.get("indiceRepetitionEtablissement")),
        type_voie=_text(adresse.get("typeVoieEtablissement")),
        libelle_voie=_text(adresse.get("libelleVoieEtablissement")),
        complement_adresse=_text(adresse.get("complementAdresseEtablissement")),
        code_postal=_text(adresse.get("codePostalEtablissement")),
        libelle_commune=_text(adresse.get("libelleCommuneEtablissement")),
        code_commune=_text(adresse.get("codeCommuneEtablissement")),
        etat_administratif=_text(period.get("etatAdministratifEtablissement")),
        source=INSEE_API,
    )


__all__ = ["SireneError", "SireneNonDiffusible", "SireneResult", "SireneUnavailable", "sirene_lookup"]
