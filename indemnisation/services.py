"""Writes of the demandes d'indemnisation: keyword-only, each status change guarded (row locked, nothing done when
the status is not the expected one) and written to the DI's history.

The amounts come from the barème engine (bareme.engine.calculer), the one the simulator uses: CALCULER writes them
on the rows and the totals; sending computes them again and they are never computed after (frozen)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apart.outbox.services import email_enqueue
from audit.enums import StaffActionKind
from audit.services import audit_record
from bareme.engine import (
    Dispositif,
    calculer,
    format_de_mois,
    format_euros,
    format_heures,
    format_mois,
    heures_mensuelles,
    mention_bareme,
)
from bareme.selectors import HorsBareme, bareme_du_mois
from dap.codes import numero_suivant
from dap.models import Decision
from dap.services import recipients
from habilitations.models import Establishment
from habilitations.perms import can_submit_to_administration, is_habilitated_on

from . import checks
from .enums import STATUTS_DEPOSES, STATUTS_MODIFIABLES, Controle, Statut
from .models import DemandeIndemnisation, DemandeIndemnisationHistorique, SalarieIndemnise

NON_HABILITE = "Vous n'êtes pas habilité sur cet établissement."
NON_VERIFIE = (
    "L'établissement n'est pas encore vérifié : la demande reste provisoire. Saisissez le code d'activation "
    "reçu par courrier à l'adresse de l'établissement pour pouvoir l'envoyer."
)
DEJA_DEPOSEE = "Une demande d'indemnisation existe déjà pour ce mois ({numero})."
NON_MODIFIABLE = "Cette demande d'indemnisation ne peut plus être modifiée."
MOTIF_INVALIDATION_REQUIS = "Le motif de l'invalidation est obligatoire."
MOTIF_REMISE_REQUIS = "Indiquez pourquoi la demande est remise en instruction (par exemple l'incident concerné)."
DISPOSITIF_INVALIDE = "Choisissez un dispositif en vigueur pour ce mois."
PAS_DE_MOIS_PRECEDENT = "Aucune demande d'indemnisation du mois précédent n'a de salariés à recopier."


class DemandeInvalide(Exception):
    """The values break a rule: `erreurs` is {field or "__all__": French message}; `lignes` is {row index (from 0):
    {field: message}} for the employees' rows. Nothing was written."""

    def __init__(self, erreurs: dict[str, str] | None = None, lignes: dict[int, dict[str, str]] | None = None):
        self.erreurs = erreurs or {}
        self.lignes = lignes or {}
        super().__init__(self.erreurs, self.lignes)


class ActionRefusee(Exception):
    """The user may not do this: `reason` says why, in French."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- Helpers -------------------------------------------------------------------------------------------------------


def _lock(demande: DemandeIndemnisation) -> DemandeIndemnisation:
    return (
        DemandeIndemnisation.objects.select_for_update(of=("self",))
        .select_related("establishment", "decision", "decision__demande")
        .get(pk=demande.pk)
    )


def _transition(*, demande, to: str, by, at, comment: str = "", fields: tuple[str, ...] = ()) -> None:
    from_statut = demande.statut
    demande.statut = to
    demande.save(update_fields=["statut", "updated_at", *fields])
    DemandeIndemnisationHistorique.objects.create(
        demande=demande, from_statut=from_statut, to_statut=to, by=by, at=at, comment=comment
    )
    _notify(demande)


def status_emails(demande: DemandeIndemnisation) -> list[tuple[str, dict]]:
    """The status e-mail of the DI's current status ("di_statut"): (recipient, template context) for the
    establishment's contact person and the user who sent the DI; none while Provisoire. Also used by the payment
    run (indemnisation.paiements), which writes them in bulk."""
    if demande.statut == Statut.PROVISOIRE:
        return []
    sender = demande.sent_by or demande.created_by
    context = {
        "demande": demande,
        "establishment": demande.establishment,
        "decision": demande.decision,
        "mois": format_mois(demande.mois),
        "de_mois": format_de_mois(demande.mois),
        "site_url": settings.SITE_URL,
    }
    return [(to, context) for to in recipients(demande.establishment.contact_courriel, sender.courriel)]


def _notify(demande: DemandeIndemnisation) -> None:
    """Each status change, to the establishment's contact person and to the user who sent the DI."""
    for to, context in status_emails(demande):
        email_enqueue(kind="di_statut", to=to, context=context)


def _check_habilitated(by, demande_or_establishment) -> None:
    establishment = getattr(demande_or_establishment, "establishment", demande_or_establishment)
    if not is_habilitated_on(by, establishment):
        raise ActionRefusee(NON_HABILITE)


def _bareme(demande: DemandeIndemnisation):
    try:
        return bareme_du_mois(mois=demande.mois, dispositif=demande.dispositif)
    except HorsBareme as error:
        raise DemandeInvalide({"dispositif" if error.champ == "dispositif" else "mois": error.message}) from None


def _ligne_de(salarie: SalarieIndemnise) -> checks.Ligne:
    return checks.Ligne(
        nom=salarie.nom,
        prenom=salarie.prenom,
        nir=salarie.nir,
        contrat=salarie.contrat,
        duree_hebdomadaire=salarie.duree_hebdomadaire,
        salaire_brut_mensuel=salarie.salaire_brut_mensuel,
        heures_chomees=salarie.heures_chomees,
    )


def _compute(demande: DemandeIndemnisation, lignes: list[checks.Ligne], now) -> list[SalarieIndemnise]:
    """The rows with their amounts, and the DI's totals (not saved)."""
    bareme = _bareme(demande)
    resultat = calculer(bareme, [ligne.salarie for ligne in lignes])
    salaries = [
        SalarieIndemnise(
            demande=demande,
            position=position,
            nom=ligne.nom,
            prenom=ligne.prenom,
            nir=ligne.nir,
            contrat=ligne.contrat,
            duree_hebdomadaire=ligne.duree_hebdomadaire,
            salaire_brut_mensuel=ligne.salaire_brut_mensuel,
            heures_chomees=ligne.heures_chomees,
            taux_horaire=calcul.taux_horaire,
            indemnite=calcul.indemnite,
            allocation=calcul.allocation,
            reste_a_charge=calcul.reste_a_charge,
        )
        for position, (ligne, calcul) in enumerate(zip(lignes, resultat.salaries, strict=True), start=1)
    ]
    demande.nb_salaries = len(salaries)
    demande.total_heures = sum((ligne.heures_chomees for ligne in lignes), Decimal("0.00"))
    demande.total_indemnite = resultat.total.indemnite
    demande.total_allocation = resultat.total.allocation
    demande.total_reste_a_charge = resultat.total.reste_a_charge
    demande.bareme_mention = mention_bareme(bareme)
    demande.calculated_at = now
    return salaries


def _replace_rows(demande: DemandeIndemnisation, lignes: list[checks.Ligne], now) -> list[SalarieIndemnise]:
    """The DI's rows replaced by `lignes`, computed (CALCULER, and again when sent); the totals set, not saved."""
    salaries = _compute(demande, lignes, now)
    demande.salaries.all().delete()
    SalarieIndemnise.objects.bulk_create(salaries, batch_size=1000)
    return salaries


TOTAL_FIELDS = (
    "nb_salaries",
    "total_heures",
    "total_indemnite",
    "total_allocation",
    "total_reste_a_charge",
    "bareme_mention",
    "calculated_at",
)


def _deja_demandees(demande: DemandeIndemnisation) -> Decimal:
    """The décision's hours claimed by its other DIs (sent, validated, paid)."""
    total = (
        DemandeIndemnisation.objects.filter(decision_id=demande.decision_id, statut__in=STATUTS_DEPOSES)
        .exclude(pk=demande.pk)
        .aggregate(total=Sum("total_heures"))["total"]
    )
    return total or Decimal("0.00")


def _heures_par_nir(demande: DemandeIndemnisation, nirs: list[str], **filters) -> dict[str, Decimal]:
    rows = (
        SalarieIndemnise.objects.filter(nir__in=nirs, demande__statut__in=STATUTS_DEPOSES, **filters)
        .exclude(demande_id=demande.pk)
        .values("nir")
        .annotate(total=Sum("heures_chomees"))
    )
    return {row["nir"]: row["total"] for row in rows}


def _erreurs_envoi(demande: DemandeIndemnisation, lignes: list[checks.Ligne], quota: int):
    """The checks against the other DIs: the décision's hours, the annual quota, the same month twice."""
    erreurs: dict[str, str] = {}
    par_ligne: dict[int, dict[str, str]] = {}
    total = sum((ligne.heures_chomees for ligne in lignes), Decimal("0.00"))
    if erreur := checks.erreur_heures_autorisees(
        total=total, autorisees=demande.decision.heures_autorisees, deja=_deja_demandees(demande)
    ):
        erreurs["__all__"] = erreur
    nirs = [ligne.nir for ligne in lignes]
    annee = demande.mois.year
    dans_l_annee = _heures_par_nir(
        demande, nirs, demande__establishment_id=demande.establishment_id, demande__mois__year=annee
    )
    meme_mois = _heures_par_nir(
        demande, nirs, demande__mois=demande.mois, demande__establishment__siren=demande.establishment.siren
    )
    for index, ligne in enumerate(lignes):
        if ligne.nir in meme_mois:
            par_ligne[index] = {"nir": checks.DEJA_DEMANDE.format(mois=format_mois(demande.mois))}
        elif erreur := checks.erreur_quota(
            heures=ligne.heures_chomees, deja=dans_l_annee.get(ligne.nir, Decimal(0)), quota=quota, annee=annee
        ):
            par_ligne[index] = {"heures_chomees": erreur}
    return erreurs, par_ligne, dans_l_annee


def _controles(demande, salaries: list[SalarieIndemnise], bareme, dans_l_annee: dict[str, Decimal]) -> list[dict]:
    """The lines the UD agent should look at: flagged, not refused."""
    controles = []
    dap = demande.decision.demande
    periode = checks.mois_de_la_decision(demande.decision)
    prevision = (dap.heures_previsionnelles / len(periode)).quantize(checks.CENTIEME)
    if demande.total_heures > prevision:
        controles.append(
            {
                "code": Controle.HEURES_PREVISION,
                "detail": f"{format_heures(demande.total_heures)} demandées pour une prévision de "
                f"{format_heures(prevision)} par mois ({format_heures(dap.heures_previsionnelles)} sur "
                f"{len(periode)} mois).",
            }
        )
    if demande.nb_salaries > demande.decision.nb_salaries:
        controles.append(
            {
                "code": Controle.SALARIES_AUTORISES,
                "detail": f"{demande.nb_salaries} salariés pour {demande.decision.nb_salaries} autorisés.",
            }
        )
    plafond = bareme.plafond_horaire
    au_plafond = [s for s in salaries if s.salaire_brut_mensuel / heures_mensuelles(s.duree_hebdomadaire) > plafond]
    if au_plafond:
        noms = ", ".join(f"{s.nom} {s.prenom}" for s in au_plafond[:5]) + (" …" if len(au_plafond) > 5 else "")
        controles.append(
            {
                "code": Controle.TAUX_PLAFOND,
                "detail": f"{len(au_plafond)} salarié(s) au-delà du plafond de {format_euros(plafond)} de l'heure "
                f"(taux ramené au plafond) : {noms}.",
            }
        )
    seuil = Decimal(bareme.quota_annuel_heures) * checks.QUOTA_PROCHE_RATIO
    proches = [s for s in salaries if dans_l_annee.get(s.nir, Decimal(0)) + s.heures_chomees >= seuil]
    if proches:
        noms = ", ".join(f"{s.nom} {s.prenom}" for s in proches[:5]) + (" …" if len(proches) > 5 else "")
        controles.append(
            {
                "code": Controle.QUOTA_PROCHE,
                "detail": f"{len(proches)} salarié(s) à plus de 90 % du contingent annuel de "
                f"{bareme.quota_annuel_heures} heures : {noms}.",
            }
        )
    return controles


# --- Provisoire: create, rows, delete -------------------------------------------------------------------------------


@transaction.atomic
def demande_create(
    *,
    by,
    decision: Decision,
    mois: datetime.date,
    dispositif: str = Dispositif.DROIT_COMMUN,
    today: datetime.date | None = None,
) -> DemandeIndemnisation:
    """A Provisoire DI of `mois` (any day of it) for the décision. Raises DemandeInvalide ("mois", "dispositif")
    or ActionRefusee (not habilitated)."""
    today = today or timezone.localdate()
    establishment = decision.demande.establishment
    _check_habilitated(by, establishment)
    mois = checks.premier_jour(mois)
    if erreur := checks.erreur_mois(decision=decision, mois=mois, today=today):
        raise DemandeInvalide({"mois": erreur})
    try:
        bareme_du_mois(mois=mois, dispositif=dispositif)
    except HorsBareme:
        raise DemandeInvalide({"dispositif": DISPOSITIF_INVALIDE}) from None
    # The décision's row is locked: two clicks on "créer" give one DI and one message.
    Decision.objects.select_for_update().filter(pk=decision.pk).first()
    if existing := DemandeIndemnisation.objects.filter(decision=decision, mois=mois).first():
        raise DemandeInvalide({"mois": DEJA_DEPOSEE.format(numero=existing.numero)})
    demande = DemandeIndemnisation.objects.create(
        numero=numero_suivant(prefixe="DI", annee=today.year),
        decision=decision,
        establishment=establishment,
        mois=mois,
        dispositif=dispositif,
        created_by=by,
    )
    DemandeIndemnisationHistorique.objects.create(
        demande=demande, from_statut="", to_statut=Statut.PROVISOIRE, by=by, at=timezone.now()
    )
    return demande


@transaction.atomic
def demande_calculate(
    *, demande: DemandeIndemnisation, by, rows: list[dict], now: datetime.datetime | None = None
) -> DemandeIndemnisation:
    """CALCULER: the employees' rows (dicts of checks.LIGNE_FIELDS, strings or numbers) replace the DI's rows,
    with their amounts and the totals. Raises DemandeInvalide (`lignes` by row index) with nothing written, or
    ActionRefusee when the DI is no longer Provisoire or Invalidée."""
    now = now or timezone.now()
    demande = _lock(demande)
    _check_habilitated(by, demande)
    if demande.statut not in STATUTS_MODIFIABLES:
        raise ActionRefusee(NON_MODIFIABLE)
    lignes, erreurs = checks.verifier_lignes(rows)
    if erreurs:
        raise DemandeInvalide(lignes=erreurs)
    if not lignes:
        raise DemandeInvalide({"__all__": checks.AUCUN_SALARIE})
    _replace_rows(demande, lignes, now)
    demande.save(update_fields=[*TOTAL_FIELDS, "updated_at"])
    return demande


def previous_rows(*, demande: DemandeIndemnisation) -> list[dict]:
    """The rows of the establishment's DI of the month before (the same décision first), to copy: every field, the
    hours included (the employer changes what differs)."""
    candidates = DemandeIndemnisation.objects.filter(
        establishment_id=demande.establishment_id, mois=checks.mois_precedent(demande.mois), nb_salaries__gt=0
    )
    previous = candidates.filter(decision_id=demande.decision_id).first() or candidates.order_by("id").first()
    if previous is None:
        return []
    return [
        {field: getattr(salarie, field) for field in checks.LIGNE_FIELDS}
        for salarie in previous.salaries.order_by("position")
    ]


def demande_copy_previous(
    *, demande: DemandeIndemnisation, by, now: datetime.datetime | None = None
) -> DemandeIndemnisation:
    """The rows of the previous month's DI copied into this one, computed (CALCULER)."""
    rows = previous_rows(demande=demande)
    if not rows:
        raise DemandeInvalide({"__all__": PAS_DE_MOIS_PRECEDENT})
    return demande_calculate(demande=demande, by=by, rows=rows, now=now)


@transaction.atomic
def demande_delete(*, demande: DemandeIndemnisation, by) -> bool:
    """A Provisoire DI is deleted (its month is free again); any other status: False, nothing done."""
    demande = _lock(demande)
    _check_habilitated(by, demande)
    if demande.statut != Statut.PROVISOIRE:
        return False
    demande.delete()
    return True


# --- Sending -------------------------------------------------------------------------------------------------------


@transaction.atomic
def demande_send(*, demande: DemandeIndemnisation, by, now: datetime.datetime | None = None) -> DemandeIndemnisation:
    """ENVOYER: Provisoire or Invalidée → Envoyée. Every check runs again (the month is over, the filing open, the
    rows, the décision's hours, the quota, the same month through another décision); the amounts are computed
    with the month's barème and frozen. Raises DemandeInvalide or ActionRefusee; any other status: unchanged."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    demande = _lock(demande)
    if demande.statut not in STATUTS_MODIFIABLES:
        return demande
    _check_habilitated(by, demande)
    if not can_submit_to_administration(by, demande.establishment):
        raise ActionRefusee(NON_VERIFIE)
    # One DI of the establishment at a time: the décision's hours and the employees' annual quota are shared.
    Establishment.objects.select_for_update().filter(pk=demande.establishment_id).first()
    if erreur := checks.erreur_envoi_date(decision=demande.decision, mois=demande.mois, today=today):
        raise DemandeInvalide({"mois": erreur})
    lignes = [_ligne_de(salarie) for salarie in demande.salaries.order_by("position")]
    if not lignes:
        raise DemandeInvalide({"__all__": checks.AUCUN_SALARIE})
    if not any(ligne.heures_chomees for ligne in lignes):
        raise DemandeInvalide({"__all__": checks.AUCUNE_HEURE})
    bareme = _bareme(demande)
    erreurs, par_ligne, dans_l_annee = _erreurs_envoi(demande, lignes, bareme.quota_annuel_heures)
    if erreurs or par_ligne:
        raise DemandeInvalide(erreurs, par_ligne)
    salaries = _replace_rows(demande, lignes, now)
    demande.controles = _controles(demande, salaries, bareme, dans_l_annee)
    demande.departement = demande.decision.demande.departement
    demande.sent_at = now
    demande.sent_by = by
    demande.motif_invalidation = ""
    comment = "Envoyée de nouveau après correction" if demande.statut == Statut.INVALIDEE else ""
    _transition(
        demande=demande,
        to=Statut.ENVOYEE,
        by=by,
        at=now,
        comment=comment,
        fields=(*TOTAL_FIELDS, "controles", "departement", "sent_at", "sent_by", "motif_invalidation"),
    )
    return demande


# --- Instruction by the UD, and the staff's correction -------------------------------------------------------------


@transaction.atomic
def demande_validate(
    *, demande: DemandeIndemnisation, by, now: datetime.datetime | None = None
) -> DemandeIndemnisation:
    """The UD agent validates: Envoyée → Validée (the next payment run pays it). Other statuses: unchanged."""
    now = now or timezone.now()
    demande = _lock(demande)
    if demande.statut != Statut.ENVOYEE:
        return demande
    demande.decided_at = now
    demande.decided_by = by
    _transition(demande=demande, to=Statut.VALIDEE, by=by, at=now, fields=("decided_at", "decided_by"))
    return demande


@transaction.atomic
def demande_invalidate(
    *, demande: DemandeIndemnisation, by, motif: str, now: datetime.datetime | None = None
) -> DemandeIndemnisation:
    """The UD agent invalidates, with a motif: Envoyée → Invalidée; the employer may correct and send again."""
    motif = (motif or "").strip()
    if not motif:
        raise DemandeInvalide({"motif": MOTIF_INVALIDATION_REQUIS})
    now = now or timezone.now()
    demande = _lock(demande)
    if demande.statut != Statut.ENVOYEE:
        return demande
    demande.decided_at = now
    demande.decided_by = by
    demande.motif_invalidation = motif
    _transition(
        demande=demande,
        to=Statut.INVALIDEE,
        by=by,
        at=now,
        comment=motif,
        fields=("decided_at", "decided_by", "motif_invalidation"),
    )
    return demande


@transaction.atomic
def demande_reinstate(
    *, demande: DemandeIndemnisation, by, motif: str, now: datetime.datetime | None = None
) -> DemandeIndemnisation:
    """ASP staff put back a DI rejected by mistake (the incident of the home page's banner): Invalidée → Envoyée,
    back in the UD's queue with its amounts as sent, with an audit row. Other statuses: unchanged."""
    motif = (motif or "").strip()
    if not motif:
        raise DemandeInvalide({"motif": MOTIF_REMISE_REQUIS})
    now = now or timezone.now()
    demande = _lock(demande)
    if demande.statut != Statut.INVALIDEE:
        return demande
    demande.motif_invalidation = ""
    demande.decided_at = None
    demande.decided_by = None
    _transition(
        demande=demande,
        to=Statut.ENVOYEE,
        by=by,
        at=now,
        comment=f"Remise en instruction : {motif}",
        fields=("motif_invalidation", "decided_at", "decided_by"),
    )
    audit_record(
        actor=by,
        action=StaffActionKind.DI_REINSTATE,
        summary=f"{demande.numero} remise en instruction : {motif}",
        subject=demande,
        siret=demande.establishment.siret,
    )
    return demande
