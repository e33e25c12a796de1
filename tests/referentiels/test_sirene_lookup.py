"""sirene_lookup(): the local copy of the directory, and INSEE's API Sirene 3.11 played by a local HTTP server.

The server answers in the shape INSEE documents for `GET /siret/{siret}` (API Sirene 3.11, portail-api.insee.fr):
`{"header": {"statut", "message"}, "etablissement": {…, "uniteLegale": {…}, "adresseEtablissement": {…},
"adresse2Etablissement": {…}, "periodesEtablissement": [{"dateFin": null, …}, …]}}`, and errors as
`{"header": {"statut": 404, "message": "Aucun élément trouvé pour le siret …"}}`.
"""

import json
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from habilitations.selectors import establishment_fields_from_sirene
from referentiels.models import SireneEtablissement
from referentiels.sirene import (
    SireneError,
    SireneNonDiffusible,
    SireneResult,
    SireneUnavailable,
    sirene_lookup,
)

API_KEY = "cle-de-test-7f3a9c21-5be0-4d7e-a1f2-000000000000"
API_PATH = "/api-sirene/3.11"

SIRET_SOCIETE = "80145236800013"
SIRET_EI = "52867930100010"
SIRET_ND = "44210698500017"
SIRET_FERME = "35412256600012"
SIRET_INCONNU = "90312345300016"


# --- INSEE's documented response -----------------------------------------------------------------


def _periode(**values) -> dict:
    """One entry of periodesEtablissement, every documented key present (null when not said)."""
    keys = (
        "dateFin",
        "dateDebut",
        "etatAdministratifEtablissement",
        "changementEtatAdministratifEtablissement",
        "enseigne1Etablissement",
        "enseigne2Etablissement",
        "enseigne3Etablissement",
        "changementEnseigneEtablissement",
        "denominationUsuelleEtablissement",
        "changementDenominationUsuelleEtablissement",
        "activitePrincipaleEtablissement",
        "nomenclatureActivitePrincipaleEtablissement",
        "changementActivitePrincipaleEtablissement",
        "caractereEmployeurEtablissement",
        "changementCaractereEmployeurEtablissement",
    )
    return {key: values.get(key) for key in keys}


def reponse_societe() -> dict:
    """A full 200 answer for a company's secondary establishment, as API Sirene 3.11 sends it."""
    return {
        "header": {"statut": 200, "message": "ok"},
        "etablissement": {
            "siren": "801452368",
            "nic": "00013",
            "siret": SIRET_SOCIETE,
            "statutDiffusionEtablissement": "O",
            "dateCreationEtablissement": "2015-04-01",
            "trancheEffectifsEtablissement": "11",
            "anneeEffectifsEtablissement": "2022",
            "activitePrincipaleRegistreMetiersEtablissement": "1071BZ",
            "dateDernierTraitementEtablissement": "2024-03-22T11:28:10.000",
            "etablissementSiege": False,
            "nombrePeriodesEtablissement": 2,
            "uniteLegale": {
                "etatAdministratifUniteLegale": "A",
                "statutDiffusionUniteLegale": "O",
                "unitePurgeeUniteLegale": None,
                "dateCreationUniteLegale": "2014-03-12",
                "categorieJuridiqueUniteLegale": "5710",
                "denominationUniteLegale": "BOULANGERIE DU CANAL",
                "sigleUniteLegale": "BDC",
                "denominationUsuelle1UniteLegale": None,
                "denominationUsuelle2UniteLegale": None,
                "denominationUsuelle3UniteLegale": None,
                "sexeUniteLegale": None,
                "nomUniteLegale": None,
                "nomUsageUniteLegale": None,
                "prenom1UniteLegale": None,
                "prenom2UniteLegale": None,
                "prenom3UniteLegale": None,
                "prenom4UniteLegale": None,
                "prenomUsuelUniteLegale": None,
                "pseudonymeUniteLegale": None,
                "activitePrincipaleUniteLegale": "10.71C",
                "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
                "identifiantAssociationUniteLegale": None,
                "economieSocialeSolidaireUniteLegale": "N",
                "societeMissionUniteLegale": "N",
                "caractereEmployeurUniteLegale": "O",
                "trancheEffectifsUniteLegale": "12",
                "anneeEffectifsUniteLegale": "2022",
                "nicSiegeUniteLegale": "00021",
                "dateDernierTraitementUniteLegale": "2024-03-22T11:28:10.000",
                "categorieEntreprise": "PME",
                "anneeCategorieEntreprise": "2022",
            },
            "adresseEtablissement": {
                "complementAdresseEtablissement": "BATIMENT A",
                "numeroVoieEtablissement": "12",
                "indiceRepetitionEtablissement": "B",
                "dernierNumeroVoieEtablissement": None,
                "indiceRepetitionDernierNumeroVoieEtablissement": None,
                "typeVoieEtablissement": "AV",
                "libelleVoieEtablissement": "DE LA REPUBLIQUE",
                "codePostalEtablissement": "75011",
                "libelleCommuneEtablissement": "PARIS",
                "libelleCommuneEtrangerEtablissement": None,
                "distributionSpecialeEtablissement": None,
                "codeCommuneEtablissement": "75111",
                "codeCedexEtablissement": None,
                "libelleCedexEtablissement": None,
                "codePaysEtrangerEtablissement": None,
                "libellePaysEtrangerEtablissement": None,
                "identifiantAdresseEtablissement": "75111_8158_00012_bis",
                "coordonneeLambertAbscisseEtablissement": "653987.4",
                "coordonneeLambertOrdonneeEtablissement": "6863204.1",
            },
            "adresse2Etablissement": {
                "complementAdresse2Etablissement": None,
                "numeroVoie2Etablissement": None,
                "indiceRepetition2Etablissement": None,
                "typeVoie2Etablissement": None,
                "libelleVoie2Etablissement": None,
                "codePostal2Etablissement": None,
                "libelleCommune2Etablissement": None,
                "libelleCommuneEtranger2Etablissement": None,
                "distributionSpeciale2Etablissement": None,
                "codeCommune2Etablissement": None,
                "codeCedex2Etablissement": None,
                "libelleCedex2Etablissement": None,
                "codePaysEtranger2Etablissement": None,
                "libellePaysEtranger2Etablissement": None,
            },
            "periodesEtablissement": [
                _periode(
                    dateFin=None,
                    dateDebut="2019-03-01",
                    etatAdministratifEtablissement="A",
                    changementEtatAdministratifEtablissement=False,
                    enseigne1Etablissement="AU PAIN DU CANAL",
                    changementEnseigneEtablissement=True,
                    changementDenominationUsuelleEtablissement=False,
                    activitePrincipaleEtablissement="10.71C",
                    nomenclatureActivitePrincipaleEtablissement="NAFRev2",
                    changementActivitePrincipaleEtablissement=False,
                    caractereEmployeurEtablissement="O",
                    changementCaractereEmployeurEtablissement=False,
                ),
                _periode(
                    dateFin="2019-02-28",
                    dateDebut="2015-04-01",
                    etatAdministratifEtablissement="A",
                    changementEtatAdministratifEtablissement=True,
                    changementEnseigneEtablissement=False,
                    changementDenominationUsuelleEtablissement=False,
                    activitePrincipaleEtablissement="10.71C",
                    nomenclatureActivitePrincipaleEtablissement="NAFRev2",
                    changementActivitePrincipaleEtablissement=True,
                    caractereEmployeurEtablissement="O",
                    changementCaractereEmployeurEtablissement=True,
                ),
            ],
        },
    }


def reponse_entrepreneur(**unite_legale) -> dict:
    """An individual entrepreneur (catégorie juridique 1000): no denomination, a prénom and a nom."""
    reponse = reponse_societe()
    etablissement = reponse["etablissement"]
    etablissement.update(siren=SIRET_EI[:9], nic=SIRET_EI[9:], siret=SIRET_EI, etablissementSiege=True)
    etablissement["uniteLegale"].update(
        categorieJuridiqueUniteLegale="1000",
        denominationUniteLegale=None,
        sigleUniteLegale=None,
        sexeUniteLegale="F",
        nomUniteLegale="MARTIN",
        nomUsageUniteLegale="DURAND",
        prenom1UniteLegale="MARIE",
        prenom2UniteLegale="LOUISE",
        prenomUsuelUniteLegale="MARIE-LOU",
        categorieEntreprise="PME",
    )
    etablissement["uniteLegale"].update(unite_legale)
    return reponse


def reponse_non_diffusible() -> dict:
    """Diffusion partielle (statut P): INSEE answers 200 and masks the personal values with [ND]."""
    reponse = reponse_entrepreneur()
    etablissement = reponse["etablissement"]
    etablissement.update(siren=SIRET_ND[:9], nic=SIRET_ND[9:], siret=SIRET_ND, statutDiffusionEtablissement="P")
    etablissement["uniteLegale"].update(
        statutDiffusionUniteLegale="P",
        nomUniteLegale="[ND]",
        nomUsageUniteLegale="[ND]",
        prenom1UniteLegale="[ND]",
        prenom2UniteLegale="[ND]",
        prenomUsuelUniteLegale="[ND]",
        sexeUniteLegale="[ND]",
    )
    etablissement["adresseEtablissement"].update(
        complementAdresseEtablissement="[ND]",
        numeroVoieEtablissement="[ND]",
        indiceRepetitionEtablissement="[ND]",
        typeVoieEtablissement="[ND]",
        libelleVoieEtablissement="[ND]",
        identifiantAdresseEtablissement="[ND]",
        coordonneeLambertAbscisseEtablissement="[ND]",
        coordonneeLambertOrdonneeEtablissement="[ND]",
    )
    periode = etablissement["periodesEtablissement"][0]
    periode.update(denominationUsuelleEtablissement="[ND]", enseigne1Etablissement="LE FOURNIL DE MARIE")
    return reponse


def reponse_fermee(courante_en_premier: bool) -> dict:
    """Closed on 2023-06-30: the current period (dateFin null) says F, the older one said A."""
    reponse = reponse_societe()
    etablissement = reponse["etablissement"]
    etablissement.update(siren=SIRET_FERME[:9], nic=SIRET_FERME[9:], siret=SIRET_FERME, nombrePeriodesEtablissement=2)
    courante = _periode(
        dateFin=None,
        dateDebut="2023-07-01",
        etatAdministratifEtablissement="F",
        changementEtatAdministratifEtablissement=True,
        enseigne1Etablissement="AU PAIN DU CANAL",
        activitePrincipaleEtablissement="10.71C",
        nomenclatureActivitePrincipaleEtablissement="NAFRev2",
        caractereEmployeurEtablissement="N",
    )
    ancienne = _periode(
        dateFin="2023-06-30",
        dateDebut="2015-04-01",
        etatAdministratifEtablissement="A",
        changementEtatAdministratifEtablissement=False,
        enseigne1Etablissement="AU PAIN DU CANAL",
        activitePrincipaleEtablissement="10.71C",
        nomenclatureActivitePrincipaleEtablissement="NAFRev2",
        caractereEmployeurEtablissement="O",
    )
    etablissement["periodesEtablissement"] = [courante, ancienne] if courante_en_premier else [ancienne, courante]
    return reponse


def erreur(statut: int, message: str) -> dict:
    return {"header": {"statut": statut, "message": message}}


# --- A local HTTP server in INSEE's place --------------------------------------------------------


@dataclass
class Route:
    status: int
    body: bytes
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeInsee:
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PATH}"

    def answer(self, siret: str, status: int, payload=None, *, raw: bytes | None = None, delay=0.0, headers=None):
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        self.routes[f"{API_PATH}/siret/{siret}"] = Route(status, body, delay, headers or {})


class _Handler(BaseHTTPRequestHandler):
    server_version = "Gravitee"  # what portail-api.insee.fr's gateway is built on; any name would do

    def do_GET(self):
        fake: FakeInsee = self.server.fake
        fake.requests.append((self.path, {name.lower(): value for name, value in self.headers.items()}))
        siret = self.path.rsplit("/", 1)[-1]
        route = fake.routes.get(
            self.path, Route(404, json.dumps(erreur(404, f"Aucun élément trouvé pour le siret {siret}")).encode())
        )
        if route.delay:
            fake.release.wait(route.delay)
        try:
            self.send_response(route.status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(route.body)))
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (time-out test)
            pass

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def insee_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.fake = FakeInsee(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="fake-insee", daemon=True)
    thread.start()
    yield server.fake
    server.fake.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def insee(insee_server, settings):
    insee_server.routes.clear()
    insee_server.requests.clear()
    settings.SIRENE_BACKEND = "insee-api"
    settings.INSEE_API_URL = insee_server.url
    settings.INSEE_API_KEY = API_KEY
    settings.INSEE_API_TIMEOUT = 2
    return insee_server


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Local backend -------------------------------------------------------------------------------


def _sirene_row(siret=SIRET_SOCIETE, **overrides) -> SireneEtablissement:
    fields = {
        "siren": siret[:9],
        "denomination": "BOULANGERIE DU CANAL",
        "enseigne": "AU PAIN DU CANAL",
        "numero_voie": "12",
        "indice_repetition": "B",
        "type_voie": "AV",
        "libelle_voie": "DE LA REPUBLIQUE",
        "complement_adresse": "BATIMENT A",
        "code_postal": "75011",
        "libelle_commune": "PARIS",
        "code_commune": "75111",
        "etat_administratif": "A",
    }
    return SireneEtablissement.objects.create(siret=siret, **{**fields, **overrides})


EXPECTED_SOCIETE = {
    "siret": SIRET_SOCIETE,
    "siren": "801452368",
    "denomination": "BOULANGERIE DU CANAL",
    "enseigne": "AU PAIN DU CANAL",
    "numero_voie": "12",
    "indice_repetition": "B",
    "type_voie": "AV",
    "libelle_voie": "DE LA REPUBLIQUE",
    "complement_adresse": "BATIMENT A",
    "code_postal": "75011",
    "libelle_commune": "PARIS",
    "code_commune": "75111",
    "etat_administratif": "A",
}


@pytest.mark.django_db
def test_local_known_siret_returns_the_fields_in_one_query(settings, django_assert_num_queries):
    settings.SIRENE_BACKEND = "local"
    _sirene_row()
    with django_assert_num_queries(1):
        result = sirene_lookup(SIRET_SOCIETE)
    assert result == SireneResult(**EXPECTED_SOCIETE, source="local")
    assert result.is_active


@pytest.mark.django_db
def test_local_is_the_default_backend(settings):
    del settings.SIRENE_BACKEND
    _sirene_row()
    assert sirene_lookup(SIRET_SOCIETE).source == "local"


@pytest.mark.django_db
def test_local_unknown_siret_is_none(settings):
    settings.SIRENE_BACKEND = "local"
    _sirene_row()
    assert sirene_lookup(SIRET_INCONNU) is None


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["801 452 368 00013", " 80145236800013 ", "801452368 00013"])
def test_local_accepts_spaces(settings, typed):
    settings.SIRENE_BACKEND = "local"
    _sirene_row()
    assert sirene_lookup(typed).siret == SIRET_SOCIETE


@pytest.mark.django_db
def test_local_closed_establishment_is_not_active(settings):
    settings.SIRENE_BACKEND = "local"
    _sirene_row(SIRET_FERME, etat_administratif="F")
    result = sirene_lookup(SIRET_FERME)
    assert result.etat_administratif == "F"
    assert not result.is_active


@pytest.mark.django_db
def test_local_without_denomination_falls_back_to_the_enseigne(settings):
    settings.SIRENE_BACKEND = "local"
    _sirene_row(denomination="")
    assert sirene_lookup(SIRET_SOCIETE).denomination == "AU PAIN DU CANAL"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["", "8014523680001", "801452368000130", "8014523680001A", "../../siren/801452368"])
def test_a_malformed_siret_is_unknown_without_a_query(settings, django_assert_num_queries, typed):
    settings.SIRENE_BACKEND = "local"
    with django_assert_num_queries(0):
        assert sirene_lookup(typed) is None


def test_an_unknown_backend_is_a_configuration_error(settings):
    settings.SIRENE_BACKEND = "annuaire"
    with pytest.raises(ImproperlyConfigured, match="SIRENE_BACKEND « annuaire » inconnu"):
        sirene_lookup(SIRET_SOCIETE)


@pytest.mark.django_db
def test_the_result_fills_the_fiche_etablissement_like_the_model_does(settings, insee):
    """establishment_fields_from_sirene() takes a SireneResult from either backend (duck typing)."""
    settings.SIRENE_BACKEND = "local"
    row = _sirene_row()
    local = sirene_lookup(SIRET_SOCIETE)
    settings.SIRENE_BACKEND = "insee-api"
    insee.answer(SIRET_SOCIETE, 200, reponse_societe())
    api = sirene_lookup(SIRET_SOCIETE)
    expected = establishment_fields_from_sirene(row)
    assert establishment_fields_from_sirene(local) == expected
    assert establishment_fields_from_sirene(api) == expected
    assert expected.fields["extension_voie"] == "bis"
    assert expected.fields["type_voie"] == "Avenue"


# --- INSEE API backend ---------------------------------------------------------------------------


def test_api_company(insee, caplog):
    insee.answer(SIRET_SOCIETE, 200, reponse_societe())
    with caplog.at_level(logging.INFO, logger="referentiels.sirene"):
        result = sirene_lookup("801 452 368 00013")
    assert result == SireneResult(**EXPECTED_SOCIETE, source="insee-api")
    assert result.is_active
    [(path, headers)] = insee.requests
    assert path == f"{API_PATH}/siret/{SIRET_SOCIETE}"
    assert headers["x-insee-api-key-integration"] == API_KEY
    assert headers["accept"] == "application/json"
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert f"/siret/{SIRET_SOCIETE}" in record.getMessage()
    assert "HTTP 200" in record.getMessage()
    assert " ms" in record.getMessage()
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(
    ("unite_legale", "denomination"),
    [
        ({}, "MARIE-LOU DURAND"),  # prénom usuel and nom d'usage first
        ({"prenomUsuelUniteLegale": None, "nomUsageUniteLegale": None}, "MARIE MARTIN"),  # else prénom 1 and nom
        ({"prenomUsuelUniteLegale": None, "prenom1UniteLegale": None, "nomUsageUniteLegale": None}, "MARTIN"),
    ],
)
def test_api_individual_entrepreneur_is_named_prenom_nom(insee, unite_legale, denomination):
    insee.answer(SIRET_EI, 200, reponse_entrepreneur(**unite_legale))
    result = sirene_lookup(SIRET_EI)
    assert result.denomination == denomination
    assert result.siret == SIRET_EI
    assert result.siren == SIRET_EI[:9]
    assert result.enseigne == "AU PAIN DU CANAL"


def test_api_non_diffusible_values_are_absent(insee):
    insee.answer(SIRET_ND, 200, reponse_non_diffusible())
    result = sirene_lookup(SIRET_ND)
    assert result == SireneResult(
        siret=SIRET_ND,
        siren=SIRET_ND[:9],
        denomination="LE FOURNIL DE MARIE",  # no name, no dénomination usuelle: the enseigne
        enseigne="LE FOURNIL DE MARIE",
        numero_voie="",
        indice_repetition="",
        type_voie="",
        libelle_voie="",
        complement_adresse="",
        code_postal="75011",
        libelle_commune="PARIS",
        code_commune="75111",
        etat_administratif="A",
        source="insee-api",
    )
    assert "[ND]" not in repr(result)


def test_api_denomination_falls_back_to_the_denomination_usuelle_then_the_enseigne(insee):
    reponse = reponse_societe()
    reponse["etablissement"]["uniteLegale"]["denominationUniteLegale"] = None
    reponse["etablissement"]["periodesEtablissement"][0]["denominationUsuelleEtablissement"] = "FOURNIL REPUBLIQUE"
    insee.answer(SIRET_SOCIETE, 200, reponse)
    assert sirene_lookup(SIRET_SOCIETE).denomination == "FOURNIL REPUBLIQUE"

    reponse["etablissement"]["periodesEtablissement"][0]["denominationUsuelleEtablissement"] = None
    insee.answer(SIRET_SOCIETE, 200, reponse)
    assert sirene_lookup(SIRET_SOCIETE).denomination == "AU PAIN DU CANAL"


@pytest.mark.parametrize("courante_en_premier", [True, False], ids=["insee-order", "current-last"])
def test_api_closed_establishment_the_current_period_wins(insee, courante_en_premier):
    insee.answer(SIRET_FERME, 200, reponse_fermee(courante_en_premier))
    result = sirene_lookup(SIRET_FERME)
    assert result.etat_administratif == "F"
    assert not result.is_active


def test_api_null_values_become_empty_strings(insee):
    reponse = reponse_societe()
    adresse = reponse["etablissement"]["adresseEtablissement"]
    adresse.update(
        complementAdresseEtablissement=None, indiceRepetitionEtablissement=None, numeroVoieEtablissement=None
    )
    reponse["etablissement"]["periodesEtablissement"][0]["enseigne1Etablissement"] = None
    insee.answer(SIRET_SOCIETE, 200, reponse)
    result = sirene_lookup(SIRET_SOCIETE)
    assert (result.complement_adresse, result.indice_repetition, result.numero_voie, result.enseigne) == (
        "",
        "",
        "",
        "",
    )


def test_api_unknown_siret_is_none(insee):
    insee.answer(SIRET_INCONNU, 404, erreur(404, f"Aucun élément trouvé pour le siret {SIRET_INCONNU}"))
    assert sirene_lookup(SIRET_INCONNU) is None
    assert [path for path, _ in insee.requests] == [f"{API_PATH}/siret/{SIRET_INCONNU}"]


def test_api_403_is_non_diffusible(insee, caplog):
    insee.answer(SIRET_ND, 403, erreur(403, f"Établissement non diffusable ({SIRET_ND})"))
    with pytest.raises(SireneNonDiffusible) as raised:
        sirene_lookup(SIRET_ND)
    assert isinstance(raised.value, SireneUnavailable)
    assert isinstance(raised.value, SireneError)
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (429, erreur(429, "Too Many Requests")),
        (500, erreur(500, "Erreur interne du serveur")),
        (503, erreur(503, "Service Unavailable")),
        (401, {"message": "Unauthorized", "http_status_code": 401}),
        (400, erreur(400, "Requête invalide")),
        (302, {}),  # a redirection is not followed (it would carry the key elsewhere)
    ],
)
def test_api_errors_make_sirene_unavailable(insee, caplog, status, payload):
    insee.answer(SIRET_SOCIETE, status, payload, headers={"Location": f"{insee.url}/siret/{SIRET_FERME}"})
    with caplog.at_level(logging.INFO, logger="referentiels.sirene"), pytest.raises(SireneUnavailable) as raised:
        sirene_lookup(SIRET_SOCIETE)
    assert not isinstance(raised.value, SireneNonDiffusible)
    assert f"HTTP {status}" in str(raised.value)
    assert [record.levelname for record in caplog.records] == ["INFO", "WARNING"]
    assert f"HTTP {status}" in caplog.records[0].getMessage()
    assert API_KEY not in caplog.text
    assert len(insee.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>502 Bad Gateway</body></html>",
        b'{"header": {"statut": 200, "message": "ok"}, "etablissement": ',
        b'{"header": {"statut": 200, "message": "ok"}}',
        b'{"header": {"statut": 200, "message": "ok"}, "etablissement": "80145236800013"}',
        b"[]",
        b"\xff\xfe\x00",
    ],
    ids=["html", "truncated", "no-etablissement", "etablissement-not-object", "list", "not-utf8"],
)
def test_api_unreadable_answer_makes_sirene_unavailable(insee, caplog, body):
    insee.answer(SIRET_SOCIETE, 200, raw=body)
    with caplog.at_level(logging.WARNING, logger="referentiels.sirene"), pytest.raises(SireneUnavailable):
        sirene_lookup(SIRET_SOCIETE)
    assert "illisible" in caplog.text


def test_api_time_out_makes_sirene_unavailable(insee, settings, caplog):
    settings.INSEE_API_TIMEOUT = 0.5
    insee.answer(SIRET_SOCIETE, 200, reponse_societe(), delay=3)
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="referentiels.sirene"), pytest.raises(SireneUnavailable) as raised:
        sirene_lookup(SIRET_SOCIETE)
    assert time.monotonic() - started < 2
    assert "0.5 s" in str(raised.value)
    assert [record.levelname for record in caplog.records] == ["INFO", "WARNING"]
    assert "time-out" in caplog.records[0].getMessage()
    assert len(insee.requests) == 1


def test_api_connection_refused_makes_sirene_unavailable(insee, settings, caplog):
    settings.INSEE_API_URL = f"http://127.0.0.1:{_closed_port()}{API_PATH}"
    with caplog.at_level(logging.INFO, logger="referentiels.sirene"), pytest.raises(SireneUnavailable) as raised:
        sirene_lookup(SIRET_SOCIETE)
    assert raised.value.__cause__ is None  # urllib's exception does not escape, even chained
    assert [record.levelname for record in caplog.records] == ["INFO", "WARNING"]
    assert "ConnectionRefusedError" in caplog.records[1].getMessage()
    assert insee.requests == []


def test_api_the_result_is_frozen(insee):
    insee.answer(SIRET_SOCIETE, 200, reponse_societe())
    result = sirene_lookup(SIRET_SOCIETE)
    with pytest.raises(AttributeError):
        result.denomination = "AUTRE"


def test_api_a_missing_url_is_a_configuration_error(insee, settings):
    settings.INSEE_API_URL = ""
    with pytest.raises(ImproperlyConfigured, match="INSEE_API_URL"):
        sirene_lookup(SIRET_SOCIETE)
