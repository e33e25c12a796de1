"""The contrat de prestation's transitions: declared by the firm's user, validated or refused by the ASP, ended by
either side. Each in one transaction, its row locked first, and a no-op when the contract is no longer in the
state it starts from (a replayed request, two agents at once)."""

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apart.outbox.services import email_enqueue
from audit.enums import StaffActionKind
from audit.services import audit_record
from referentiels.validators import clean_siret, validate_siret

from .contrats import CONTACT_FIELDS, CONTRAT_MAX_BYTES, ContratPrestation
from .enums import ContratStatut
from .models import Establishment
from .perms import is_habilitated_on

PDF_SIGNATURE = b"%PDF-"

FICHIER_VIDE = "Le fichier « {nom} » est vide."
FICHIER_TROP_GROS = "Le fichier « {nom} » dépasse 5 Mo."
FICHIER_PAS_PDF = "Le fichier « {nom} » n'est pas un PDF."
NON_HABILITE = "Vous n'êtes pas habilité sur cet établissement."
DEJA_ACTIF = "Un contrat de prestation est déjà en attente de validation ou validé pour cet établissement."
MOTIF_REQUIS = "Indiquez le motif du refus : il est envoyé au cabinet."
DECLARANT_NON_HABILITE = (
    "Le déclarant n'est plus habilité sur l'établissement : le contrat ne peut pas être validé. Refusez-le."
)
FIN_NON_AUTORISEE = "Vous ne pouvez pas mettre fin à ce contrat de prestation."


class ContratInvalide(Exception):
    """The values break a rule: `erreurs` is {field: French message}, to show next to each field."""

    def __init__(self, erreurs: dict[str, str]):
        super().__init__(erreurs)
        self.erreurs = erreurs


class ContratRefuse(Exception):
    """The action is not allowed: `reason` says why, in French."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def contrat_fichier_erreur(uploaded) -> str | None:
    """None for a PDF (read from its first bytes, never its name) of 5 Mo at most; else the French message."""
    nom = os.path.basename(uploaded.name or "") or "sans nom"
    if not uploaded.size:
        return FICHIER_VIDE.format(nom=nom)
    if uploaded.size > CONTRAT_MAX_BYTES:
        return FICHIER_TROP_GROS.format(nom=nom)
    uploaded.seek(0)
    head = uploaded.read(len(PDF_SIGNATURE))
    uploaded.seek(0)
    if head != PDF_SIGNATURE:
        return FICHIER_PAS_PDF.format(nom=nom)
    return None


def _recipients(*emails: str) -> list[str]:
    """Each address once (case-insensitive), the empty ones left out."""
    seen: list[str] = []
    for email in emails:
        if email and email.lower() not in (known.lower() for known in seen):
            seen.append(email)
    return seen


def _lock(contrat: ContratPrestation) -> ContratPrestation:
    return (
        ContratPrestation.objects.select_for_update(of=("self",))
        .select_related("establishment", "declared_by")
        .get(pk=contrat.pk)
    )


def _contact_of(establishment: Establishment) -> dict:
    return {name: getattr(establishment, name) for name in CONTACT_FIELDS}


def _context(contrat: ContratPrestation, **extra) -> dict:
    return {
        "contrat": contrat,
        "establishment": contrat.establishment,
        "cabinet_user": contrat.declared_by,
        "site_url": settings.SITE_URL,
        **extra,
    }


@transaction.atomic
def contrat_declare(*, by, establishment: Establishment, siret_cabinet: str, nom_cabinet: str, fichier):
    """The firm's user declares the signed contract of an establishment he is habilitated on: En attente de
    validation. Raises ContratInvalide({field: message}) or ContratRefuse."""
    if not is_habilitated_on(by, establishment):
        raise ContratRefuse(NON_HABILITE)
    erreurs = {}
    siret_cabinet = clean_siret(siret_cabinet)
    try:
        validate_siret(siret_cabinet)
    except ValidationError as error:
        erreurs["siret_cabinet"] = error.messages[0]
    nom_cabinet = " ".join((nom_cabinet or "").split())
    if not nom_cabinet:
        erreurs["nom_cabinet"] = "Ce champ est obligatoire."
    if erreur := contrat_fichier_erreur(fichier):
        erreurs["fichier"] = erreur
    if ContratPrestation.objects.active().filter(establishment=establishment).exists():
        erreurs["establishment"] = DEJA_ACTIF
    if erreurs:
        raise ContratInvalide(erreurs)
    contrat = ContratPrestation(
        establishment=establishment,
        siret_cabinet=siret_cabinet,
        nom_cabinet=nom_cabinet[:255],
        declared_by=by,
        fichier_nom=os.path.basename(fichier.name or "contrat.pdf")[:255],
        fichier_taille=fichier.size,
    )
    contrat.fichier.save("contrat.pdf", fichier, save=False)
    try:
        with transaction.atomic():  # a savepoint: a concurrent declaration ends in the form's error
            contrat.save()
    except IntegrityError:
        contrat.fichier.storage.delete(contrat.fichier.name)
        raise ContratInvalide({"establishment": DEJA_ACTIF}) from None
    except Exception:  # the row was not written: the file would be an orphan
        contrat.fichier.storage.delete(contrat.fichier.name)
        raise
    audit_record(
        actor=by,
        action=StaffActionKind.CONTRAT_DECLARE,
        summary=f"Contrat de prestation déclaré pour {establishment.siret} par le cabinet {contrat.nom_cabinet}",
        subject=contrat,
        target_user=by,
        siret=establishment.siret,
        siret_cabinet=contrat.siret_cabinet,
    )
    return contrat


@transaction.atomic
def contrat_validate(*, contrat: ContratPrestation, by) -> ContratPrestation:
    """The ASP validates a contract En attente de validation: the firm's user becomes the establishment's personne à
    contacter (the notifications of DAP, décision and DI go to him); the previous one is kept to be restored at the
    end, and told by e-mail. Raises ContratRefuse when the declarant is no longer habilitated on the establishment."""
    contrat = _lock(contrat)
    if contrat.statut != ContratStatut.EN_ATTENTE:
        return contrat
    user = contrat.declared_by
    if not is_habilitated_on(user, contrat.establishment):
        raise ContratRefuse(DECLARANT_NON_HABILITE)
    establishment = Establishment.objects.select_for_update().get(pk=contrat.establishment_id)
    precedent = _contact_of(establishment)
    designe = {
        "contact_nom": user.nom,
        "contact_prenom": user.prenom,
        # An account may have no phone: the fiche keeps the one it had, so that it stays complete.
        "contact_telephone": user.telephone or establishment.contact_telephone,
        "contact_courriel": user.courriel,
    }
    for name, value in designe.items():
        setattr(establishment, name, value)
    establishment.save()
    contrat.establishment = establishment
    contrat.statut = ContratStatut.VALIDE
    contrat.processed_at = timezone.now()
    contrat.processed_by = by
    contrat.contact_precedent = precedent
    contrat.contact_designe = designe
    contrat.save()
    email_enqueue(kind="contrat_prestation_valide", to=user.courriel, context=_context(contrat))
    if precedent["contact_courriel"] and precedent["contact_courriel"].lower() != user.courriel.lower():
        email_enqueue(
            kind="contrat_prestation_contact_remplace",
            to=precedent["contact_courriel"],
            context=_context(contrat, precedent=precedent),
        )
    audit_record(
        actor=by,
        action=StaffActionKind.CONTRAT_VALIDATE,
        summary=(
            f"Contrat de prestation de {establishment.siret} validé : {user.prenom} {user.nom} "
            f"({contrat.nom_cabinet}) devient la personne à contacter"
        ),
        subject=contrat,
        target_user=user,
        siret=establishment.siret,
        contact_precedent=precedent,
        contact_designe=designe,
    )
    return contrat


@transaction.atomic
def contrat_refuse(*, contrat: ContratPrestation, by, motif: str) -> ContratPrestation:
    """The ASP refuses a contract En attente de validation, with a motif sent to the firm's user."""
    motif = (motif or "").strip()
    if not motif:
        raise ContratInvalide({"motif": MOTIF_REQUIS})
    contrat = _lock(contrat)
    if contrat.statut != ContratStatut.EN_ATTENTE:
        return contrat
    contrat.statut = ContratStatut.REFUSE
    contrat.processed_at = timezone.now()
    contrat.processed_by = by
    contrat.motif_refus = motif
    contrat.save()
    email_enqueue(kind="contrat_prestation_refuse", to=contrat.declared_by.courriel, context=_context(contrat))
    audit_record(
        actor=by,
        action=StaffActionKind.CONTRAT_REFUSE,
        summary=f"Contrat de prestation de {contrat.establishment.siret} refusé : {motif}",
        subject=contrat,
        target_user=contrat.declared_by,
        siret=contrat.establishment.siret,
    )
    return contrat


def can_end_contrat(user, contrat: ContratPrestation) -> bool:
    """The firm's user, another user habilitated on the establishment (the employer), or ASP staff with the right."""
    if user is None or not user.is_authenticated:
        return False
    return (
        user.pk == contrat.declared_by_id
        or is_habilitated_on(user, contrat.establishment)
        or (user.is_staff and user.has_perm("habilitations.end_contratprestation"))
    )


@dataclass(frozen=True)
class ContratEnd:
    """What `contrat_end` did: `ended` False when the contract was not active; `contact_restored` None when there was
    no contact to give back (a contract ended before its validation), False when the fiche's contact had been
    changed since the validation (left as it is)."""

    contrat: ContratPrestation
    ended: bool
    contact_restored: bool | None = None


@transaction.atomic
def contrat_end(*, contrat: ContratPrestation, by) -> ContratEnd:
    """End an active contract (En attente de validation or Validé): Terminé. A validated one gives the contact role
    back: the previous personne à contacter is restored, unless the fiche's contact was changed since the
    validation (then it is left, and the result says so). Raises ContratRefuse for a user who may not end it."""
    contrat = _lock(contrat)
    if not can_end_contrat(by, contrat):
        raise ContratRefuse(FIN_NON_AUTORISEE)
    if not contrat.is_active:
        return ContratEnd(contrat=contrat, ended=False)
    was_validated = contrat.statut == ContratStatut.VALIDE
    restored = None
    establishment = Establishment.objects.select_for_update().get(pk=contrat.establishment_id)
    if was_validated:
        restored = _contact_of(establishment) == contrat.contact_designe
        if restored:
            for name, value in contrat.contact_precedent.items():
                setattr(establishment, name, value)
            establishment.save()
    contrat.establishment = establishment
    contrat.statut = ContratStatut.TERMINE
    contrat.ended_at = timezone.now()
    contrat.ended_by = by
    contrat.contact_restaure = restored
    contrat.save()
    precedent = contrat.contact_precedent or {}
    context = _context(contrat, was_validated=was_validated, restored=restored, precedent=precedent, ended_by=by)
    for to in _recipients(
        contrat.declared_by.courriel,
        precedent.get("contact_courriel", "") if was_validated else "",
        "" if by.is_staff else by.courriel,
    ):
        email_enqueue(kind="contrat_prestation_termine", to=to, context=context)
    if was_validated and restored:
        outcome = "la personne à contacter précédente est rétablie"
    elif was_validated:
        outcome = "la personne à contacter de la fiche, modifiée depuis la validation, est laissée telle quelle"
    else:
        outcome = "avant sa validation"
    audit_record(
        actor=by,
        action=StaffActionKind.CONTRAT_END,
        summary=f"Contrat de prestation de {establishment.siret} ({contrat.nom_cabinet}) terminé : {outcome}",
        subject=contrat,
        target_user=contrat.declared_by,
        siret=establishment.siret,
        contact_restored=restored,
    )
    return ContratEnd(contrat=contrat, ended=True, contact_restored=restored)
