from django.db import models


class ExtranetCode(models.TextChoices):
    APART = "APART", "Activité Partielle"
    SYLAE = "SYLAE", "SYLAé"
    APEA = "APEA", "APEA"
    ELISA = "ELISA", "Elisa"
    SERVICE_CIVIQUE = "SERVICE_CIVIQUE", "Service Civique"
    ENTREPRISES_ADAPTEES = "ENTREPRISES_ADAPTEES", "Entreprises Adaptées"


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


class ApartAccessRefusal(models.TextChoices):
    """Why an ASP account may not enter APART today."""

    NOT_YET = "future", "Habilitation pas encore active"
    EXPIRED = "expired", "Habilitation expirée"
    NONE = "none", "Aucune habilitation APART"


class HabilitationEndOutcome(models.TextChoices):
    ENDED = "ended", "terminée (dernier jour : hier)"
    DELETED = "deleted", "supprimée (elle ne commençait qu'aujourd'hui ou plus tard : pas d'historique à garder)"
    ALREADY_ENDED = "already_ended", "déjà terminée, inchangée"


class EstablishmentVerification(models.TextChoices):
    """How an establishment was shown to belong to its space's holders (blank: not yet, "non vérifié")."""

    CODE = "code", "Code d'activation reçu par courrier saisi"
    STAFF = "staff", "Vérifié par un agent de l'ASP"
    EXISTING = "existing", "Espace antérieur à la vérification par courrier"


class ContratStatut(models.TextChoices):
    """The states of a contrat de prestation: declared by the firm, settled by the ASP, ended by either side."""

    EN_ATTENTE = "en_attente", "En attente de validation"
    VALIDE = "valide", "Validé"
    REFUSE = "refuse", "Refusé"
    TERMINE = "termine", "Terminé"


# A contract that holds the establishment: one at most at a time (a database constraint).
CONTRAT_STATUTS_ACTIFS = (ContratStatut.EN_ATTENTE, ContratStatut.VALIDE)


class HabilitationBatchStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"


class HabilitationBatchResult(models.TextChoices):
    """What became of one line of a « Demande d'habilitation en masse »."""

    CREATED = "created", "Créé"
    ATTACHED = "attached", "Rattaché"
    PENDING = "pending", "En attente de validation par l'ASP"
    REFUSED = "refused", "Refusé"
    ALREADY_HABILITATED = "already_habilitated", "Déjà habilité"
    ALREADY_REQUESTED = "already_requested", "Déjà demandé"
