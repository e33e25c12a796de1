from django.db import models


class ExtranetCode(models.TextChoices):
    APART = "APART", "Activité Partielle"
    SYLAE = "SYLAE", "SYLAé"
    APEA = "APEA", "APEA"
    ELISA = "ELISA", "Elisa"
    SERVICE_CIVIQUE = "SERVICE_CIVIQUE", "Service Civique"
    ENTREPRISES_ADAPTEES = "ENTREPRISES_ADAPTEES", "Entreprises Adaptées"


class EtatAdministratif(models.TextChoices):
    ACTIF = "A", "Actif"
    FERME = "F", "Fermé"


# INSEE's indices de répétition (indiceRepetitionEtablissement) and their labels.
INDICES_REPETITION = {
    "B": "bis",
    "T": "ter",
    "Q": "quater",
    "C": "quinquies",
}

# INSEE's codes de type de voie (typeVoieEtablissement), as documented with the SIRENE stock.
TYPES_VOIE = {
    "ALL": "Allée",
    "AV": "Avenue",
    "BD": "Boulevard",
    "CAR": "Carrefour",
    "CHE": "Chemin",
    "CHS": "Chaussée",
    "CITE": "Cité",
    "COR": "Corniche",
    "CRS": "Cours",
    "DOM": "Domaine",
    "DSC": "Descente",
    "ECA": "Écart",
    "ESP": "Esplanade",
    "FG": "Faubourg",
    "GR": "Grande Rue",
    "HAM": "Hameau",
    "HLE": "Halle",
    "IMP": "Impasse",
    "LD": "Lieu-dit",
    "LOT": "Lotissement",
    "MAR": "Marché",
    "MTE": "Montée",
    "PARC": "Parc",
    "PAS": "Passage",
    "PL": "Place",
    "PLN": "Plaine",
    "PLT": "Plateau",
    "PRO": "Promenade",
    "PRV": "Parvis",
    "QUA": "Quartier",
    "QUAI": "Quai",
    "RES": "Résidence",
    "RLE": "Ruelle",
    "ROC": "Rocade",
    "RPT": "Rond-point",
    "RTE": "Route",
    "RUE": "Rue",
    "SEN": "Sente - Sentier",
    "SQ": "Square",
    "TPL": "Terre-plein",
    "TRA": "Traverse",
    "VLA": "Villa",
    "VLGE": "Village",
}


def type_voie_label(code: str) -> str:
    """The label of an INSEE type-de-voie code; an unknown code is kept as it is."""
    return TYPES_VOIE.get(code.strip().upper(), code) if code else ""


def indice_repetition_label(code: str) -> str:
    """The label of an INSEE indice de répétition; an unknown code is kept as it is."""
    return INDICES_REPETITION.get(code.strip().upper(), code) if code else ""


class AccountRequestStatus(models.TextChoices):
    PENDING = "pending", "En attente de traitement"
    APPROVED = "approved", "Validée"
    REJECTED = "rejected", "Refusée"


class AccountRequestCase(models.TextChoices):
    """The three cases of the habilitation guide (seed 004)."""

    NEW_ACCOUNT = "new_account", "Cas n°1 : premier enregistrement"
    EXISTING_APART = "existing_apart", "Cas n°2 : déjà habilité à APART (autre SIRET)"
    EXISTING_ASP = "existing_asp", "Cas n°3 : compte ASP d'un autre extranet"


class SireneStatus(models.TextChoices):
    FOUND = "found", "Connu du répertoire SIRENE"
    UNAVAILABLE = "unavailable", "Répertoire SIRENE indisponible : saisie manuelle"
    NON_DIFFUSIBLE = "non_diffusible", "Établissement non diffusible : saisie manuelle"
