"""Who may file and send a DAP: habilitations/perms.py's rules, with the reason a page shows when refused."""

from dataclasses import dataclass

from habilitations.perms import can_create_dap, can_submit_to_administration, is_habilitated_on

FICHE_INCOMPLETE = (
    "La création d'une demande d'autorisation préalable est impossible tant que votre fiche établissement "
    "n'est pas complète."
)
NON_HABILITE = "Vous n'êtes pas habilité sur cet établissement."
NON_VERIFIE = (
    "L'établissement n'est pas encore vérifié : la demande reste provisoire. Saisissez le code d'activation "
    "reçu par courrier à l'adresse de l'établissement pour pouvoir l'envoyer à l'unité départementale."
)


@dataclass(frozen=True)
class Permission:
    """True when allowed; otherwise `reason`, the French sentence to show."""

    reason: str = ""

    def __bool__(self) -> bool:
        return not self.reason


def can_file_dap(user, establishment) -> Permission:
    """Create or change a DAP: a habilitated user, on an establishment whose fiche is complete (seed 004)."""
    if can_create_dap(user, establishment):
        return Permission()
    if not is_habilitated_on(user, establishment):
        return Permission(NON_HABILITE)
    return Permission(FICHE_INCOMPLETE)


def can_send_dap(user, establishment) -> Permission:
    """Send a DAP to the UD (or withdraw it, or answer a complément): the filing rule, and the establishment
    vérifié (nothing goes to the administration before)."""
    if not (allowed := can_file_dap(user, establishment)):
        return allowed
    if not can_submit_to_administration(user, establishment):
        return Permission(NON_VERIFIE)
    return Permission()
