"""The checks of a DAP (Code du travail R5122-1 to R5122-9), each a French message keyed by its field.

Called by the services before a DAP is saved and again when it is sent (another DAP may have been accepted in
between), and later by the employer's form, so that the messages are written once.
"""

import calendar
import datetime
from decimal import ROUND_DOWN, Decimal

from django.db.models import Q
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from .enums import Motif, SousMotif, TypeActivite
from .models import CIRCONSTANCES_MAX_LENGTH, Decision, DemandeAutorisation

REQUIRED = "Ce champ est obligatoire."
CHOIX_INVALIDE = "Choisissez une valeur de la liste."
SOUS_MOTIF_REQUIS = "Choisissez un sous-motif."
SOUS_MOTIF_INTERDIT = "Le sous-motif ne s'applique qu'au motif « Toute autre circonstance de caractère exceptionnel »."
CIRCONSTANCES_TROP_LONGUES = f"Les circonstances détaillées sont limitées à {CIRCONSTANCES_MAX_LENGTH} caractères."
FIN_AVANT_DEBUT = "La date de fin doit être égale ou postérieure à la date de début."
DEBUT_PASSE = "La date de début ne peut pas être antérieure à la date du jour."
DEBUT_PASSE_30_JOURS = (
    "La date de début ne peut pas être antérieure de plus de 30 jours à la date du jour (au plus tôt le {date})."
)
DUREE_3_MOIS = "La période demandée ne peut pas dépasser 3 mois (date de fin au plus tard le {date})."
DUREE_6_MOIS = (
    "La période demandée ne peut pas dépasser 6 mois pour un sinistre ou des intempéries "
    "(date de fin au plus tard le {date})."
)
SIX_MOIS_SUR_DOUZE = (
    "L'activité partielle ne peut pas être autorisée plus de 6 mois sur 12 mois consécutifs : avec les demandes "
    "acceptées ou en cours de l'établissement, cette demande porterait à {jours} jours la période des 12 mois "
    "se terminant le {date} (au plus {maximum} jours)."
)
CHEVAUCHEMENT = (
    "La demande {numero} de l'établissement, en cours ou acceptée, couvre déjà tout ou partie de cette période "
    "(du {debut} au {fin})."
)
SALARIES_MIN = "Le nombre de salariés concernés doit être au moins 1."
SALARIES_EFFECTIF = (
    "Le nombre de salariés concernés ne peut pas dépasser l'effectif de l'établissement ({effectif}) "
    "indiqué sur la fiche établissement."
)
HEURES_MIN = "Le nombre d'heures chômées prévisionnelles doit être supérieur à 0."
HEURES_MAX = (
    "Le nombre d'heures chômées prévisionnelles ne peut pas dépasser {maximum} h "
    "({salaries} salariés × 35 h × {semaines} semaines)."
)
CSE_REQUIS = (
    "La date de consultation du CSE est obligatoire pour ce motif lorsque l'effectif de l'établissement est "
    "de 50 salariés ou plus."
)
ENGAGEMENTS_REQUIS = (
    "Les engagements sont obligatoires : l'établissement a bénéficié d'une autorisation d'activité partielle "
    "au cours des 36 derniers mois."
)
IBAN_INVALIDE = "L'IBAN est invalide : vérifiez-le sur votre relevé d'identité bancaire."
BIC_INVALIDE = "Le BIC est invalide : il comporte 8 ou 11 caractères."

# R5122-2: the CSE's opinion comes with the demande for these motifs; for 3° and 5° it may follow.
MOTIFS_CSE_PREALABLE = (Motif.CONJONCTURE, Motif.APPROVISIONNEMENT, Motif.RESTRUCTURATION)
# R5122-3: the demande may follow the placement in activité partielle by up to 30 days.
MOTIFS_30_JOURS_APRES = (Motif.SINISTRE, Motif.AUTRE)
EFFECTIF_CSE = 50
JOURS_APRES = 30
HEURES_PAR_SEMAINE = 35

DATE = "%d/%m/%Y"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier), on the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def duree_maximale_mois(motif: str) -> int:
    """R5122-9: 3 months, 6 for a sinistre or intempéries."""
    return 6 if motif == Motif.SINISTRE else 3


def date_fin_maximale(*, motif: str, date_debut: datetime.date) -> datetime.date:
    return add_months(date_debut, duree_maximale_mois(motif)) - datetime.timedelta(days=1)


def heures_maximales(*, nb_salaries: int, date_debut: datetime.date, date_fin: datetime.date) -> Decimal:
    """35 h a week for each employee over the period (its days / 7), rounded down to the hundredth."""
    jours = (date_fin - date_debut).days + 1
    return (Decimal(nb_salaries * HEURES_PAR_SEMAINE * jours) / 7).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def famille_id(*, demande: DemandeAutorisation | None = None, parent: DemandeAutorisation | None = None) -> int | None:
    """The initial DAP of a DAP and its avenants: an avenant replaces its family's period, it does not add to it."""
    if parent is not None:
        return parent.parent_id or parent.pk
    if demande is not None and demande.pk:
        return demande.parent_id or demande.pk
    return None


def periodes_autres(
    *, etablissement, famille: int | None, depuis: datetime.date
) -> list[tuple[DemandeAutorisation, datetime.date, datetime.date]]:
    """The periods the establishment holds or asks for, other than the family's: an accepted DAP counts with
    its décision's period (the UD may grant less), a pending one with the period asked."""
    queryset = (
        DemandeAutorisation.objects.en_cours_ou_acceptees()
        .filter(establishment=etablissement, date_fin__gte=depuis)
        .select_related("decision")
        .order_by("date_debut", "id")
    )
    if famille is not None:
        queryset = queryset.exclude(Q(pk=famille) | Q(parent_id=famille))
    periodes, accepted_of_family = [], {}
    for other in queryset:
        decision = getattr(other, "decision", None)
        if decision is None:
            periodes.append((other, other.date_debut, other.date_fin))
            continue
        # Of a DAP and its accepted avenants, the last décision is the one in force.
        root = other.parent_id or other.pk
        current = accepted_of_family.get(root)
        if current is None or decision.issued_at > current[0].decision.issued_at:
            accepted_of_family[root] = (other, decision.date_debut, decision.date_fin)
    return periodes + list(accepted_of_family.values())


def _jours_couverts(periodes: list[tuple[datetime.date, datetime.date]], debut: datetime.date, fin: datetime.date):
    """The number of days of [debut, fin] inside at least one period."""
    jours = set()
    for start, end in periodes:
        start, end = max(start, debut), min(end, fin)
        jours.update(start + datetime.timedelta(days=n) for n in range((end - start).days + 1))
    return len(jours)


def _six_mois_sur_douze(
    *, date_debut: datetime.date, date_fin: datetime.date, autres: list[tuple[datetime.date, datetime.date]]
) -> str | None:
    """R5122-9: at most 6 months within any 12 consecutive months. The windows to look at end on the last day
    requested, or on a later period's end within 12 months (coverage can only grow up to an end)."""
    periodes = [*autres, (date_debut, date_fin)]
    fins = {date_fin} | {end for _start, end in autres if date_fin < end < add_months(date_fin, 12)}
    for fin in sorted(fins):
        debut = add_months(fin, -12) + datetime.timedelta(days=1)
        maximum = (fin - add_months(fin, -6)).days
        jours = _jours_couverts(periodes, debut, fin)
        if jours > maximum:
            return SIX_MOIS_SUR_DOUZE.format(jours=jours, date=fin.strftime(DATE), maximum=maximum)
    return None


def erreurs_demande(
    *,
    etablissement,
    data: dict,
    today: datetime.date,
    demande: DemandeAutorisation | None = None,
    parent: DemandeAutorisation | None = None,
) -> dict[str, str]:
    """The first error of each field of `data` (typed values: dates, Decimal, int), as {field: French message}.

    `demande`: the DAP being changed (not compared with itself); `parent`: the accepted DAP an avenant changes.
    """
    avenant = parent is not None or (demande is not None and demande.parent_id is not None)
    erreurs: dict[str, str] = {}
    for found in (
        _erreurs_saisie(data),
        _erreurs_dates(data, today=today, avenant=avenant),
        _erreurs_effectif(data, effectif=etablissement.effectif),
        _erreurs_banque(data),
    ):
        for field, message in found.items():
            erreurs.setdefault(field, message)
    if data.get("date_debut") and data.get("date_fin") and not {"date_debut", "date_fin"} & erreurs.keys():
        famille = famille_id(demande=demande, parent=parent)
        for field, message in _erreurs_etablissement(data, etablissement=etablissement, famille=famille).items():
            erreurs.setdefault(field, message)
    return erreurs


def _erreurs_saisie(data: dict) -> dict[str, str]:
    erreurs = {}
    motif = data.get("motif") or ""
    sous_motif = data.get("sous_motif") or ""
    for field in ("motif", "circonstances", "date_debut", "date_fin", "nb_salaries", "heures_previsionnelles"):
        if data.get(field) in (None, ""):
            erreurs[field] = REQUIRED
    for field in ("type_activite", "iban", "bic", "titulaire"):
        if not (data.get(field) or "").strip():
            erreurs[field] = REQUIRED
    if motif and motif not in Motif.values:
        erreurs["motif"] = CHOIX_INVALIDE
    if data.get("type_activite") and data["type_activite"] not in TypeActivite.values:
        erreurs["type_activite"] = CHOIX_INVALIDE
    if motif == Motif.AUTRE and not sous_motif:
        erreurs["sous_motif"] = SOUS_MOTIF_REQUIS
    elif sous_motif and motif != Motif.AUTRE:
        erreurs["sous_motif"] = SOUS_MOTIF_INTERDIT
    elif sous_motif and sous_motif not in SousMotif.values:
        erreurs["sous_motif"] = CHOIX_INVALIDE
    if len(data.get("circonstances") or "") > CIRCONSTANCES_MAX_LENGTH:
        erreurs["circonstances"] = CIRCONSTANCES_TROP_LONGUES
    return erreurs


def _erreurs_dates(data: dict, *, today: datetime.date, avenant: bool) -> dict[str, str]:
    erreurs = {}
    motif, date_debut, date_fin = data.get("motif"), data.get("date_debut"), data.get("date_fin")
    if date_debut and not avenant:  # an avenant keeps the start of the period already authorised
        earliest = today - datetime.timedelta(days=JOURS_APRES) if motif in MOTIFS_30_JOURS_APRES else today
        if date_debut < earliest:
            erreurs["date_debut"] = (
                DEBUT_PASSE_30_JOURS.format(date=earliest.strftime(DATE)) if earliest < today else DEBUT_PASSE
            )
    if date_debut and date_fin:
        if date_fin < date_debut:
            erreurs["date_fin"] = FIN_AVANT_DEBUT
        elif motif in Motif.values and date_fin > (maximum := date_fin_maximale(motif=motif, date_debut=date_debut)):
            message = DUREE_6_MOIS if duree_maximale_mois(motif) == 6 else DUREE_3_MOIS
            erreurs["date_fin"] = message.format(date=maximum.strftime(DATE))
    return erreurs


def _erreurs_effectif(data: dict, *, effectif: int | None) -> dict[str, str]:
    erreurs = {}
    date_debut, date_fin = data.get("date_debut"), data.get("date_fin")
    nb_salaries, heures = data.get("nb_salaries"), data.get("heures_previsionnelles")
    if nb_salaries not in (None, ""):
        if nb_salaries < 1:
            erreurs["nb_salaries"] = SALARIES_MIN
        elif effectif is not None and nb_salaries > effectif:
            erreurs["nb_salaries"] = SALARIES_EFFECTIF.format(effectif=effectif)
    if heures not in (None, ""):
        if heures <= 0:
            erreurs["heures_previsionnelles"] = HEURES_MIN
        elif date_debut and date_fin and date_fin >= date_debut and nb_salaries and "nb_salaries" not in erreurs:
            maximum = heures_maximales(nb_salaries=nb_salaries, date_debut=date_debut, date_fin=date_fin)
            if heures > maximum:
                semaines = (Decimal((date_fin - date_debut).days + 1) / 7).quantize(Decimal("0.01"))
                erreurs["heures_previsionnelles"] = HEURES_MAX.format(
                    maximum=str(maximum).replace(".", ","),
                    salaries=nb_salaries,
                    semaines=str(semaines).replace(".", ","),
                )
    needs_cse = data.get("motif") in MOTIFS_CSE_PREALABLE and (effectif or 0) >= EFFECTIF_CSE
    if needs_cse and not data.get("date_consultation_cse"):
        erreurs["date_consultation_cse"] = CSE_REQUIS
    return erreurs


def _erreurs_banque(data: dict) -> dict[str, str]:
    erreurs = {}
    for field, module, message in (("iban", stdnum_iban, IBAN_INVALIDE), ("bic", stdnum_bic, BIC_INVALIDE)):
        if (data.get(field) or "").strip():
            try:
                module.validate(data[field])
            except StdnumError:
                erreurs[field] = message
    return erreurs


def _erreurs_etablissement(data: dict, *, etablissement, famille: int | None) -> dict[str, str]:
    """What depends on the establishment's other DAPs: overlap, 6 months in 12, engagements."""
    erreurs = {}
    date_debut, date_fin = data["date_debut"], data["date_fin"]
    autres = periodes_autres(etablissement=etablissement, famille=famille, depuis=add_months(date_debut, -12))
    overlapping = next(((o, s, e) for o, s, e in autres if s <= date_fin and e >= date_debut), None)
    if overlapping is not None:
        other, start, end = overlapping
        erreurs["date_debut"] = CHEVAUCHEMENT.format(
            numero=other.numero, debut=start.strftime(DATE), fin=end.strftime(DATE)
        )
    elif message := _six_mois_sur_douze(
        date_debut=date_debut, date_fin=date_fin, autres=[(start, end) for _other, start, end in autres]
    ):
        erreurs["date_fin"] = message
    if not (data.get("engagements") or "").strip() and _autorisee_36_mois(
        etablissement=etablissement, date_debut=date_debut, famille=famille
    ):
        erreurs["engagements"] = ENGAGEMENTS_REQUIS
    return erreurs


def _autorisee_36_mois(*, etablissement, date_debut: datetime.date, famille: int | None) -> bool:
    """R5122-9 II: an authorisation whose period touched the 36 months before this one's start."""
    queryset = Decision.objects.filter(
        demande__establishment=etablissement,
        date_debut__lt=date_debut,
        date_fin__gte=add_months(date_debut, -36),
    )
    if famille is not None:
        queryset = queryset.exclude(Q(demande_id=famille) | Q(demande__parent_id=famille))
    return queryset.exists()
