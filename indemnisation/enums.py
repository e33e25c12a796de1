from django.db import models


class Statut(models.TextChoices):
    """The life of a demande d'indemnisation (DI), from the employer's draft to the ASP's transfer."""

    PROVISOIRE = "provisoire", "Provisoire"
    ENVOYEE = "envoyee", "Envoyée"
    VALIDEE = "validee", "Validée"
    INVALIDEE = "invalidee", "Invalidée"
    MISE_EN_PAIEMENT = "mise_en_paiement", "Mise en paiement"
    PAYEE = "payee", "Payée"


# The employer may change the rows (and CALCULER) while the DI is Provisoire, or Invalidée to correct and resend it.
STATUTS_MODIFIABLES = (Statut.PROVISOIRE, Statut.INVALIDEE)
# A DI whose hours count against the décision's hours, the annual quota and the other décisions of the month.
STATUTS_DEPOSES = (Statut.ENVOYEE, Statut.VALIDEE, Statut.MISE_EN_PAIEMENT, Statut.PAYEE)


class StatutPaiement(models.TextChoices):
    PREPARE = "prepare", "Fichier préparé"
    EXECUTE = "execute", "Virement exécuté"


class Controle(models.TextChoices):
    """The control lines flagged for the UD agent when a DI is sent."""

    HEURES_PREVISION = "heures_prevision", "Heures au-delà de la prévision du mois"
    SALARIES_AUTORISES = "salaries_autorises", "Plus de salariés que le nombre autorisé"
    TAUX_PLAFOND = "taux_plafond", "Taux horaire au-delà du plafond (4,5 SMIC)"
    QUOTA_PROCHE = "quota_proche", "Salarié proche du contingent annuel"


class RappelKind(models.TextChoices):
    """The reminders e-mailed by indemnisation.rappels (each once: the Rappel log's unique key)."""

    HABILITATION_J30 = "habilitation_j30", "Fin d'habilitation dans 30 jours"
    HABILITATION_J7 = "habilitation_j7", "Fin d'habilitation dans 7 jours"
    DI_A_DEPOSER = "di_a_deposer", "Demande d'indemnisation à déposer"


class RappelDelivery(models.TextChoices):
    COURRIEL = "courriel", "Courriel"
    RECAPITULATIF = "recapitulatif", "Récapitulatif quotidien"
