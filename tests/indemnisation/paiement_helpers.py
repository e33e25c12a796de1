"""Validée DIs to pay, each with its own DAP bank details, and the reading of a pain.001 file."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import xmlschema

from dap.models import DemandeAutorisation
from indemnisation import services
from indemnisation.sepa import NAMESPACE, XSD_PATH
from tests.indemnisation.helpers import make_decision, make_di, make_employer, row

# Valid IBANs (stdnum) and BICs, one per DAP in turn.
COMPTES = [
    ("FR7630006000011234567890189", "AGRIFRPP", "SARL Boulangerie Dupré"),
    ("FR1420041010050500013M02606", "PSSTFRPPPAR", "Transports Léon & Fils"),
    ("FR7630001007941234567890185", "BDFEFRPP", "Garage Martin"),
]
NS = {"p": NAMESPACE}
_SCHEMA = None


def make_validees(count: int, *, heures: str = "20", start: int = 0):
    """`count` Validée DIs of the test's establishment, one décision each (so one DAP and one bank account each);
    the employees differ from one DI to the next (`start`: the first employee's index, for a second call)."""
    establishment, user = _employer()
    demandes = []
    for index in range(start, start + count):
        decision = make_decision(establishment, user)
        iban, bic, titulaire = COMPTES[index % len(COMPTES)]
        DemandeAutorisation.objects.filter(pk=decision.demande_id).update(iban=iban, bic=bic, titulaire=titulaire)
        demande = make_di(decision, user, rows=[row(index, heures_chomees=heures)], send=True)
        demandes.append(services.demande_validate(demande=demande, by=user))
    return demandes


def _employer():
    """One establishment and user per test (the user's e-mail is unique): made once, found again after."""
    from habilitations.models import Habilitation

    habilitation = Habilitation.objects.filter(user__courriel="employeur@entreprise.example.fr").first()
    if habilitation is not None:
        return habilitation.establishment, habilitation.user
    return make_employer()


def schema() -> xmlschema.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = xmlschema.XMLSchema(str(XSD_PATH))
    return _SCHEMA


def read_file(text: str) -> dict:
    """The file validated against the pain.001.001.03 XSD (raises otherwise), and what a test checks in it."""
    schema().validate(text)
    root = ET.fromstring(text.encode("utf-8"))
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    transactions = {}
    for tx in root.iterfind(".//p:CdtTrfTxInf", NS):
        transactions[tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS)] = {
            "amount": Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)),
            "currency": tx.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
            "iban": tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            "bic": tx.findtext("p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=NS),
            "name": tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
            "remittance": tx.findtext("p:RmtInf/p:Ustrd", namespaces=NS),
        }
    return {
        "msg_id": header.findtext("p:MsgId", namespaces=NS),
        "nb_of_txs": int(header.findtext("p:NbOfTxs", namespaces=NS)),
        "ctrl_sum": Decimal(header.findtext("p:CtrlSum", namespaces=NS)),
        "debtor_iban": root.findtext(".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=NS),
        "debtor_name": root.findtext(".//p:PmtInf/p:Dbtr/p:Nm", namespaces=NS),
        "transactions": transactions,
    }
