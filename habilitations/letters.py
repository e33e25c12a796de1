"""The activation letters as PDF (WeasyPrint renders a Django template), for the staff's print queue."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apart.pdf import pdf_from_html

from .models import ActivationLetter
from .services import activation_letter_code, activation_letter_mark_exported


def activation_letter_html(letter: ActivationLetter, *, code: str) -> str:
    return render_to_string(
        "habilitations/letters/activation_letter.html",
        {
            "letter": letter,
            "code": code,
            "issued_on": timezone.localdate(),
            "site_url": settings.SITE_URL,
            "support_email": settings.SUPPORT_EMAIL,
        },
    )


def activation_letter_pdf(letter: ActivationLetter, *, code: str) -> bytes:
    return pdf_from_html(activation_letter_html(letter, code=code))


def activation_letter_filename(letter: ActivationLetter) -> str:
    return f"courrier-activation-{timezone.localtime(letter.created_at):%Y%m%d}-{letter.establishment.siret}-{letter.pk}.pdf"


def activation_letters_export(*, output: Path) -> list[Path]:
    """Write the PDF of every letter not exported yet, then wipe its clear code: a second run writes nothing.

    Each letter is locked while it is written (SKIP LOCKED: two runs at once never print one letter twice); one
    whose code can no longer be read (key rotated away) is skipped, staff issue a new one.
    """
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for pk in ActivationLetter.objects.to_export().order_by("created_at").values_list("pk", flat=True):
        with transaction.atomic():
            letter = (
                ActivationLetter.objects.to_export()
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("establishment", "user", "account_request")
                .filter(pk=pk)
                .first()
            )
            code = activation_letter_code(letter) if letter else None
            if code is None:
                continue
            path = output / activation_letter_filename(letter)
            path.write_bytes(activation_letter_pdf(letter, code=code))
            activation_letter_mark_exported(letter=letter)
            written.append(path)
    return written
