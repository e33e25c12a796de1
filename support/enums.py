from django.db import models


class ArticleCategory(models.TextChoices):
    CREER_MON_ESPACE = "creer-mon-espace", "Créer mon espace"
    CONNEXION = "connexion", "Connexion, identifiant et mot de passe"
    COURRIELS = "courriels", "Courriels de l'ASP"
    DEMANDES = "demandes", "Demandes d'autorisation et d'indemnisation"
    ASSISTANCE = "assistance", "Contacter l'assistance"


class TicketMotif(models.TextChoices):
    """« Motif de la demande », in the order and wording of the seeds' assistance form."""

    HABILITATION = "habilitation", "Habilitation à l'extranet"
    FICHE_ETABLISSEMENT = "fiche_etablissement", "Fiche Etablissement"
    DAP = "dap", "Décision d'autorisation préalable"
    DECISION_AUTORISATION = "decision_autorisation", "Décision d'autorisation"
    DEMANDE_INDEMNISATION = "demande_indemnisation", "Demande d'indemnisation"
    CERTIFICAT_SIGNATURE = "certificat_signature", "Certificat de signature"
    AUTRES = "autres", "Autres"


MOTIF_PLACEHOLDER = "Veuillez sélectionner un motif…"


class TicketStatus(models.TextChoices):
    NOUVEAU = "nouveau", "Nouveau"
    EN_COURS = "en_cours", "En cours"
    EN_ATTENTE = "en_attente", "En attente du demandeur"
    RESOLU = "resolu", "Résolu"
    CLOS = "clos", "Clos"


class TicketMessageAuthor(models.TextChoices):
    DEMANDEUR = "demandeur", "Demandeur"
    AGENT = "agent", "Agent ASP"
