"""Pièces jointes: what a file is, read from its first bytes (never from its name or the browser's word)."""

from .models import PIECE_JOINTE_MAX_BYTES

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)

TYPE_REFUSE = "Le fichier « {nom} » n'est pas un PDF, un JPEG ou un PNG."
TROP_GROS = "Le fichier « {nom} » dépasse 5 Mo."
VIDE = "Le fichier « {nom} » est vide."


def sniff_content_type(head: bytes) -> str | None:
    """The content type of a file from its first bytes: PDF, JPEG or PNG, or None."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def piece_jointe_erreur(uploaded) -> tuple[str | None, str | None]:
    """(content type, None) for an acceptable upload, or (None, the French message)."""
    nom = uploaded.name or "sans nom"
    if not uploaded.size:
        return None, VIDE.format(nom=nom)
    if uploaded.size > PIECE_JOINTE_MAX_BYTES:
        return None, TROP_GROS.format(nom=nom)
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        return None, TYPE_REFUSE.format(nom=nom)
    return content_type, None
