from django.db import models


class NomValeur(models.TextChoices):
    """What a dated value of the barème is (the `nom` of bareme/data/bareme.toml)."""

    SMIC_HORAIRE = "smic_horaire", "SMIC horaire brut (€)"
    TAUX_INDEMNITE = "taux_indemnite", "Taux de l'indemnité versée au salarié (0.60 = 60 %)"
    TAUX_ALLOCATION = "taux_allocation", "Taux de l'allocation versée à l'employeur (0.36 = 36 %)"
    PLANCHER_INDEMNITE = "plancher_indemnite", "Plancher horaire de l'indemnité (€)"
    PLANCHER_ALLOCATION = "plancher_allocation", "Plancher horaire de l'allocation (€)"
    PLAFOND_SMIC = "plafond_smic", "Plafond du taux horaire, en nombre de SMIC (4.5)"
    QUOTA_ANNUEL_HEURES = "quota_annuel_heures", "Contingent annuel d'heures indemnisables par salarié"
    OUVERTURE = "ouverture", "Ouverture du dispositif (1 : ouvert ; 0 : fermé)"


class DispositifChoix(models.TextChoices):
    """The dispositifs of bareme.engine.Dispositif, with blank for a value common to all of them."""

    TOUS = "", "Tous les dispositifs"
    DROIT_COMMUN = "droit_commun", "Droit commun"
    SECTEUR_PROTEGE = "secteur_protege", "Secteur protégé (taux majoré)"
    APLD = "apld", "Activité partielle de longue durée (APLD)"
    APLD_REBOND = "apld_rebond", "APLD rebond"
