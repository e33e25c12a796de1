"""Writes on the UD agents: their account, their group, their départements; each journaled."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.credentials import temporary_password_generate
from accounts.models import TEMPORARY_PASSWORD_VALIDITY, User
from accounts.roles import AGENT_UD
from accounts.services import user_create
from apart.outbox.services import email_enqueue
from audit.enums import StaffActionKind
from audit.services import audit_record
from dap.models import DemandeHistorique
from dap.services import demande_accept, demande_refuse, demande_request_complement
from referentiels.departements import DEPARTEMENTS

from .models import AgentDepartement, AgentUD


class AgentRefused(ValueError):
    """The agent cannot be created as asked: the message (French) says why."""


@dataclass(frozen=True)
class AgentCreated:
    agent: AgentUD
    temporary_password: bool  # True: a temporary password was e-mailed, to change at the first login


def _departements_check(departements) -> list[str]:
    codes = list(dict.fromkeys(departements))
    unknown = [code for code in codes if code not in DEPARTEMENTS]
    if unknown:
        raise AgentRefused(f"Département inconnu : {', '.join(unknown)}.")
    if not codes:
        raise AgentRefused("Un agent d'UD instruit au moins un département.")
    return codes


@transaction.atomic
def agent_create(
    *,
    identifiant: str,
    courriel: str,
    departements: list[str],
    nom: str = "",
    prenom: str = "",
    password: str | None = None,
    by=None,
) -> AgentCreated:
    """A new UD agent: an account of the group « Agent UD » (never `is_staff`) and its départements.

    With `password` (the `create_agent` command, for a new deployment): that password, checked by the project's
    validators. Without (the admin): a temporary password, e-mailed with the identifiant, to change at the first
    login. Either way the double authentification is enrolled, and a secret question chosen, at the first login
    (accounts.middleware).
    """
    codes = _departements_check(departements)
    if User.objects.with_identifiant(identifiant).exists():
        raise AgentRefused(f"L'identifiant « {identifiant} » est déjà pris.")
    if User.objects.with_courriel(courriel).exists():
        raise AgentRefused(f"Un compte existe déjà avec le courriel « {courriel} ».")
    temporary = password is None
    clear = temporary_password_generate() if temporary else password
    candidate = User(identifiant=identifiant, courriel=courriel, nom=nom, prenom=prenom)
    try:
        validate_password(clear, user=candidate)
    except ValidationError as error:
        raise AgentRefused(" ".join(error.messages)) from error
    try:
        user = user_create(
            identifiant=identifiant,
            courriel=courriel,
            # The command may give no name: « Agent UD » until the agent or the ASP writes it.
            nom=nom or "UD",
            prenom=prenom or "Agent",
            password=clear,
            must_change_password=temporary,
        )
    except ValidationError as error:
        raise AgentRefused(" ".join(error.messages)) from error
    # The secret question is chosen at the first login (« J'ai oublié mon mot de passe » asks it).
    user.must_set_secret_question = True
    if temporary:
        user.password_expires_at = timezone.now() + TEMPORARY_PASSWORD_VALIDITY
    user.save(update_fields=["must_set_secret_question", "password_expires_at"])
    user.groups.add(Group.objects.get_or_create(name=AGENT_UD)[0])
    agent = AgentUD.objects.create(user=user)
    AgentDepartement.objects.bulk_create(AgentDepartement(agent=agent, code=code) for code in codes)
    if temporary:
        email_enqueue(
            kind="agent_ud_compte",
            to=user.courriel,
            context={"user": user, "departements": codes, "site_url": settings.SITE_URL},
            secrets={"password": clear},
        )
    audit_record(
        actor=by,
        action=StaffActionKind.AGENT_UD_CREATE,
        summary=f"Agent d'UD {user.identifiant} créé (départements {', '.join(codes)})",
        subject=agent,
        target_user=user,
        departements=codes,
    )
    return AgentCreated(agent=agent, temporary_password=temporary)


@transaction.atomic
def agent_departements_set(*, agent: AgentUD, departements: list[str], by=None) -> list[str]:
    """The agent instructs exactly these départements from now on (what it no longer holds, it no longer sees)."""
    codes = _departements_check(departements)
    agent = AgentUD.objects.select_for_update().get(pk=agent.pk)
    before = agent.departement_codes
    if set(before) == set(codes):
        return before
    agent.departements.exclude(code__in=codes).delete()
    AgentDepartement.objects.bulk_create(
        AgentDepartement(agent=agent, code=code) for code in codes if code not in before
    )
    agent.save(update_fields=["updated_at"])
    after = agent.departement_codes
    audit_record(
        actor=by,
        action=StaffActionKind.AGENT_UD_DEPARTEMENTS,
        summary=f"Départements de l'agent d'UD {agent.user.identifiant} : {', '.join(before)} → {', '.join(after)}",
        subject=agent,
        target_user=agent.user,
        before=before,
        after=after,
    )
    return after


# --- The instruction of a DAP: dap.services' guarded transitions, journaled ----------------------------------------


@transaction.atomic
def instruction_accept(*, demande, by, heures_autorisees, nb_salaries, date_debut, date_fin, now=None):
    """Accorder: the décision (None when the DAP was no longer waiting: nothing done). Raises DemandeInvalide."""
    decision = demande_accept(
        demande=demande,
        by=by,
        heures_autorisees=heures_autorisees,
        nb_salaries=nb_salaries,
        date_debut=date_debut,
        date_fin=date_fin,
        now=now,
    )
    if decision is not None:
        audit_record(
            actor=by,
            action=StaffActionKind.DAP_ACCEPT,
            summary=f"Demande {demande.numero} accordée : {decision.heures_autorisees} h, "
            f"du {decision.date_debut:%d/%m/%Y} au {decision.date_fin:%d/%m/%Y} (décision {decision.numero})",
            subject=demande,
            siret=demande.establishment.siret,
            decision=decision.numero,
            heures_autorisees=str(decision.heures_autorisees),
        )
    return decision


@transaction.atomic
def instruction_refuse(*, demande, by, motif: str, now=None) -> bool:
    """Refuser: True when refused now, False when the DAP was no longer waiting (nothing done)."""
    now = now or timezone.now()
    demande = demande_refuse(demande=demande, by=by, motif=motif, now=now)
    done = DemandeHistorique.objects.filter(demande=demande, by=by, at=now).exists()
    if done:
        audit_record(
            actor=by,
            action=StaffActionKind.DAP_REFUSE,
            summary=f"Demande {demande.numero} refusée",
            subject=demande,
            siret=demande.establishment.siret,
            motif=demande.motif_refus,
        )
    return done


@transaction.atomic
def instruction_request_complement(*, demande, by, message: str, now=None) -> bool:
    """Demander un complément: True when asked now, False when the DAP was not Envoyée à l'UD (nothing done)."""
    now = now or timezone.now()
    demande = demande_request_complement(demande=demande, by=by, message=message, now=now)
    done = DemandeHistorique.objects.filter(demande=demande, by=by, at=now).exists()
    if done:
        audit_record(
            actor=by,
            action=StaffActionKind.DAP_COMPLEMENT,
            summary=f"Complément demandé sur la demande {demande.numero}",
            subject=demande,
            siret=demande.establishment.siret,
            message=message.strip(),
        )
    return done
