"""The ASP's payment of the demandes d'indemnisation: keyword-only, one transaction each.

`paiement_run` takes every Validée DI into one SEPA credit transfer file (pain.001.001.03, indemnisation.sepa), one
transfer per DI to the account of its DAP, and moves them to Mise en paiement; `paiement_execute` records that the
bank executed the file: its DIs become Payée. Both write the DIs' history and status e-mails in bulk (a run of
10 000 DIs is a handful of queries per thousand DIs, not a few per DI).

A DI is never paid twice, even when two runs start at once (the beat's, the admin's button, the command): the run
locks the Validée DIs it reads (SELECT … FOR UPDATE, in the order of their ids). A second run waits on the first's
locks; when the first commits, PostgreSQL reads the locked rows again, finds them Mise en paiement, and the second
run pays only what was validated in between (usually nothing: no file).

A Validée DI whose allocation is 0 € (every employee at 0 hour) has nothing to transfer: it is left out of the file
and stays Validée (a payment needs a positive amount, and a 0 € line would be rejected by the bank)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apart.outbox.services import emails_enqueue_bulk
from audit.enums import StaffActionKind
from audit.services import audit_record
from bareme.engine import format_euros, format_mois
from dap.codes import numero_suivant

from . import sepa
from .enums import Statut, StatutPaiement
from .models import DemandeIndemnisation, DemandeIndemnisationHistorique, Paiement
from .services import status_emails

AUCUNE_DEMANDE = "Aucune demande validée à payer."
EMAIL_KIND = "di_statut"
BATCH_SIZE = 1000


def libelle_virement(demande: DemandeIndemnisation) -> str:
    """The remittance information the employer reads on its bank statement."""
    return f"Allocation activité partielle {format_mois(demande.mois)} {demande.numero}"


def resume(paiement: Paiement) -> str:
    """« 3 demandes mises en paiement, total 1 234,56 € »."""
    n = paiement.nb_demandes
    demandes = "1 demande mise" if n == 1 else f"{n} demandes mises"
    return f"{demandes} en paiement, total {format_euros(paiement.montant_total)}"


def _a_payer():
    return (
        DemandeIndemnisation.objects.select_for_update(of=("self",))
        .filter(statut=Statut.VALIDEE, total_allocation__gt=0)
        .select_related("establishment", "decision", "decision__demande", "sent_by", "created_by")
        .order_by("pk")
    )


@transaction.atomic
def paiement_run(*, by=None, now: datetime.datetime | None = None) -> Paiement | None:
    """Every Validée DI (allocation > 0) in one payment file, the DIs Validée → Mise en paiement. `by`: the staff
    member who started it (None: the daily beat or the command). None, with nothing written, when there is nothing
    to pay."""
    now = now or timezone.now()
    demandes = list(_a_payer())
    if not demandes:
        return None
    today = timezone.localdate(now)
    numero = numero_suivant(prefixe="PAI", annee=today.year)
    virements = [
        sepa.Virement(
            end_to_end_id=demande.numero,
            montant=demande.total_allocation,
            iban=demande.decision.demande.iban,
            bic=demande.decision.demande.bic,
            titulaire=demande.decision.demande.titulaire,
            libelle=libelle_virement(demande),
        )
        for demande in demandes
    ]
    paiement = Paiement.objects.create(
        numero=numero,
        statut=StatutPaiement.PREPARE,
        nb_demandes=len(demandes),
        montant_total=sum((demande.total_allocation for demande in demandes), Decimal("0.00")),
        message_id=numero,
        fichier=sepa.fichier_virements(message_id=numero, virements=virements, execution=today),
        created_at=now,
        created_by=by,
    )
    _transition_all(
        demandes,
        frm=Statut.VALIDEE,
        to=Statut.MISE_EN_PAIEMENT,
        by=by,
        at=now,
        comment=f"Fichier de virements {numero}",
        fields={"paiement": paiement},
    )
    audit_record(
        actor=by,
        action=StaffActionKind.PAIEMENT_RUN,
        summary=f"{numero} préparé : {resume(paiement)}",
        subject=paiement,
        nb_demandes=paiement.nb_demandes,
        montant_total=str(paiement.montant_total),
    )
    return paiement


@transaction.atomic
def paiement_execute(*, paiement: Paiement, by, now: datetime.datetime | None = None) -> Paiement:
    """The bank executed the file: Préparé → Exécuté, its DIs Mise en paiement → Payée (paid_at). Already
    executed: unchanged (nothing written)."""
    now = now or timezone.now()
    paiement = Paiement.objects.select_for_update().get(pk=paiement.pk)
    if paiement.statut != StatutPaiement.PREPARE:
        return paiement
    demandes = list(
        DemandeIndemnisation.objects.select_for_update(of=("self",))
        .filter(paiement=paiement, statut=Statut.MISE_EN_PAIEMENT)
        .select_related("establishment", "decision", "decision__demande", "sent_by", "created_by")
        .order_by("pk")
    )
    _transition_all(
        demandes,
        frm=Statut.MISE_EN_PAIEMENT,
        to=Statut.PAYEE,
        by=by,
        at=now,
        comment=f"Virement exécuté ({paiement.numero})",
        fields={"paid_at": now},
    )
    paiement.statut = StatutPaiement.EXECUTE
    paiement.executed_at = now
    paiement.executed_by = by
    paiement.save(update_fields=["statut", "executed_at", "executed_by"])
    audit_record(
        actor=by,
        action=StaffActionKind.PAIEMENT_EXECUTE,
        summary=f"{paiement.numero} exécuté : {len(demandes)} demande(s) payée(s), "
        f"total {format_euros(paiement.montant_total)}",
        subject=paiement,
        nb_demandes=len(demandes),
    )
    return paiement


def _transition_all(demandes: list[DemandeIndemnisation], *, frm: str, to: str, by, at, comment: str, fields: dict):
    """services._transition for many locked DIs at once: one UPDATE, the history and the e-mails in bulk."""
    ids = [demande.pk for demande in demandes]
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        updated = DemandeIndemnisation.objects.filter(pk__in=chunk, statut=frm).update(
            statut=to, updated_at=timezone.now(), **fields
        )
        if updated != len(chunk):  # cannot happen while the rows are locked: refuse rather than pay wrong
            raise RuntimeError(f"{len(chunk) - updated} demande(s) ont changé de statut pendant le paiement.")
    for demande in demandes:
        demande.statut = to
        for name, value in fields.items():
            setattr(demande, name, value)
    DemandeIndemnisationHistorique.objects.bulk_create(
        [
            DemandeIndemnisationHistorique(
                demande=demande, from_statut=frm, to_statut=to, by=by, at=at, comment=comment
            )
            for demande in demandes
        ],
        batch_size=BATCH_SIZE,
    )
    _emails(demandes)


def _emails(demandes: list[DemandeIndemnisation]) -> None:
    """The status e-mail of each DI (services.status_emails), its recipients sharing one rendering, in bulk."""
    messages = []
    for demande in demandes:
        if recipients := status_emails(demande):
            messages.append(([to for to, _context in recipients], recipients[0][1]))
    emails_enqueue_bulk(kind=EMAIL_KIND, messages=messages, batch_size=BATCH_SIZE)
