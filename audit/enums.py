from django.db import models


class StaffActionKind(models.TextChoices):
    """Every kind of action the journal records, whichever app performs it."""

    # The assistance desk (support)
    TICKET_REPLY = "ticket_reply", "Réponse au demandeur"
    TICKET_STATUS = "ticket_status", "Changement de statut"
    TICKET_ASSIGN = "ticket_assign", "Attribution"
    # Accounts and habilitations
    ACCOUNT_REQUEST_APPROVE = "account_request_approve", "Validation d'une demande de création de compte"
    ACCOUNT_REQUEST_REJECT = "account_request_reject", "Refus d'une demande de création de compte"
    EMAILS_RESEND = "emails_resend", "Renvoi des courriels du compte"
    SECRET_QUESTION_RESET = "secret_question_reset", "Réinitialisation de la question secrète"
    TWO_FACTOR_RESET = "two_factor_reset", "Réinitialisation de la double authentification"
    HABILITATION_CREATE = "habilitation_create", "Création d'une habilitation"
    HABILITATION_TRANSFER = "habilitation_transfer", "Transfert de l'habilitation (Cas 2.1)"
    HABILITATION_EXTEND = "habilitation_extend", "Prolongation d'un an de l'habilitation"
    HABILITATION_END = "habilitation_end", "Fin de l'habilitation"
    FICHE_UPDATE = "fiche_update", "Modification d'une fiche établissement"
    ESTABLISHMENT_VERIFY = "establishment_verify", "Vérification d'un établissement"
    ACTIVATION_LETTER_ISSUE = "activation_letter_issue", "Émission d'un courrier d'activation"
    BANK_DETAILS_UPDATE = "bank_details_update", "Modification des coordonnées bancaires"
    CONTRAT_DECLARE = "contrat_declare", "Déclaration d'un contrat de prestation"
    CONTRAT_VALIDATE = "contrat_validate", "Validation d'un contrat de prestation"
    CONTRAT_REFUSE = "contrat_refuse", "Refus d'un contrat de prestation"
    CONTRAT_END = "contrat_end", "Fin d'un contrat de prestation"
    # The UD agents (instruction)
    AGENT_UD_CREATE = "agent_ud_create", "Création d'un agent d'UD"
    AGENT_UD_DEPARTEMENTS = "agent_ud_departements", "Modification des départements d'un agent d'UD"
    DAP_ACCEPT = "dap_accept", "Accord d'une demande d'autorisation préalable"
    DAP_REFUSE = "dap_refuse", "Refus d'une demande d'autorisation préalable"
    DAP_COMPLEMENT = "dap_complement", "Demande de complément sur une demande d'autorisation préalable"
    # The demandes d'indemnisation and the ASP's payments (indemnisation)
    DI_VALIDATE = "di_validate", "Validation d'une demande d'indemnisation"
    DI_INVALIDATE = "di_invalidate", "Invalidation d'une demande d'indemnisation"
    DI_REINSTATE = "di_reinstate", "Remise en instruction d'une demande d'indemnisation rejetée par erreur"
    PAIEMENT_RUN = "paiement_run", "Préparation d'un fichier de virements"
    PAIEMENT_EXECUTE = "paiement_execute", "Exécution d'un fichier de virements"
