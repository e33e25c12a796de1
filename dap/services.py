"""Writes of the DAP and the décision: keyword-only, each status change guarded (row locked, nothing done when
the status is not the expected one) and written to the DAP's history (DemandeHistorique)."""

import datetime
import os
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from apart.outbox.services import email_enqueue
from habilitations.models import Establishment
from habilitations.perms import is_habilitated_on
from referentiels.departements import CodePostalHorsDepartement, departement_of

from .checks import DATE, erreurs_demande
from .codes import code_di_nouveau, numero_suivant
from .enums import STATUTS_ACCEPTES, STATUTS_EN_COURS, ModeDecision, Statut
from .files import piece_jointe_erreur
from .models import Decision, DemandeAutorisation, DemandeHistorique, PieceJointe
from .perms import NON_HABILITE, can_file_dap, can_send_dap

# R5122-4: the UD decides within 15 days of receiving the demande; silence is acceptance. The day of receipt does
# not count (the usual computation of a délai in days), so a DAP received on the 1st may be decided until the end
# of the 16th, and is "Acceptée implicitement" from the 17th at 00:00 (Europe/Paris). No extension for a weekend
# or a public holiday (UNCONFIRMED in the reference: change it here).
DELAI_INSTRUCTION_JOURS = 15
CENTIEME = Decimal("0.01")

FIELDS = (
    "motif",
    "sous_motif",
    "circonstances",
    "date_debut",
    "date_fin",
    "nb_salaries",
    "heures_previsionnelles",
    "type_activite",
    "date_consultation_cse",
    "engagements",
    "iban",
    "bic",
    "titulaire",
)

MOTIF_REFUS_REQUIS = "Le motif du refus est obligatoire."
MESSAGE_REQUIS = "Le message à l'employeur est obligatoire."
REPONSE_REQUISE = "La réponse à la demande de complément est obligatoire."
AVENANT_SUR_ACCEPTEE = "Un avenant ne peut être demandé que pour une demande acceptée."
AVENANT_EN_COURS = "Un avenant de cette demande est déjà en préparation ou en cours d'instruction ({numero})."
AVENANT_SANS_CHANGEMENT = "L'avenant doit modifier la date de fin, le nombre de salariés ou le nombre d'heures."
HEURES_AUTORISEES = "Les heures autorisées doivent être supérieures à 0 et au plus les heures demandées ({heures} h)."
SALARIES_AUTORISES = "Le nombre de salariés autorisés doit être compris entre 1 et le nombre demandé ({nb})."
PERIODE_AUTORISEE = "La période autorisée doit être comprise dans la période demandée (du {debut} au {fin})."
PIECE_JOINTE_FERMEE = "Les pièces jointes ne peuvent plus être modifiées pour cette demande."


class DemandeInvalide(Exception):
    """The values break a rule: `erreurs` is {field: French message}, to show next to each field."""

    def __init__(self, erreurs: dict[str, str]):
        super().__init__(erreurs)
        self.erreurs = erreurs


class ActionRefusee(Exception):
    """The user may not do this (fiche incomplète, établissement non vérifié…): `reason` says why, in French."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- Helpers ----------------------------------------------------------------------------------------------------


def date_limite_instruction(received_on: datetime.date) -> datetime.date:
    """The last day the UD has to decide on a DAP received (or completed) on `received_on`."""
    return received_on + datetime.timedelta(days=DELAI_INSTRUCTION_JOURS)


def departement_or_blank(code_postal: str) -> str:
    """The UD of a code postal: its département, "" when it is none (no agent's queue shows it)."""
    try:
        return departement_of(code_postal)
    except CodePostalHorsDepartement:
        return ""


def _lock(demande: DemandeAutorisation) -> DemandeAutorisation:
    return (
        DemandeAutorisation.objects.select_for_update(of=("self",)).select_related("establishment").get(pk=demande.pk)
    )


def _lock_establishment(establishment: Establishment) -> Establishment:
    """Checks that compare a DAP with the establishment's others (overlap, 6 months in 12) run one at a time."""
    return Establishment.objects.select_for_update().get(pk=establishment.pk)


def _transition(*, demande, to: str, by, at, comment: str = "", fields: tuple[str, ...] = ()) -> None:
    from_statut = demande.statut
    demande.statut = to
    demande.save(update_fields=["statut", "updated_at", *fields])
    DemandeHistorique.objects.create(
        demande=demande, from_statut=from_statut, to_statut=to, by=by, at=at, comment=comment
    )


def _normalised(data: dict) -> dict:
    values = {field: data.get(field) for field in FIELDS}
    for field in ("sous_motif", "engagements", "circonstances", "titulaire"):
        values[field] = (values[field] or "").strip()
    for field, module in (("iban", stdnum_iban), ("bic", stdnum_bic)):
        values[field] = module.compact(values[field] or "")
    if values["heures_previsionnelles"] not in (None, ""):
        values["heures_previsionnelles"] = Decimal(values["heures_previsionnelles"]).quantize(CENTIEME)
    return values


def recipients(*emails: str) -> list[str]:
    """The addresses, each once (case-insensitive), empty ones left out: the contact person and the requester are
    often the same person."""
    seen = []
    for email in emails:
        if email and email.lower() not in (known.lower() for known in seen):
            seen.append(email)
    return seen


def _context(demande: DemandeAutorisation, **extra) -> dict:
    return {
        "demande": demande,
        "establishment": demande.establishment,
        "site_url": settings.SITE_URL,
        **extra,
    }


def _notify_decision(demande: DemandeAutorisation, decision: Decision | None) -> None:
    """The decision (accepted, implicitly or not, or refused) to the establishment's contact person and to the
    requester (the user who sent the DAP)."""
    context = _context(demande, decision=decision)
    requester = demande.sent_by or demande.created_by
    for to in recipients(demande.establishment.contact_courriel, requester.courriel):
        email_enqueue(kind="dap_decision", to=to, context=context)


# --- Provisoire: create, change, delete, attach --------------------------------------------------------------------


@transaction.atomic
def demande_save(
    *,
    by,
    data: dict,
    establishment: Establishment | None = None,
    demande: DemandeAutorisation | None = None,
    today: datetime.date | None = None,
) -> DemandeAutorisation:
    """Create a Provisoire DAP for `establishment`, or change `demande` while it is Provisoire (otherwise it is
    returned unchanged). Raises ActionRefusee (fiche incomplète, not habilitated) or DemandeInvalide."""
    today = today or timezone.localdate()
    if demande is not None:
        demande = _lock(demande)
        establishment = demande.establishment
        if demande.statut != Statut.PROVISOIRE:
            return demande
    if not (allowed := can_file_dap(by, establishment)):
        raise ActionRefusee(allowed.reason)
    establishment = _lock_establishment(establishment)
    values = _normalised(data)
    parent = demande.parent if demande is not None else None
    if erreurs := erreurs_demande(
        etablissement=establishment, data=values, today=today, demande=demande, parent=parent
    ):
        raise DemandeInvalide(erreurs)
    if demande is None:
        demande = DemandeAutorisation.objects.create(
            numero=numero_suivant(prefixe="DAP", annee=today.year),
            establishment=establishment,
            created_by=by,
            **values,
        )
        DemandeHistorique.objects.create(
            demande=demande, from_statut="", to_statut=Statut.PROVISOIRE, by=by, at=timezone.now(), comment="Création"
        )
        return demande
    for field, value in values.items():
        setattr(demande, field, value)
    demande.save()
    return demande


@transaction.atomic
def demande_delete(*, demande: DemandeAutorisation, by) -> bool:
    """Delete a Provisoire DAP and its documents (files removed once the deletion is committed). False when the
    DAP is no longer Provisoire."""
    demande = _lock(demande)
    if demande.statut != Statut.PROVISOIRE:
        return False
    if not is_habilitated_on(by, demande.establishment):
        raise ActionRefusee(NON_HABILITE)
    files = [(piece.fichier.storage, piece.fichier.name) for piece in demande.pieces_jointes.all()]
    demande.historique.all().delete()
    demande.pieces_jointes.all().delete()
    demande.delete()
    for storage, name in files:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
    return True


@transaction.atomic
def piece_jointe_add(*, demande: DemandeAutorisation, by, fichier) -> PieceJointe:
    """Attach an uploaded file (PDF, JPEG or PNG, read from its bytes; 5 Mo at most) to a DAP still being
    prepared or completed. Raises DemandeInvalide({"pieces_jointes": …}) or ActionRefusee."""
    demande = _lock(demande)
    if demande.statut not in (Statut.PROVISOIRE, Statut.COMPLEMENT):
        raise ActionRefusee(PIECE_JOINTE_FERMEE)
    if not is_habilitated_on(by, demande.establishment):
        raise ActionRefusee(NON_HABILITE)
    content_type, erreur = piece_jointe_erreur(fichier)
    if erreur:
        raise DemandeInvalide({"pieces_jointes": erreur})
    piece = PieceJointe(
        demande=demande,
        nom=os.path.basename(fichier.name or "document")[:255],
        content_type=content_type,
        taille=fichier.size,
        uploaded_by=by,
    )
    piece.fichier.save("document", fichier, save=False)
    try:
        piece.save()
    except Exception:  # the row was not written: the file would be an orphan
        piece.fichier.storage.delete(piece.fichier.name)
        raise
    return piece


# --- Sending, withdrawing, the complément ---------------------------------------------------------------------------


@transaction.atomic
def demande_send(*, demande: DemandeAutorisation, by, now: datetime.datetime | None = None) -> DemandeAutorisation:
    """Provisoire → Envoyée à l'UD, with its accusé de réception (number, date and time, implicit-acceptance date)
    e-mailed to the sender. Refused (ActionRefusee) while the establishment is non vérifié: the DAP stays
    Provisoire. The checks run again (DemandeInvalide). Any other status: unchanged."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    demande = _lock(demande)
    if demande.statut != Statut.PROVISOIRE:
        return demande
    if not (allowed := can_send_dap(by, demande.establishment)):
        raise ActionRefusee(allowed.reason)
    establishment = _lock_establishment(demande.establishment)
    values = {field: getattr(demande, field) for field in FIELDS}
    if erreurs := erreurs_demande(
        etablissement=establishment, data=values, today=today, demande=demande, parent=demande.parent
    ):
        raise DemandeInvalide(erreurs)
    demande.accuse_numero = numero_suivant(prefixe="AR", annee=today.year)
    demande.sent_at = now
    demande.sent_by = by
    demande.implicit_acceptance_on = date_limite_instruction(today)
    demande.departement = departement_or_blank(establishment.code_postal)
    _transition(
        demande=demande,
        to=Statut.ENVOYEE,
        by=by,
        at=now,
        comment=f"Accusé de réception n° {demande.accuse_numero}",
        fields=("accuse_numero", "sent_at", "sent_by", "implicit_acceptance_on", "departement"),
    )
    email_enqueue(kind="dap_accuse_reception", to=by.courriel, context=_context(demande))
    return demande


@transaction.atomic
def demande_withdraw(*, demande: DemandeAutorisation, by, now: datetime.datetime | None = None) -> DemandeAutorisation:
    """Envoyée à l'UD (or awaiting a complément) → Retirée, by a habilitated user, before the decision."""
    now = now or timezone.now()
    demande = _lock(demande)
    if demande.statut not in STATUTS_EN_COURS:
        return demande
    if not is_habilitated_on(by, demande.establishment):
        raise ActionRefusee(NON_HABILITE)
    _transition(demande=demande, to=Statut.RETIREE, by=by, at=now, comment="Retirée par l'employeur")
    return demande


@transaction.atomic
def demande_request_complement(
    *, demande: DemandeAutorisation, by, message: str, now: datetime.datetime | None = None
) -> DemandeAutorisation:
    """The UD asks the employer for more: Envoyée à l'UD → Complément demandé. The 15 days stop, and start again
    from the employer's answer. The message goes to the requester and to the contact person."""
    if not (message or "").strip():
        raise DemandeInvalide({"message": MESSAGE_REQUIS})
    now = now or timezone.now()
    demande = _lock(demande)
    if demande.statut != Statut.ENVOYEE:
        return demande
    demande.implicit_acceptance_on = None
    _transition(
        demande=demande,
        to=Statut.COMPLEMENT,
        by=by,
        at=now,
        comment=message.strip(),
        fields=("implicit_acceptance_on",),
    )
    context = _context(demande, message=message.strip())
    requester = demande.sent_by or demande.created_by
    for to in recipients(requester.courriel, demande.establishment.contact_courriel):
        email_enqueue(kind="dap_complement_demande", to=to, context=context)
    return demande


@transaction.atomic
def demande_answer_complement(
    *, demande: DemandeAutorisation, by, reponse: str, now: datetime.datetime | None = None
) -> DemandeAutorisation:
    """The employer answers: Complément demandé → Envoyée à l'UD, a new implicit-acceptance date (15 days from
    today), a new accusé de réception e-mailed to him."""
    if not (reponse or "").strip():
        raise DemandeInvalide({"reponse": REPONSE_REQUISE})
    now = now or timezone.now()
    demande = _lock(demande)
    if demande.statut != Statut.COMPLEMENT:
        return demande
    if not (allowed := can_send_dap(by, demande.establishment)):
        raise ActionRefusee(allowed.reason)
    demande.implicit_acceptance_on = date_limite_instruction(timezone.localdate(now))
    _transition(
        demande=demande, to=Statut.ENVOYEE, by=by, at=now, comment=reponse.strip(), fields=("implicit_acceptance_on",)
    )
    email_enqueue(kind="dap_accuse_reception", to=by.courriel, context=_context(demande, complement=True))
    return demande


CSE_DEJA_DONNEE = "La date de consultation du CSE de cette demande est déjà renseignée."
CSE_DATE_FUTURE = "La date de consultation du CSE ne peut pas être postérieure à la date du jour."


@transaction.atomic
def demande_cse_transmit(
    *, demande: DemandeAutorisation, by, date_consultation_cse: datetime.date, today: datetime.date | None = None
) -> DemandeAutorisation:
    """R5122-2: for a sinistre (3°) or another exceptional circumstance (5°), the CSE's opinion may follow the
    demande (within 2 months): its date is added to a sent or decided DAP, once, with a line in its history."""
    today = today or timezone.localdate()
    demande = _lock(demande)
    if not is_habilitated_on(by, demande.establishment):
        raise ActionRefusee(NON_HABILITE)
    if demande.date_consultation_cse is not None:
        raise DemandeInvalide({"date_consultation_cse": CSE_DEJA_DONNEE})
    if not date_consultation_cse:
        raise DemandeInvalide({"date_consultation_cse": "Ce champ est obligatoire."})
    if date_consultation_cse > today:
        raise DemandeInvalide({"date_consultation_cse": CSE_DATE_FUTURE})
    demande.date_consultation_cse = date_consultation_cse
    demande.save(update_fields=["date_consultation_cse", "updated_at"])
    DemandeHistorique.objects.create(
        demande=demande,
        from_statut=demande.statut,
        to_statut=demande.statut,
        by=by,
        at=timezone.now(),
        comment=f"Date de consultation du CSE transmise : {date_consultation_cse.strftime(DATE)}",
    )
    return demande


# --- Decisions ------------------------------------------------------------------------------------------------------


def _decision_issue(*, demande, mode: str, by, at, heures: Decimal, date_debut, date_fin, nb_salaries: int) -> Decision:
    numero = numero_suivant(prefixe="DA", annee=timezone.localdate(at).year)
    code = code_di_nouveau()
    while Decision.objects.filter(code_di=code).exists():  # 30⁹ codes: a collision is rare, the constraint is the guard
        code = code_di_nouveau()
    return Decision.objects.create(
        numero=numero,
        demande=demande,
        date_debut=date_debut,
        date_fin=date_fin,
        heures_autorisees=heures,
        nb_salaries=nb_salaries,
        code_di=code,
        mode=mode,
        issued_at=at,
        issued_by=by,
    )


@transaction.atomic
def demande_accept(
    *,
    demande: DemandeAutorisation,
    by,
    heures_autorisees,
    date_debut: datetime.date,
    date_fin: datetime.date,
    nb_salaries: int | None = None,
    now: datetime.datetime | None = None,
) -> Decision | None:
    """The UD accepts, possibly for fewer hours, employees or days than asked: → Acceptée, and its décision with a
    code DI, e-mailed. None (nothing done) when the DAP is not waiting for a decision. Raises DemandeInvalide."""
    now = now or timezone.now()
    demande = _lock(demande)
    if demande.statut not in STATUTS_EN_COURS:
        return None
    heures = Decimal(heures_autorisees).quantize(CENTIEME) if heures_autorisees not in (None, "") else None
    nb = demande.nb_salaries if nb_salaries is None else nb_salaries
    erreurs = {}
    if heures is None or heures <= 0 or heures > demande.heures_previsionnelles:
        erreurs["heures_autorisees"] = HEURES_AUTORISEES.format(
            heures=str(demande.heures_previsionnelles).replace(".", ",")
        )
    if not 1 <= nb <= demande.nb_salaries:
        erreurs["nb_salaries"] = SALARIES_AUTORISES.format(nb=demande.nb_salaries)
    if not (date_debut and date_fin and demande.date_debut <= date_debut <= date_fin <= demande.date_fin):
        erreurs["date_fin"] = PERIODE_AUTORISEE.format(
            debut=demande.date_debut.strftime(DATE), fin=demande.date_fin.strftime(DATE)
        )
    if erreurs:
        raise DemandeInvalide(erreurs)
    demande.decided_at = now
    demande.decided_by = by
    _transition(demande=demande, to=Statut.ACCEPTEE, by=by, at=now, fields=("decided_at", "decided_by"))
    decision = _decision_issue(
        demande=demande,
        mode=ModeDecision.EXPRESSE,
        by=by,
        at=now,
        heures=heures,
        date_debut=date_debut,
        date_fin=date_fin,
        nb_salaries=nb,
    )
    _notify_decision(demande, decision)
    return decision


@transaction.atomic
def demande_refuse(
    *, demande: DemandeAutorisation, by, motif: str, now: datetime.datetime | None = None
) -> DemandeAutorisation:
    """The UD refuses, with its motif (R5122-4: a refusal is motivated): → Refusée, e-mailed. Unchanged when the
    DAP is not waiting for a decision."""
    if not (motif or "").strip():
        raise DemandeInvalide({"motif_refus": MOTIF_REFUS_REQUIS})
    now = now or timezone.now()
    demande = _lock(demande)
    if demande.statut not in STATUTS_EN_COURS:
        return demande
    demande.decided_at = now
    demande.decided_by = by
    demande.motif_refus = motif.strip()
    _transition(
        demande=demande,
        to=Statut.REFUSEE,
        by=by,
        at=now,
        comment=demande.motif_refus,
        fields=("decided_at", "decided_by", "motif_refus"),
    )
    _notify_decision(demande, None)
    return demande


def _implicit_acceptance_moment(demande: DemandeAutorisation) -> datetime.datetime:
    """00:00 (Europe/Paris) the day after the last day of instruction: the same whatever day the task runs."""
    day = demande.implicit_acceptance_on + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def demandes_apply_deadlines(*, today: datetime.date | None = None) -> list[str]:
    """Every DAP Envoyée à l'UD whose last day of instruction is before `today` becomes Acceptée implicitement,
    with its décision (the hours, employees and period asked) and its e-mails. Each in its own transaction;
    running it again changes nothing. Returns the numbers accepted."""
    today = today or timezone.localdate()
    due = DemandeAutorisation.objects.filter(statut=Statut.ENVOYEE, implicit_acceptance_on__lt=today)
    accepted = []
    for pk in due.order_by("implicit_acceptance_on", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            demande = DemandeAutorisation.objects.select_for_update(of=("self",)).filter(pk=pk).first()
            if demande is None or demande.statut != Statut.ENVOYEE or not demande.implicit_acceptance_on < today:
                continue
            at = _implicit_acceptance_moment(demande)
            demande.decided_at = at
            _transition(
                demande=demande,
                to=Statut.ACCEPTEE_IMPLICITEMENT,
                by=None,
                at=at,
                comment=f"Sans décision de l'UD au {demande.implicit_acceptance_on.strftime(DATE)}",
                fields=("decided_at",),
            )
            decision = _decision_issue(
                demande=demande,
                mode=ModeDecision.IMPLICITE,
                by=None,
                at=at,
                heures=demande.heures_previsionnelles,
                date_debut=demande.date_debut,
                date_fin=demande.date_fin,
                nb_salaries=demande.nb_salaries,
            )
            _notify_decision(demande, decision)
            accepted.append(demande.numero)
    return accepted


# --- Avenants -------------------------------------------------------------------------------------------------------


@transaction.atomic
def avenant_create(
    *,
    demande: DemandeAutorisation,
    by,
    date_fin: datetime.date | None = None,
    nb_salaries: int | None = None,
    heures_previsionnelles=None,
    circonstances: str | None = None,
    today: datetime.date | None = None,
) -> DemandeAutorisation:
    """A Provisoire avenant to an accepted DAP: its décision's period, headcount and hours, with a new end date,
    headcount or hours. Sent and decided like any DAP; numbered after the initial DAP (DAP-2026-000001-A1)."""
    today = today or timezone.localdate()
    parent = _lock(demande)
    if parent.statut not in STATUTS_ACCEPTES:
        raise ActionRefusee(AVENANT_SUR_ACCEPTEE)
    if not (allowed := can_file_dap(by, parent.establishment)):
        raise ActionRefusee(allowed.reason)
    root = parent.parent or parent
    if root.pk != parent.pk:
        root = _lock(root)
    establishment = _lock_establishment(parent.establishment)
    open_avenant = (
        DemandeAutorisation.objects.filter(parent=root)
        .filter(Q(statut=Statut.PROVISOIRE) | Q(statut__in=STATUTS_EN_COURS))
        .first()
    )
    if open_avenant is not None:
        raise ActionRefusee(AVENANT_EN_COURS.format(numero=open_avenant.numero))
    # The family's décision in force (the last accepted avenant's, or the initial DAP's) is what an avenant changes.
    parent = (
        DemandeAutorisation.objects.acceptees()
        .filter(Q(pk=root.pk) | Q(parent=root))
        .select_related("decision")
        .order_by("-decision__issued_at", "-pk")
        .first()
    )
    decision = parent.decision
    values = {field: getattr(parent, field) for field in FIELDS}
    values.update(
        date_debut=decision.date_debut,
        date_fin=decision.date_fin,
        nb_salaries=decision.nb_salaries,
        heures_previsionnelles=decision.heures_autorisees,
    )
    changes = {
        "date_fin": date_fin,
        "nb_salaries": nb_salaries,
        "heures_previsionnelles": Decimal(heures_previsionnelles) if heures_previsionnelles not in (None, "") else None,
    }
    changes = {field: value for field, value in changes.items() if value is not None and value != values[field]}
    if not changes:
        raise DemandeInvalide({"date_fin": AVENANT_SANS_CHANGEMENT})
    values.update(changes)
    if circonstances:
        values["circonstances"] = circonstances.strip()
    if erreurs := erreurs_demande(etablissement=establishment, data=values, today=today, parent=parent):
        raise DemandeInvalide(erreurs)
    rank = DemandeAutorisation.objects.filter(parent=root).count() + 1
    avenant = DemandeAutorisation.objects.create(
        numero=f"{root.numero}-A{rank}", establishment=establishment, parent=root, created_by=by, **values
    )
    DemandeHistorique.objects.create(
        demande=avenant,
        from_statut="",
        to_statut=Statut.PROVISOIRE,
        by=by,
        at=timezone.now(),
        comment=f"Avenant à la demande {parent.numero}",
    )
    return avenant
