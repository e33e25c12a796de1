"""The ASP staff roles: each a group whose permissions are declared here, and only here.

`python manage.py sync_staff_roles` makes every group hold exactly these permissions ("app_label.codename"): one
added here is given, one removed from here is taken away. A superuser is above the roles; rights outside a role
(a permission given to one person) are not managed here and are best avoided.
"""

AGENT_ASP = "Agent ASP"
SUPERVISEUR_ASP = "Superviseur ASP"
AGENT_UD = "Agent UD"

# The desk's daily work: read what the requests and tickets are about, settle account requests, answer tickets.
_AGENT_ASP_PERMISSIONS = [
    "habilitations.view_accountrequest",
    "habilitations.approve_accountrequest",
    "habilitations.reject_accountrequest",
    "habilitations.view_establishment",
    "habilitations.view_habilitation",
    "habilitations.view_extranet",
    # The contrats de prestation and their signed PDF, read-only (the supervisor validates, refuses and ends them).
    "habilitations.view_contratprestation",
    # The « Demandes d'habilitation en masse » and their lines, read-only (a pending line is settled as an account
    # request).
    "habilitations.view_habilitationbatch",
    "habilitations.view_habilitationbatchline",
    "accounts.view_user",
    "support.view_ticket",
    "support.change_ticket",
    "support.view_article",
    "outbox.view_outboxemail",
    "audit.view_staffaction",
    "portal.view_announcement",
    "referentiels.view_sireneetablissement",
    "referentiels.view_sireneunitelegale",
    "referentiels.view_codepostalcommune",
    "bareme.view_valeurbareme",
    "instruction.view_agentud",
    # The DAPs and décisions, read-only in the admin (the UD decides in /instruction/, never the ASP).
    "dap.view_demandeautorisation",
    "dap.view_decision",
    # The demandes d'indemnisation, read-only in the admin (the UD validates them in /instruction/).
    "indemnisation.view_demandeindemnisation",
    "indemnisation.view_salarieindemnise",
    "indemnisation.view_demandeindemnisationhistorique",
    "indemnisation.view_rappel",
]

# The agent's rights, plus what changes who may act for an establishment and what every user reads.
_SUPERVISEUR_ASP_PERMISSIONS = [
    *_AGENT_ASP_PERMISSIONS,
    "habilitations.change_accountrequest",
    "habilitations.change_establishment",
    "habilitations.add_habilitation",
    "habilitations.change_habilitation",
    "habilitations.resend_account_emails",
    "habilitations.verify_establishment",
    "habilitations.view_activationletter",
    "habilitations.view_bankdetails",
    # Validate or refuse (with a motif) a contrat de prestation, and end one: each changes who the establishment's
    # personne à contacter is.
    "habilitations.validate_contratprestation",
    "habilitations.end_contratprestation",
    "accounts.change_user",
    # A lost phone and its recovery codes: the user's factors deleted (with a motif in the journal), never an agent's.
    "accounts.reset_two_factor",
    "accounts.view_recoveryevent",
    "accounts.view_passwordresettoken",
    "outbox.change_outboxemail",
    "support.add_article",
    "support.change_article",
    "support.delete_article",
    "portal.add_announcement",
    "portal.change_announcement",
    "portal.delete_announcement",
    # A new dated value of the barème (the next SMIC revaluation), with its source; never a change in place.
    "bareme.add_valeurbareme",
    # The UD agents and their départements (the instruction's back office is outside the admin).
    "instruction.add_agentud",
    "instruction.change_agentud",
    # Put back in the UD's queue a DI invalidated by mistake (the admin's only change of a DI, with an audit row).
    "indemnisation.change_demandeindemnisation",
    # The ASP's payment runs: read them and download their SEPA file (the employers' IBANs), start one (« Lancer
    # un paiement »: the add right), mark one executed by the bank (the change right).
    "indemnisation.view_paiement",
    "indemnisation.add_paiement",
    "indemnisation.change_paiement",
]

STAFF_ROLES: dict[str, list[str]] = {
    AGENT_ASP: _AGENT_ASP_PERMISSIONS,
    SUPERVISEUR_ASP: _SUPERVISEUR_ASP_PERMISSIONS,
    # The unités départementales instruct in their own back office (/instruction/), never in the admin: the group
    # itself is their right there (instruction.views), and it makes the double authentification required.
    AGENT_UD: [],
}


def is_agent_ud(user) -> bool:
    """Whether the account is a UD agent: its role, not a habilitation, gives it the back office. Cached on the
    user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not hasattr(user, "_is_agent_ud"):
        user._is_agent_ud = user.groups.filter(name=AGENT_UD).exists()
    return user._is_agent_ud
