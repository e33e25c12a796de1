from django.db import models


class Motif(models.TextChoices):
    """The five motifs of recours of Code du travail R5122-1, in its wording."""

    CONJONCTURE = "conjoncture", "La conjoncture économique"
    APPROVISIONNEMENT = "approvisionnement", "Des difficultés d'approvisionnement en matières premières ou en énergie"
    SINISTRE = "sinistre", "Un sinistre ou des intempéries de caractère exceptionnel"
    RESTRUCTURATION = "restructuration", "La transformation, restructuration ou modernisation de l'entreprise"
    AUTRE = "autre", "Toute autre circonstance de caractère exceptionnel"


class SousMotif(models.TextChoices):
    """APART's sub-motifs, only under the 5th motif."""

    CORONAVIRUS = "coronavirus", "Coronavirus"
    UKRAINE = "ukraine", "Conséquences du conflit en Ukraine"
    AUTRE = "autre", "Autre"


class TypeActivite(models.TextChoices):
    REDUCTION = "reduction", "Réduction d'activité"
    SUSPENSION = "suspension", "Suspension d'activité — fermeture totale"


class Statut(models.TextChoices):
    PROVISOIRE = "provisoire", "Provisoire"
    ENVOYEE = "envoyee", "Envoyée à l'UD"
    COMPLEMENT = "complement", "Complément demandé"
    ACCEPTEE = "acceptee", "Acceptée"
    ACCEPTEE_IMPLICITEMENT = "acceptee_implicitement", "Acceptée implicitement"
    REFUSEE = "refusee", "Refusée"
    RETIREE = "retiree", "Retirée"


# At the UD, waiting for a decision (the employer may still withdraw).
STATUTS_EN_COURS = (Statut.ENVOYEE, Statut.COMPLEMENT)
STATUTS_ACCEPTES = (Statut.ACCEPTEE, Statut.ACCEPTEE_IMPLICITEMENT)


class ModeDecision(models.TextChoices):
    EXPRESSE = "expresse", "Décision expresse de l'UD"
    IMPLICITE = "implicite", "Acceptation implicite (15 jours sans réponse)"
