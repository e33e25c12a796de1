"""The rules of a demande d'indemnisation, as French messages keyed by field: pure functions, and the few reads
(hours already claimed) the services pass in. The form, the CSV import and the sending all use them."""

from __future__ import annotations

import calendar
import datetime
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import nir as stdnum_nir

from bareme.engine import (
    LIBELLES_CONTRAT,
    Contrat,
    Salarie,
    erreurs_salarie,
    format_de_mois,
    format_heures,
)

DATE = "%d/%m/%Y"
# R5122-5 since 2021: the DI of a month is filed at the latest 6 months after the end of the authorised period.
DELAI_DEPOT_MOIS = 6
# Code du travail R5122-6: the annual quota of hours per employee (1607 h in 2020 and 2021, the barème's value).
QUOTA_PROCHE_RATIO = Decimal("0.9")  # an employee at 90 % of the quota is flagged for the UD
CENTIEME = Decimal("0.01")

NOM_REQUIS = "Le nom est obligatoire."
PRENOM_REQUIS = "Le prénom est obligatoire."
NIR_REQUIS = "Le NIR est obligatoire."
NIR_INVALIDE = (
    "Le NIR n'est pas valide : saisissez les 13 chiffres du numéro de sécurité sociale suivis de la clé de "
    "2 chiffres (15 caractères)."
)
NIR_CLE_INVALIDE = (
    "La clé du NIR (les 2 derniers chiffres) ne correspond pas aux 13 premiers : vérifiez le numéro sur la carte "
    "Vitale ou le bulletin de paie du salarié."
)
NIR_EN_DOUBLE = "Ce NIR figure déjà à la ligne {ligne} de la demande."
NIR_EN_DOUBLE_FICHIER = "Ce NIR figure déjà à la ligne {ligne} du fichier."
CONTRAT_INVALIDE = "Choisissez le type de contrat : " + ", ".join(LIBELLES_CONTRAT.values()) + "."
NOMBRE_INVALIDE = "Saisissez un nombre (par exemple 151,67)."
CHAMP_REQUIS = "Ce champ est obligatoire."
TEXTE_TROP_LONG = "100 caractères au maximum."
CARACTERE_DE_CONTROLE = "Ce champ contient un caractère non autorisé (caractère de contrôle) : retapez-le."
AUCUN_SALARIE = "Ajoutez au moins un salarié à la demande."
AUCUNE_HEURE = "Aucune heure chômée n'est déclarée : la demande ne peut pas être envoyée."
MOIS_HORS_PERIODE = "Le mois doit être compris dans la période autorisée par la décision (du {debut} au {fin})."
MOIS_FUTUR = "La demande {de_mois} pourra être préparée à partir du {date}."
MOIS_NON_TERMINE = "Le mois {de_mois} n'est pas terminé : la demande pourra être envoyée à partir du {date}."
DEPOT_CLOS = (
    "Le dépôt des demandes d'indemnisation de cette décision est clos depuis le {date} (6 mois après la fin de "
    "la période autorisée)."
)
HEURES_AUTORISEES_DEPASSEES = (
    "Le total des heures chômées ({total}) dépasse les heures autorisées restantes de la décision ({restant} sur "
    "{autorisees} autorisées)."
)
QUOTA_DEPASSE = (
    "Ce salarié dépasse le contingent annuel de {quota} heures en {annee} : {deja} déjà demandées, {heures} dans "
    "cette demande."
)
DEJA_DEMANDE = "Les heures de ce salarié pour {mois} sont déjà demandées au titre d'une autre décision."

TEXT_FIELDS = ("nom", "prenom")
NUMBER_FIELDS = ("duree_hebdomadaire", "salaire_brut_mensuel", "heures_chomees")
LIGNE_FIELDS = ("nom", "prenom", "nir", "contrat", *NUMBER_FIELDS)


@dataclass(frozen=True)
class Ligne:
    """One employee's row, checked: the values the model stores."""

    nom: str
    prenom: str
    nir: str
    contrat: str
    duree_hebdomadaire: Decimal
    salaire_brut_mensuel: Decimal
    heures_chomees: Decimal

    @property
    def salarie(self) -> Salarie:
        return Salarie(
            salaire_brut_mensuel=self.salaire_brut_mensuel,
            duree_hebdomadaire=self.duree_hebdomadaire,
            heures_chomees=self.heures_chomees,
            contrat=Contrat(self.contrat),
        )


# --- Dates ---------------------------------------------------------------------------------------------------------


def premier_jour(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def mois_suivant(mois: datetime.date) -> datetime.date:
    return (mois.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def mois_precedent(mois: datetime.date) -> datetime.date:
    return (mois.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def ajouter_mois(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter (31 August + 6 → 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def date_limite_depot(decision) -> datetime.date:
    """The last day a DI of the décision may be sent."""
    return ajouter_mois(decision.date_fin, DELAI_DEPOT_MOIS)


def mois_de_la_decision(decision) -> list[datetime.date]:
    """The months (first days) the authorised period touches."""
    mois, dernier = premier_jour(decision.date_debut), premier_jour(decision.date_fin)
    months = []
    while mois <= dernier:
        months.append(mois)
        mois = mois_suivant(mois)
    return months


def erreur_mois(*, decision, mois: datetime.date, today: datetime.date) -> str:
    """Why a DI of `mois` cannot be prepared today for the décision ("" when it can)."""
    if mois not in mois_de_la_decision(decision):
        return MOIS_HORS_PERIODE.format(debut=decision.date_debut.strftime(DATE), fin=decision.date_fin.strftime(DATE))
    if mois > premier_jour(today):
        return MOIS_FUTUR.format(de_mois=format_de_mois(mois), date=mois.strftime(DATE))
    if today > (limite := date_limite_depot(decision)):
        return DEPOT_CLOS.format(date=limite.strftime(DATE))
    return ""


def erreur_envoi_date(*, decision, mois: datetime.date, today: datetime.date) -> str:
    """Why a DI of `mois` cannot be sent today ("" when it can): the month must be over, the filing still open."""
    if erreur := erreur_mois(decision=decision, mois=mois, today=today):
        return erreur
    if today < (suivant := mois_suivant(mois)):
        return MOIS_NON_TERMINE.format(de_mois=format_de_mois(mois), date=suivant.strftime(DATE))
    return ""


# --- One row -------------------------------------------------------------------------------------------------------


def nombre(value) -> Decimal | None:
    """A number as a person types it ("1 234,56", "151.67", 35) or None when it is not one."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = str(value or "").strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    if text.endswith("€"):
        text = text[:-1]
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def nir_compact(value) -> str:
    return stdnum_nir.compact(str(value or "")).upper()


def contrat_de(value) -> str | None:
    """The contract's code from its code or its label, as typed or exported ("CDI / CDD", "apprenti", "CDI")."""
    text = str(value or "").strip()
    if not text:
        return Contrat.STANDARD
    lowered = text.lower()
    for contrat in Contrat:
        if lowered in (contrat.value, LIBELLES_CONTRAT[contrat].lower()):
            return contrat.value
    if lowered in ("cdi", "cdd", "cdi/cdd", "cdi-cdd"):
        return Contrat.STANDARD.value
    if lowered.startswith("apprenti"):
        return Contrat.APPRENTI.value
    if lowered.startswith("contrat de pro") or lowered in ("professionnalisation", "contrat pro"):
        return Contrat.CONTRAT_PROFESSIONNALISATION.value
    return None


def _erreur_texte(texte: str, requis: str) -> str:
    if not texte:
        return requis
    if len(texte) > 100:
        return TEXTE_TROP_LONG
    if any(unicodedata.category(char) == "Cc" for char in texte):
        return CARACTERE_DE_CONTROLE  # a NUL byte would be refused by PostgreSQL: a 500
    return ""


def verifier_ligne(data: dict) -> tuple[Ligne | None, dict[str, str]]:
    """One employee's row from the form or the CSV (strings or numbers): the checked row, or its errors by field."""
    erreurs: dict[str, str] = {}
    texts = {}
    for field, requis in (("nom", NOM_REQUIS), ("prenom", PRENOM_REQUIS)):
        texts[field] = " ".join(str(data.get(field) or "").split())
        if erreur := _erreur_texte(texts[field], requis):
            erreurs[field] = erreur
    nir = nir_compact(data.get("nir"))
    if not nir:
        erreurs["nir"] = NIR_REQUIS
    else:
        try:
            nir = stdnum_nir.validate(nir)
        except InvalidChecksum:
            erreurs["nir"] = NIR_CLE_INVALIDE
        except StdnumValidationError:
            erreurs["nir"] = NIR_INVALIDE
    contrat = contrat_de(data.get("contrat"))
    if contrat is None:
        erreurs["contrat"] = CONTRAT_INVALIDE
    numbers = {}
    for field in NUMBER_FIELDS:
        raw = data.get(field)
        numbers[field] = nombre(raw)
        if numbers[field] is None:
            erreurs[field] = CHAMP_REQUIS if str(raw or "").strip() == "" else NOMBRE_INVALIDE
    if not any(field in erreurs for field in (*NUMBER_FIELDS, "contrat")):
        erreurs.update(
            erreurs_salarie(
                Salarie(
                    salaire_brut_mensuel=numbers["salaire_brut_mensuel"],
                    duree_hebdomadaire=numbers["duree_hebdomadaire"],
                    heures_chomees=numbers["heures_chomees"],
                    contrat=Contrat(contrat),
                )
            )
        )
    if erreurs:
        return None, erreurs
    return (
        Ligne(
            nom=texts["nom"],
            prenom=texts["prenom"],
            nir=nir,
            contrat=contrat,
            duree_hebdomadaire=numbers["duree_hebdomadaire"].quantize(CENTIEME),
            salaire_brut_mensuel=numbers["salaire_brut_mensuel"].quantize(CENTIEME),
            heures_chomees=numbers["heures_chomees"].quantize(CENTIEME),
        ),
        {},
    )


def _en_double(rows: list[dict], premiere: int) -> str:
    """The duplicate NIR's message, naming the first row as the user reads it: its line in the file ("ligne", from
    the CSV import), its row on the page ("rang", the form's), or its place in the list."""
    data = rows[premiere]
    if "ligne" in data:
        return NIR_EN_DOUBLE_FICHIER.format(ligne=data["ligne"])
    return NIR_EN_DOUBLE.format(ligne=data.get("rang", premiere + 1))


def verifier_lignes(rows: list[dict]) -> tuple[list[Ligne], dict[int, dict[str, str]]]:
    """Every row (index from 0), and the NIR unique in the DI: the checked rows, or the errors by row index."""
    lignes: list[Ligne] = []
    erreurs: dict[int, dict[str, str]] = {}
    premiere_ligne: dict[str, int] = {}
    for index, data in enumerate(rows):
        ligne, erreurs_ligne = verifier_ligne(data)
        if ligne is not None:
            if (premiere := premiere_ligne.setdefault(ligne.nir, index)) != index:
                erreurs_ligne = {"nir": _en_double(rows, premiere)}
            else:
                lignes.append(ligne)
        if erreurs_ligne:
            erreurs[index] = erreurs_ligne
    return lignes, erreurs


# --- The DI against the others -------------------------------------------------------------------------------------


def erreur_heures_autorisees(*, total: Decimal, autorisees: Decimal, deja: Decimal) -> str:
    restant = max(autorisees - deja, Decimal(0))
    if total > restant:
        return HEURES_AUTORISEES_DEPASSEES.format(
            total=format_heures(total), restant=format_heures(restant), autorisees=format_heures(autorisees)
        )
    return ""


def erreur_quota(*, heures: Decimal, deja: Decimal, quota: int, annee: int) -> str:
    if deja + heures > quota:
        return QUOTA_DEPASSE.format(quota=quota, annee=annee, deja=format_heures(deja), heures=format_heures(heures))
    return ""
