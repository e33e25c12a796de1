from django.db import models

from apart.normalization import french_sort_key


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

# The labels in a French dictionary's order (Écart after Domaine, Résidence before Rocade).
TYPES_VOIE_LABELS = sorted(TYPES_VOIE.values(), key=french_sort_key)


def type_voie_label(code: str) -> str:
    """The label of an INSEE type-de-voie code; an unknown code is kept as it is."""
    return TYPES_VOIE.get(code.strip().upper(), code) if code else ""


def indice_repetition_label(code: str) -> str:
    """The label of an INSEE indice de répétition; an unknown code is kept as it is."""
    return INDICES_REPETITION.get(code.strip().upper(), code) if code else ""
