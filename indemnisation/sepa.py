"""The SEPA credit transfer file (pain.001.001.03) of a payment run: built by sepaxml, validated against the XSD
that sepaxml ships (with xmlschema) before it is returned, so a file the bank would reject is never stored.

One payment information block (batch booking) with the ASP as debtor, one CdtTrfTxInf per transfer. sepaxml writes
the names and remittance texts in the SEPA character set (accents transliterated, "activité" → "activite") and
cuts them to the schema's lengths (70 and 140 characters)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import sepaxml
from django.conf import settings
from sepaxml import SepaTransfer

SCHEMA = "pain.001.001.03"
XSD_PATH = Path(sepaxml.__file__).resolve().parent / "schemas" / f"{SCHEMA}.xsd"
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Virement:
    """One credit transfer: to whom, how much (euros, to the cent), and what the creditor's bank statement says."""

    end_to_end_id: str  # at most 35 characters: the DI's numero
    montant: Decimal
    iban: str
    bic: str
    titulaire: str
    libelle: str


class _Transfer(SepaTransfer):
    """sepaxml's transfer with our message identification (the payment's numero) instead of a random one."""

    def __init__(self, config: dict, *, message_id: str):
        self._message_id = message_id
        super().__init__(config, schema=SCHEMA, clean=True)

    def _create_header(self):
        self.msg_id = self._message_id
        super()._create_header()


def centimes(montant: Decimal) -> int:
    """Euros to whole cents, refusing anything finer than the cent (never rounded silently)."""
    if montant != montant.quantize(CENT):
        raise ValueError(f"Montant au-delà du centime : {montant}")
    return int(montant * 100)


def fichier_virements(*, message_id: str, virements: list[Virement], execution: datetime.date) -> str:
    """The XML text of the file (UTF-8 declared). Raises sepaxml.validation.ValidationError if the file does not
    validate against the XSD, ValueError for an amount that is not positive or not to the cent."""
    config = {
        "name": settings.SEPA_DEBTOR_NAME,
        "IBAN": settings.SEPA_DEBTOR_IBAN,
        "BIC": settings.SEPA_DEBTOR_BIC,
        "batch": True,
        "currency": "EUR",
    }
    transfer = _Transfer(config, message_id=message_id)
    for virement in virements:
        if virement.montant <= 0:
            raise ValueError(f"Montant nul ou négatif pour {virement.end_to_end_id}")
        payment = {
            "name": virement.titulaire,
            "IBAN": virement.iban,
            "amount": centimes(virement.montant),
            "execution_date": execution,
            "description": virement.libelle,
            "endtoend_id": virement.end_to_end_id,
        }
        if virement.bic:
            payment["BIC"] = virement.bic
        transfer.add_payment(payment)
    return transfer.export(validate=True).decode("utf-8")
