"""Pièces jointes: PDF, JPEG or PNG read from the bytes, 5 Mo each, stored through Django's storage API."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from dap.files import sniff_content_type
from dap.models import PieceJointe
from dap.services import ActionRefusee, DemandeInvalide, demande_delete, demande_save, demande_send, piece_jointe_add

from .conftest import valid_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def demande(employer, establishment):
    return demande_save(by=employer, establishment=establishment, data=valid_data())


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("avis-cse.pdf", PDF, "application/pdf"), ("photo.png", PNG, "image/png"), ("scan.jpg", JPEG, "image/jpeg")],
)
def test_a_pdf_jpeg_or_png_is_stored_with_its_sniffed_type(demande, employer, name, content, content_type):
    # The browser's word (here a wrong one) is not what decides.
    piece = piece_jointe_add(
        demande=demande, by=employer, fichier=SimpleUploadedFile(name, content, content_type="text/plain")
    )
    piece.refresh_from_db()
    assert piece.content_type == content_type and piece.nom == name and piece.taille == len(content)
    assert default_storage.exists(piece.fichier.name)
    assert name not in piece.fichier.name  # a random name in storage
    with piece.fichier.open("rb") as stored:
        assert stored.read() == content


def test_a_pdf_that_is_really_text_is_refused(demande, employer):
    fake = SimpleUploadedFile("attestation.pdf", b"Ceci n'est pas un PDF.\n", content_type="application/pdf")
    with pytest.raises(DemandeInvalide) as invalid:
        piece_jointe_add(demande=demande, by=employer, fichier=fake)
    assert invalid.value.erreurs == {
        "pieces_jointes": "Le fichier « attestation.pdf » n'est pas un PDF, un JPEG ou un PNG."
    }
    assert not PieceJointe.objects.exists()


def test_a_file_over_5_mo_is_refused(demande, employer):
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(DemandeInvalide) as invalid:
        piece_jointe_add(demande=demande, by=employer, fichier=big)
    assert invalid.value.erreurs == {"pieces_jointes": "Le fichier « gros.pdf » dépasse 5 Mo."}


def test_exactly_5_mo_is_accepted(demande, employer):
    exact = SimpleUploadedFile("exact.pdf", PDF + b"0" * (5 * 1024 * 1024 - len(PDF)))
    assert piece_jointe_add(demande=demande, by=employer, fichier=exact).taille == 5 * 1024 * 1024


def test_no_piece_jointe_once_sent(demande, employer):
    demande_send(demande=demande, by=employer)
    with pytest.raises(ActionRefusee):
        piece_jointe_add(demande=demande, by=employer, fichier=SimpleUploadedFile("a.pdf", PDF))


def test_deleting_the_dap_deletes_its_files(demande, employer, django_capture_on_commit_callbacks):
    piece = piece_jointe_add(demande=demande, by=employer, fichier=SimpleUploadedFile("a.pdf", PDF))
    with django_capture_on_commit_callbacks(execute=True):
        demande_delete(demande=demande, by=employer)
    assert not default_storage.exists(piece.fichier.name)


@pytest.mark.parametrize("head", [b"", b"GIF89a", b"PK\x03\x04", b"%PD", b"<html>"])
def test_other_types_are_not_recognised(head):
    assert sniff_content_type(head) is None
