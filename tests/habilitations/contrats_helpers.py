"""An establishment with its contact person, its employer, and an expert-comptable habilitated on it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from habilitations.contrat_services import contrat_declare
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory, make_siret

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ANCIEN_CONTACT = {
    "contact_nom": "Martin",
    "contact_prenom": "Sophie",
    "contact_telephone": "01 02 03 04 05",
    "contact_courriel": "sophie.martin@boulangerie.example.fr",
}


def pdf_upload(name: str = "contrat signé.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def establishment(db):
    return EstablishmentFactory(complete=True, denomination="BOULANGERIE DU CANAL", **ANCIEN_CONTACT)


@pytest.fixture
def employer(establishment):
    user = UserFactory(courriel="employeur@boulangerie.example.fr")
    HabilitationFactory(user=user, establishment=establishment)
    return user


@pytest.fixture
def expert(establishment):
    user = UserFactory(nom="Expert", prenom="Claire", courriel="claire@cabinet.example.fr", telephone="06 11 22 33 44")
    HabilitationFactory(user=user, establishment=establishment)
    return user


@pytest.fixture
def siret_cabinet():
    return make_siret()


@pytest.fixture
def declared(expert, establishment, siret_cabinet):
    return contrat_declare(
        by=expert,
        establishment=establishment,
        siret_cabinet=siret_cabinet,
        nom_cabinet="CABINET COMPTA",
        fichier=pdf_upload(),
    )
