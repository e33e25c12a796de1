"""Writes on establishments and habilitations: the business operations that views, the admin and the assistance
desk call. Each staff operation sends its e-mail and writes its line of the journal (`audit`) in its transaction.
"""

import datetime
import logging
import re
import secrets
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.credentials import (
    identifiant_base,
    identifiant_candidates,
    secret_answer_hash,
    temporary_password_generate,
)
from accounts.models import TEMPORARY_PASSWORD_VALIDITY, User
from accounts.secret_questions import is_listed
from accounts.services import user_secret_question_clear
from apart.normalization import normalize_courriel
from apart.outbox.models import OutboxEmail
from apart.outbox.services import email_enqueue
from apart.secretbox import SecretUnreadable, seal, unseal
from audit.enums import StaffActionKind
from audit.services import audit_record
from referentiels.sirene import SireneNonDiffusible, SireneResult, SireneUnavailable, sirene_lookup

from .batch_io import BatchInputError, parse_input
from .checks import account_request_checks
from .enums import (
    AccountRequestCase,
    AccountRequestStatus,
    EstablishmentVerification,
    ExtranetCode,
    HabilitationBatchResult,
    HabilitationBatchStatus,
    HabilitationEndOutcome,
    SireneStatus,
)
from .models import (
    ACTIVATION_CODE_MAX_TRIES,
    ACTIVATION_CODE_VALIDITY,
    ESTABLISHMENT_IDENTITY_FIELDS,
    FICHE_CONTACT_FIELDS,
    AccountRequest,
    ActivationLetter,
    BankDetails,
    Establishment,
    Extranet,
    Habilitation,
    HabilitationBatch,
    HabilitationBatchLine,
    one_year_after,
)
from .perms import fiche_claimant_of, is_habilitated_on
from .selectors import establishment_fields_from_sirene

logger = logging.getLogger(__name__)

# --- Establishments ----------------------------------------------------------------------------------------


def establishment_create(*, siret: str, **fields) -> Establishment:
    """A new establishment, its fields checked by the model. Raises IntegrityError when the SIRET has a space
    already (the unique constraint decides, so that two concurrent requests make one establishment)."""
    establishment = Establishment(siret=siret, siren=siret[:9], **fields)
    # The fields' validators here; the check constraints (Siret's 14 digits, Siren its prefix, no verification
    # yet) are the INSERT's: validating them here would cost a query and a savepoint each, for rows the validators
    # and this constructor already make right.
    establishment.full_clean(exclude=["fiche_complete"], validate_unique=False, validate_constraints=False)
    with transaction.atomic():  # a savepoint: the caller's transaction survives a duplicate
        establishment.save()
    return establishment


@transaction.atomic
def establishment_fiche_update(*, establishment: Establishment, fields: dict, by=None, author=None) -> Establishment:
    """Save the fiche établissement; its completeness follows (the database derives it). `by`: a staff member
    editing in the admin, recorded in the journal; `author`: the habilitated user editing it in his space. Either
    becomes the fiche's `fiche_updated_by` when something changed."""
    # Compared with the stored row (a bound ModelForm has already written the typed values on its instance).
    establishment = Establishment.objects.select_for_update().get(pk=establishment.pk)
    changed = {name: value for name, value in fields.items() if getattr(establishment, name) != value}
    for name, value in changed.items():
        setattr(establishment, name, value)
    if changed and (author or by) is not None:
        establishment.fiche_updated_by = author or by
    establishment.save()
    establishment.refresh_from_db(fields=["fiche_complete"])
    if by is not None and changed:
        audit_record(
            actor=by,
            action=StaffActionKind.FICHE_UPDATE,
            summary=(
                f"Fiche établissement {establishment.siret} modifiée : "
                + ", ".join(str(Establishment._meta.get_field(name).verbose_name) for name in sorted(changed))
            ),
            subject=establishment,
            siret=establishment.siret,
            fields=sorted(changed),
        )
    return establishment


# --- Accounts created for a person -------------------------------------------------------------------------


def user_for_courriel(courriel: str) -> User | None:
    return User.objects.with_courriel(courriel).first()


def account_case_for(user: User | None) -> AccountRequestCase:
    """Cas n°1 (new person), n°2 (already habilitated to APART) or n°3 (ASP account of another extranet)."""
    if user is None:
        return AccountRequestCase.NEW_ACCOUNT
    if user.habilitations.for_extranet(ExtranetCode.APART).exists():
        return AccountRequestCase.EXISTING_APART
    return AccountRequestCase.EXISTING_ASP


@dataclass(frozen=True)
class Person:
    """Who an ASP account is created for (CRÉER MON ESPACE, DEMANDE CRÉATION DE COMPTE, a transfer)."""

    nom: str
    prenom: str
    courriel: str
    telephone: str = ""
    secret_question: str = ""
    secret_answer_hash: str = ""


@dataclass(frozen=True)
class TemporaryPassword:
    """A temporary password and its hash, made before any lock is taken (a hash costs a third of a second)."""

    clear: str
    encoded: str

    @classmethod
    def generate(cls) -> "TemporaryPassword":
        clear = temporary_password_generate()
        return cls(clear=clear, encoded=make_password(clear))


def user_create_for(person: Person, *, password: TemporaryPassword) -> tuple[User, bool]:
    """Cas n°1: a new ASP account, its identifiant made unique (prénom.nom, then prénom.nom1…).

    Returns (user, created): when a concurrent request created the same person meanwhile, their account.
    """
    base = identifiant_base(prenom=person.prenom, nom=person.nom)
    taken = set(
        User.objects.filter(identifiant__regex=rf"^{re.escape(base)}[0-9]*$").values_list("identifiant", flat=True)
    )
    for identifiant in identifiant_candidates(base):
        if identifiant in taken:
            continue
        user = User(
            identifiant=identifiant,
            courriel=normalize_courriel(person.courriel),
            nom=person.nom,
            prenom=person.prenom,
            telephone=person.telephone,
            secret_question=person.secret_question,
            secret_answer_hash=person.secret_answer_hash,
            # A request typed before the questions were listed: the person chooses a listed one at the first connection.
            must_set_secret_question=not is_listed(person.secret_question),
            must_change_password=True,
            password_expires_at=timezone.now() + TEMPORARY_PASSWORD_VALIDITY,
        )
        user.password = password.encoded
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            existing = user_for_courriel(person.courriel)
            if existing is not None:  # the same person, created by a concurrent request
                return existing, False
            taken.add(identifiant)  # the identifiant was taken meanwhile: try the next one
            continue
        return user, True


def account_emails_send(
    *, user: User, habilitation: Habilitation, password: str | None, new_account: bool
) -> list[OutboxEmail]:
    """The e-mails of the seeds: a new account gets three (identifiant, mot de passe, habilitation), an existing
    one the habilitation alone. Returns the outbox rows written."""
    context = {"user": user, "habilitation": habilitation, "site_url": settings.SITE_URL}
    kinds = ["identifiant", "mot_de_passe", "habilitation"] if new_account else ["habilitation"]
    return [
        email_enqueue(kind=kind, to=user.courriel, context=context, secrets={"password": password}) for kind in kinds
    ]


@dataclass(frozen=True)
class AccountEmailsResent:
    emails: list[OutboxEmail]
    new_temporary_password: bool


def _still_on_issued_temporary_password(user: User) -> bool:
    """Only a temporary password we issued (it has an expiry) and never used to log in may be replaced.
    `must_change_password` alone is not enough: staff may tick it on an account whose holder chose a password."""
    return user.must_change_password and user.password_expires_at is not None and user.last_login is None


@transaction.atomic
def account_emails_resend(*, habilitation: Habilitation, by, about=None) -> AccountEmailsResent:
    """Cas n°3, nothing received: the account's e-mails again, with one rule wherever staff ask for it.

    A holder who has never connected (still on a temporary password) gets the three e-mails of the account's
    creation with a new temporary password (the old one stops working: it was never seen, or it was lost); one
    who has chosen their own password keeps it and gets the habilitation e-mail alone. Safe to call twice.
    """
    habilitation = Habilitation.objects.select_related("establishment", "extranet").get(pk=habilitation.pk)
    user = User.objects.select_for_update().get(pk=habilitation.user_id)
    habilitation.user = user
    password = None
    if _still_on_issued_temporary_password(user):
        password = temporary_password_generate()
        user.set_password(password)
        user.password_expires_at = timezone.now() + TEMPORARY_PASSWORD_VALIDITY
        user.save(update_fields=["password", "password_expires_at", "updated_at"])
    emails = account_emails_send(user=user, habilitation=habilitation, password=password, new_account=bool(password))
    audit_record(
        actor=by,
        action=StaffActionKind.EMAILS_RESEND,
        summary=f"{len(emails)} courriel(s) renvoyé(s) à {user.courriel} : " + ", ".join(e.subject for e in emails),
        subject=about or habilitation,
        target_user=user,
        siret=habilitation.establishment.siret,
        emails=[email.pk for email in emails],
        new_temporary_password=password is not None,
    )
    return AccountEmailsResent(emails=emails, new_temporary_password=password is not None)


# --- Habilitations -----------------------------------------------------------------------------------------


@transaction.atomic
def habilitation_grant(
    *,
    user,
    establishment: Establishment,
    extranet_code: str = ExtranetCode.APART,
    valid_from: datetime.date | None = None,
) -> Habilitation:
    """Give `user` a right on `establishment` for one extranet, for one year from `valid_from` (today by default).

    The habilitation of the same triple, if there is one, is returned; one that has ended or not begun yet is
    made to run from `valid_from`. Granting twice is harmless.
    """
    valid_from = valid_from or timezone.localdate()
    habilitation, created = Habilitation.objects.get_or_create(
        user=user,
        establishment=establishment,
        extranet=Extranet.objects.for_code(extranet_code),
        defaults={"valid_from": valid_from, "valid_until": one_year_after(valid_from)},
    )
    if not created and not habilitation.is_active(valid_from):
        habilitation.valid_from, habilitation.valid_until = valid_from, one_year_after(valid_from)
        habilitation.save(update_fields=["valid_from", "valid_until", "updated_at"])
    return habilitation


def _dates(habilitation: Habilitation) -> str:
    return f"du {habilitation.valid_from:%d/%m/%Y} au {habilitation.valid_until:%d/%m/%Y}"


@transaction.atomic
def habilitation_create(
    *, by, user, establishment: Establishment, valid_from: datetime.date | None = None, about=None
) -> Habilitation:
    """Staff habilitate an existing ASP account on an establishment: one year, the habilitation e-mail, a line
    in the journal."""
    habilitation = habilitation_grant(user=user, establishment=establishment, valid_from=valid_from)
    account_emails_send(user=user, habilitation=habilitation, password=None, new_account=False)
    audit_record(
        actor=by,
        action=StaffActionKind.HABILITATION_CREATE,
        summary=f"Habilitation de {user.identifiant} sur {establishment.siret} {_dates(habilitation)}",
        subject=about or habilitation,
        target_user=user,
        siret=establishment.siret,
        habilitation=habilitation.pk,
    )
    return habilitation


def _habilitation_lock(habilitation: Habilitation) -> Habilitation:
    return (
        Habilitation.objects.select_for_update(of=("self",))
        .select_related("user", "establishment", "extranet")
        .get(pk=habilitation.pk)
    )


def _habilitation_notify(*, kind: str, habilitation: Habilitation, **context) -> OutboxEmail:
    return email_enqueue(
        kind=kind,
        to=habilitation.user.courriel,
        context={"user": habilitation.user, "habilitation": habilitation, "site_url": settings.SITE_URL, **context},
    )


@dataclass(frozen=True)
class HabilitationExtension:
    """What `habilitation_extend` did: `extended` is False when the end was already a year from today or later."""

    habilitation: Habilitation
    previous_valid_until: datetime.date
    extended: bool

    @property
    def valid_until(self) -> datetime.date:
        return self.habilitation.valid_until


def habilitation_already_extended_message(result: HabilitationExtension) -> str:
    habilitation = result.habilitation
    return (
        f"L'habilitation de {habilitation.user.identifiant} sur {habilitation.establishment.siret} est déjà "
        f"prolongée jusqu'au {result.valid_until:%d/%m/%Y} : rien n'a changé, aucun courriel n'est parti."
    )


@transaction.atomic
def habilitation_extend(*, habilitation: Habilitation, by, about=None) -> HabilitationExtension:
    """Valid until one year from today, never shortened: a habilitation that already ends then or later is left
    alone (no e-mail, no journal line), so that a replayed request (double click, resent form) extends once.
    The holder is told when the end moves."""
    habilitation = _habilitation_lock(habilitation)
    previous_until = habilitation.valid_until
    target = one_year_after(timezone.localdate())
    if previous_until >= target:
        return HabilitationExtension(habilitation=habilitation, previous_valid_until=previous_until, extended=False)
    habilitation.valid_until = target
    habilitation.save(update_fields=["valid_until", "updated_at"])
    _habilitation_notify(kind="habilitation_prolongee", habilitation=habilitation)
    audit_record(
        actor=by,
        action=StaffActionKind.HABILITATION_EXTEND,
        summary=(
            f"Habilitation de {habilitation.user.identifiant} sur {habilitation.establishment.siret} prolongée "
            f"jusqu'au {habilitation.valid_until:%d/%m/%Y} (au lieu du {previous_until:%d/%m/%Y})"
        ),
        subject=about or habilitation,
        target_user=habilitation.user,
        siret=habilitation.establishment.siret,
        habilitation=habilitation.pk,
        previous_valid_until=previous_until.isoformat(),
        valid_until=habilitation.valid_until.isoformat(),
    )
    return HabilitationExtension(habilitation=habilitation, previous_valid_until=previous_until, extended=True)


@dataclass(frozen=True)
class HabilitationEnd:
    """What `habilitation_end` found and did."""

    habilitation_id: int
    identifiant: str
    siret: str
    valid_from: datetime.date
    valid_until: datetime.date  # before the end
    outcome: HabilitationEndOutcome

    def as_json(self) -> dict:
        return {
            "habilitation": self.habilitation_id,
            "identifiant": self.identifiant,
            "siret": self.siret,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "result": self.outcome.value,
        }


@transaction.atomic
def habilitation_end(*, habilitation: Habilitation, by, about=None, notify: bool = True) -> HabilitationEnd:
    """End a habilitation now: it stops working today, on this establishment only.

    A habilitation that began before today keeps its history and ends yesterday; one that starts today or later
    is removed (the valid_until >= valid_from rule forbids an end before its start, and it has no past to keep).
    One already ended is left as it is.
    """
    habilitation = _habilitation_lock(habilitation)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    if habilitation.valid_until < today:
        outcome = HabilitationEndOutcome.ALREADY_ENDED
    elif habilitation.valid_from <= yesterday:
        outcome = HabilitationEndOutcome.ENDED
    else:
        outcome = HabilitationEndOutcome.DELETED
    result = HabilitationEnd(
        habilitation_id=habilitation.pk,
        identifiant=habilitation.user.identifiant,
        siret=habilitation.establishment.siret,
        valid_from=habilitation.valid_from,
        valid_until=habilitation.valid_until,
        outcome=outcome,
    )
    if outcome == HabilitationEndOutcome.ALREADY_ENDED:
        return result
    if notify:
        _habilitation_notify(kind="habilitation_terminee", habilitation=habilitation, ended_on=today)
    details = result.as_json()
    del details["siret"]  # a column of the journal's row, not a detail
    audit_record(
        actor=by,
        action=StaffActionKind.HABILITATION_END,
        summary=f"Habilitation de {result.identifiant} sur {result.siret} {outcome.label}",
        subject=about or (habilitation if outcome == HabilitationEndOutcome.ENDED else None),
        target_user=habilitation.user,
        siret=result.siret,
        **details,
    )
    if outcome == HabilitationEndOutcome.ENDED:
        habilitation.valid_until = yesterday
        habilitation.save(update_fields=["valid_until", "updated_at"])
    else:
        habilitation.delete()
    return result


@dataclass(frozen=True)
class HabilitationTransfer:
    """What `habilitation_transfer` did: the new holder, how their account was found, what was ended."""

    habilitation: Habilitation
    case: AccountRequestCase
    account_created: bool
    ended: list[HabilitationEnd] = field(default_factory=list)

    @property
    def user(self) -> User:
        return self.habilitation.user


@transaction.atomic
def habilitation_transfer(
    *, establishment: Establishment, person: Person, by, about=None, end_users=None
) -> HabilitationTransfer:
    """Cas 2.1: the previous user left and the declared mailbox is lost; a new person takes the establishment.

    The new person's ASP account is the one with their address, or a new one created as CRÉER MON ESPACE does
    (identifiant, temporary password, secret question chosen at the first connection), with the same e-mails.
    Their APART habilitation on the establishment starts today for one year. The other APART habilitations on
    this establishment (only those of `end_users` when given) end today; their holders' habilitations on other
    establishments are untouched.
    """
    establishment = Establishment.objects.select_for_update().get(pk=establishment.pk)
    user = user_for_courriel(person.courriel)
    case = account_case_for(user)
    password = None
    if user is None:
        password = TemporaryPassword.generate()
        user, created = user_create_for(person, password=password)
        if created:
            user = user_secret_question_clear(user=user)  # chosen at the first connection
        else:
            password, case = None, account_case_for(user)
    today = timezone.localdate()
    others = (
        Habilitation.objects.for_extranet(ExtranetCode.APART)
        .filter(establishment=establishment, valid_until__gte=today)
        .exclude(user=user)
        .select_related("user")
    )
    ended = [
        habilitation_end(habilitation=other, by=by, about=about)
        for other in others
        if end_users is None or other.user in end_users
    ]
    habilitation = habilitation_grant(user=user, establishment=establishment, valid_from=today)
    # An existing account keeps its identifiant and password; the habilitation e-mail always tells the person.
    account_emails_send(
        user=user, habilitation=habilitation, password=password and password.clear, new_account=bool(password)
    )
    result = HabilitationTransfer(
        habilitation=habilitation, case=case, account_created=password is not None, ended=ended
    )
    audit_record(
        actor=by,
        action=StaffActionKind.HABILITATION_TRANSFER,
        summary=(
            f"Habilitation APART sur {establishment.siret} transférée à {user.identifiant} "
            f"({'compte créé' if result.account_created else 'compte existant'}, {_dates(habilitation)}) ; "
            f"habilitation(s) terminée(s) : {', '.join(item.identifiant for item in ended) or 'aucune'}"
        ),
        subject=about or habilitation,
        target_user=user,
        siret=establishment.siret,
        account_created=result.account_created,
        case=case.value,
        habilitation=habilitation.pk,
        ended=[item.as_json() for item in ended],
    )
    return result


# --- Account requests: CRÉER MON ESPACE and DEMANDE CRÉATION DE COMPTE -------------------------------------


class EstablishmentAlreadyHasSpace(Exception):
    """An automatic approval found the establishment's space already created: staff must decide."""


REFERENCE_ATTEMPTS = 5  # 16 million references a day: a batch of 2 000 requests meets a taken one 1 time in 10


def _new_reference() -> str:
    return f"DCC-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def account_request_submit(
    *,
    establishment_fields: dict,
    user_fields: dict,
    secret_answer: str,
    sirene_status: str,
    sirene_data: dict | None,
    etat_civil_confirmed: bool = False,
    requested_by=None,
    secret_answer_encoded: str = "",
) -> AccountRequest:
    """Store a request with its automatic checks. Approval, automatic or by staff, comes after.

    `secret_answer_encoded`: an answer already hashed (a batch of the logged-in user gives his account's own),
    in place of `secret_answer`."""
    account_request = AccountRequest(
        reference=_new_reference(),
        **establishment_fields,
        **{**user_fields, "courriel": normalize_courriel(user_fields["courriel"])},
        secret_answer_hash=secret_answer_encoded or secret_answer_hash(secret_answer),
        sirene_status=sirene_status,
        sirene_data=sirene_data,
        etat_civil_confirmed=etat_civil_confirmed,
        requested_by=requested_by,
    )
    existing_user = user_for_courriel(account_request.courriel)
    account_request.case = account_case_for(existing_user)
    account_request.checks = account_request_checks(account_request, existing_user=existing_user)
    for _attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: a reference drawn twice is drawn again
                account_request.save()
        except IntegrityError:
            if not AccountRequest.objects.filter(reference=account_request.reference).exists():
                raise
            account_request.pk, account_request.reference = None, _new_reference()
            continue
        return account_request
    raise IntegrityError(f"Aucune référence libre en {REFERENCE_ATTEMPTS} tirages.")


def account_request_process_automatically(*, account_request: AccountRequest, notify: bool = True) -> AccountRequest:
    """Approve a request that passes every check, when ACCOUNT_REQUESTS_AUTO_APPROVE is on; else leave it to staff.
    `notify=False`: the account's e-mails are not sent (a batch sends one summary instead)."""
    if not settings.ACCOUNT_REQUESTS_AUTO_APPROVE or account_request.failed_checks:
        return account_request
    try:
        return account_request_approve(account_request=account_request, by=None, notify=notify)
    except ActivationLetterUnaddressable:
        # No postal address to send the proof to: staff decide, in a transaction of its own.
        account_request.checks = [
            *account_request.checks,
            {
                "code": "sirene_address",
                "label": "Adresse postale connue du répertoire SIRENE",
                "passed": False,
                "detail": "",
            },
        ]
        AccountRequest.objects.filter(pk=account_request.pk).update(checks=account_request.checks)
        return account_request
    except EstablishmentAlreadyHasSpace:
        # Another request created the space meanwhile: record it for staff, in a transaction of its own.
        account_request.checks = [
            {**check, "passed": False} if check["code"] == "no_space_yet" else check for check in account_request.checks
        ]
        AccountRequest.objects.filter(pk=account_request.pk).update(checks=account_request.checks)
        return account_request


def _fiche_of(account_request: AccountRequest) -> dict:
    """The fiche établissement a request gives: its establishment fields, and its user as personne à contacter
    (as step 2 says); what the request does not ask (effectif, code NAF, IDCC) is left to fill."""
    return {
        **{name: getattr(account_request, name) for name in ESTABLISHMENT_IDENTITY_FIELDS},
        "telephone": account_request.telephone_etablissement,
        "fax": account_request.fax,
        "courriel": account_request.courriel_etablissement,
        "contact_nom": account_request.nom,
        "contact_prenom": account_request.prenom,
        "contact_telephone": account_request.telephone,
        "contact_courriel": account_request.courriel,
    }


def _establishment_for(account_request: AccountRequest, *, automatic: bool) -> Establishment:
    """The request's establishment: created from it (`_fiche_of`), or the existing one."""
    establishment = Establishment.objects.filter(siret=account_request.siret).first()
    if establishment is None:
        try:
            return establishment_create(siret=account_request.siret, **_fiche_of(account_request))
        except IntegrityError:  # a concurrent request created the same SIRET
            establishment = Establishment.objects.get(siret=account_request.siret)
            if automatic:  # two claims at the same moment: staff decide which is the employer
                raise EstablishmentAlreadyHasSpace(account_request.siret) from None
    # Automatic approval never attaches a stranger to a vérifié space; a habilitated user's request may. A space
    # still non vérifié may be claimed again: each claimant gets a letter, and the first code typed wins.
    if automatic and establishment.is_verified and not is_habilitated_on(account_request.requested_by, establishment):
        raise EstablishmentAlreadyHasSpace(account_request.siret)
    return establishment


def _person_of(account_request: AccountRequest) -> Person:
    return Person(
        nom=account_request.nom,
        prenom=account_request.prenom,
        courriel=account_request.courriel,
        telephone=account_request.telephone,
        secret_question=account_request.secret_question,
        secret_answer_hash=account_request.secret_answer_hash,
    )


def account_request_approve(
    *, account_request: AccountRequest, by=None, valid_from: datetime.date | None = None, notify: bool = True
) -> AccountRequest:
    """Create what the request asks for, in one transaction: account, establishment, habilitation, e-mails, and
    a line in the journal. `by=None` is the automatic approval. A request no longer pending is returned as it is.
    The establishment becomes vérifié only when `by` may verify establishments; otherwise a claimant gets an
    activation letter (ActivationLetterUnaddressable, nothing written, when SIRENE knows no address).
    `notify=False`: no account e-mail (a batch of the logged-in user sends one summary at its end).
    """
    password = None
    if account_request.status == AccountRequestStatus.PENDING and user_for_courriel(account_request.courriel) is None:
        password = TemporaryPassword.generate()  # before any lock is taken
    return _account_request_approve(
        account_request=account_request, by=by, valid_from=valid_from, password=password, notify=notify
    )


@transaction.atomic
def _account_request_approve(*, account_request, by, valid_from, password, notify=True) -> AccountRequest:
    account_request = AccountRequest.objects.select_for_update(of=("self",)).get(pk=account_request.pk)
    if account_request.status != AccountRequestStatus.PENDING:
        return account_request
    establishment = _establishment_for(account_request, automatic=by is None)
    user = user_for_courriel(account_request.courriel)
    case = account_case_for(user)
    created = False
    if user is None:
        user, created = user_create_for(_person_of(account_request), password=password or TemporaryPassword.generate())
        if not created:  # the same person was just created by a concurrent request
            case = account_case_for(user)
    if establishment.fiche_updated_by_id is None and not establishment.habilitations.exists():
        # Created from this request (or a space nobody holds): the fiche holds this person's values.
        establishment.fiche_updated_by = user
        establishment.save(update_fields=["fiche_updated_by"])
    valid_from = valid_from or account_request.valid_from or timezone.localdate()
    habilitation = habilitation_grant(user=user, establishment=establishment, valid_from=valid_from)
    # Staff who may verify establishments checked it: vérifié, no letter (the approval's line of the journal says so).
    # Any other approver (an « Agent ASP ») settles the account, not the employer's proof: a letter, as automatically.
    staff_verifies = by is not None and by.has_perm("habilitations.verify_establishment")
    if staff_verifies:
        establishment = establishment_verify(establishment=establishment, by=by, journal=False)
    letter = None
    if not staff_verifies and not establishment.is_verified and account_request.requested_by is None:
        # A claimant (not a colleague asked for by a holder): the proof comes by post, to the SIRENE address.
        letter = activation_letter_issue(
            establishment=establishment,
            user=user,
            account_request=account_request,
            sirene_data=account_request.sirene_data,
        )
    if notify and case != AccountRequestCase.EXISTING_APART:  # cas n°2: no e-mail, the seeds say
        account_emails_send(
            user=user,
            habilitation=habilitation,
            password=password.clear if created and password else None,
            new_account=created,
        )
    account_request.status = AccountRequestStatus.APPROVED
    account_request.case = case
    account_request.user = user
    account_request.establishment = establishment
    account_request.valid_from = habilitation.valid_from
    account_request.processed_at = timezone.now()
    account_request.processed_by = by
    account_request.save()
    audit_record(
        actor=by,
        action=StaffActionKind.ACCOUNT_REQUEST_APPROVE,
        summary=(
            f"Demande {account_request.reference} validée{' automatiquement' if by is None else ''} : "
            f"{user.identifiant} habilité sur {establishment.siret} {_dates(habilitation)} "
            f"({case.label})" + (" ; établissement non vérifié : courrier d'activation à imprimer" if letter else "")
        ),
        subject=account_request,
        target_user=user,
        siret=establishment.siret,
        case=case.value,
        failed_checks=[check["code"] for check in account_request.failed_checks],
        activation_letter=letter.pk if letter else None,
    )
    return account_request


@transaction.atomic
def account_request_reject(*, account_request: AccountRequest, by, reason: str) -> AccountRequest:
    account_request = AccountRequest.objects.select_for_update(of=("self",)).get(pk=account_request.pk)
    if account_request.status != AccountRequestStatus.PENDING:
        return account_request
    account_request.status = AccountRequestStatus.REJECTED
    account_request.rejection_reason = reason.strip()
    account_request.processed_at = timezone.now()
    account_request.processed_by = by
    account_request.save()
    email_enqueue(
        kind="demande_refusee",
        to=account_request.courriel,
        context={"account_request": account_request, "site_url": settings.SITE_URL},
    )
    audit_record(
        actor=by,
        action=StaffActionKind.ACCOUNT_REQUEST_REJECT,
        summary=f"Demande {account_request.reference} refusée : {account_request.rejection_reason}",
        subject=account_request,
        siret=account_request.siret,
    )
    return account_request


def account_request_habilitation(account_request: AccountRequest) -> Habilitation | None:
    """The APART habilitation an approved request gave."""
    if account_request.status != AccountRequestStatus.APPROVED:
        return None
    return Habilitation.objects.filter(
        user=account_request.user_id,
        establishment=account_request.establishment_id,
        extranet__code=ExtranetCode.APART,
    ).first()


def colleague_account_request_submit(
    *, requested_by, establishment: Establishment, user_fields: dict, secret_answer: str
) -> AccountRequest:
    """DEMANDE CRÉATION DE COMPTE: the same processing, e-mails and cases as CRÉER MON ESPACE."""
    try:
        result = sirene_lookup(establishment.siret)
    except SireneUnavailable:
        sirene_status, sirene_data = SireneStatus.UNAVAILABLE, None
    else:
        sirene_status = SireneStatus.FOUND if result else SireneStatus.UNAVAILABLE
        sirene_data = asdict(result) if result else None
    establishment_fields = {
        "siret": establishment.siret,
        "telephone_etablissement": establishment.telephone,
        "courriel_etablissement": establishment.courriel,
        "fax": establishment.fax,
        **{name: getattr(establishment, name) for name in ESTABLISHMENT_IDENTITY_FIELDS},
    }
    account_request = account_request_submit(
        establishment_fields=establishment_fields,
        user_fields=user_fields,
        secret_answer=secret_answer,
        sirene_status=sirene_status,
        sirene_data=sirene_data,
        requested_by=requested_by,
    )
    return account_request_process_automatically(account_request=account_request)


# --- Establishments vérifiés: the activation code sent by post -------------------------------------------------

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read on paper is typed right.
ACTIVATION_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
ACTIVATION_CODE_LENGTH = 8


def activation_code_generate() -> str:
    return "".join(secrets.choice(ACTIVATION_CODE_ALPHABET) for _ in range(ACTIVATION_CODE_LENGTH))


# The code's fingerprint: a keyed HMAC, not a slow password hash. The code is random, tried 5 times at most and
# valid 30 days: a slow hash would add nothing online, and offline a keyed HMAC cannot be brute-forced from the
# database alone (Argon2 over 8 characters could). It also costs microseconds, where a batch of 2 000 letters
# spent 7 minutes hashing. Letters written before keep their Argon2 hash, still checked.
ACTIVATION_CODE_HMAC_PREFIX = "hmac-sha256$"
ACTIVATION_CODE_HMAC_SALT = "habilitations.activation_code"


def activation_code_fingerprint(code: str, *, secret: str | None = None) -> str:
    digest = salted_hmac(ACTIVATION_CODE_HMAC_SALT, code, secret=secret, algorithm="sha256").hexdigest()
    return ACTIVATION_CODE_HMAC_PREFIX + digest


def activation_code_matches(code: str, fingerprint: str) -> bool:
    """The typed code (normalised) against the letter's fingerprint: the HMAC under the current SECRET_KEY or one
    of its fallbacks (a rotation does not void the letters in the post), or an older letter's password hash."""
    if not fingerprint.startswith(ACTIVATION_CODE_HMAC_PREFIX):
        return check_password(code, fingerprint)
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        constant_time_compare(activation_code_fingerprint(code, secret=secret), fingerprint) for secret in secrets_
    )


def activation_code_normalize(typed: str) -> str:
    """What the user typed, as the code is written: upper case, without spaces nor dashes."""
    return "".join(char for char in (typed or "").upper() if char.isalnum())


def sirene_address_lines(sirene: dict, *, denomination: str = "") -> list[str]:
    """The postal address of an establishment as SIRENE gives it (a SireneResult as a dict)."""
    from referentiels.enums import indice_repetition_label, type_voie_label

    voie = " ".join(
        part
        for part in (
            sirene.get("numero_voie", ""),
            indice_repetition_label(sirene.get("indice_repetition", "") or ""),
            type_voie_label(sirene.get("type_voie", "") or ""),
            sirene.get("libelle_voie", ""),
        )
        if part
    )
    ville = " ".join(part for part in (sirene.get("code_postal", ""), sirene.get("libelle_commune", "")) if part)
    lines = [
        sirene.get("denomination") or denomination,
        sirene.get("enseigne", ""),
        sirene.get("complement_adresse", ""),
    ]
    return [line.strip() for line in (*lines, voie, ville) if line and line.strip()]


def _sirene_data_now(siret: str, fallback: dict | None) -> dict:
    """SIRENE's data for the letter's address, looked up now (the address may have moved); the request's copy
    when SIRENE cannot answer."""
    try:
        result = sirene_lookup(siret)
    except SireneUnavailable:
        result = None
    return asdict(result) if result else dict(fallback or {})


class ActivationLetterUnaddressable(Exception):
    """SIRENE gives no postal address for this establishment: staff must verify it themselves."""


@transaction.atomic
def activation_letter_issue(
    *,
    establishment: Establishment,
    user,
    account_request=None,
    sirene_data: dict | None = None,
    by=None,
    code: str | None = None,
) -> ActivationLetter:
    """A new letter for `user` on `establishment`, addressed to its SIRENE address; the user's previous open
    letter on it is replaced (a lost, expired or locked one). Printed by `activation_letters`.

    `by`: the agent who asked for a new letter, recorded in the journal (the first letter of an automatic approval
    is told by the approval's line). `code`: a known code, for the demo data only; random otherwise."""
    sirene = _sirene_data_now(establishment.siret, sirene_data)
    if not (sirene.get("libelle_voie") or sirene.get("complement_adresse")) or not sirene.get("code_postal"):
        raise ActivationLetterUnaddressable(establishment.siret)
    lines = sirene_address_lines(sirene, denomination=establishment.denomination)
    now = timezone.now()
    ActivationLetter.objects.open().filter(establishment=establishment, user=user).update(
        cancelled_at=now, code_sealed=""
    )
    code = code or activation_code_generate()
    letter = ActivationLetter.objects.create(
        establishment=establishment,
        user=user,
        account_request=account_request,
        recipient="\n".join(lines),
        code_hash=activation_code_fingerprint(code),
        code_sealed=seal(code),
        created_at=now,
        expires_at=now + ACTIVATION_CODE_VALIDITY,
    )
    if by is None:
        return letter
    audit_record(
        actor=by,
        action=StaffActionKind.ACTIVATION_LETTER_ISSUE,
        summary=(
            f"Courrier d'activation pour {user.identifiant} sur {establishment.siret}, "
            f"valable jusqu'au {timezone.localtime(letter.expires_at):%d/%m/%Y}"
        ),
        subject=letter,
        target_user=user,
        siret=establishment.siret,
    )
    return letter


def activation_letter_code(letter: ActivationLetter) -> str | None:
    """The clear code of a letter not printed yet; None once printed (or unreadable)."""
    if not letter.code_sealed:
        return None
    try:
        return unseal(letter.code_sealed)
    except SecretUnreadable:
        return None


def activation_letter_mark_exported(*, letter: ActivationLetter) -> bool:
    """The PDF is written: the clear code is wiped. False when another run exported it meanwhile."""
    return bool(
        ActivationLetter.objects.filter(pk=letter.pk, exported_at__isnull=True).update(
            exported_at=timezone.now(), code_sealed=""
        )
    )


def _end_losers(*, establishment: Establishment, winner) -> list[HabilitationEnd]:
    """The claimants whose letter lost (and the colleagues they asked accounts for) leave the establishment;
    each is told by e-mail. Their letters are cancelled."""
    now = timezone.now()
    letters = ActivationLetter.objects.open().filter(establishment=establishment).exclude(user=winner)
    claimants = set(letters.values_list("user", flat=True))
    letters.update(cancelled_at=now, code_sealed="")
    colleagues = set(
        AccountRequest.objects.filter(
            establishment=establishment, status=AccountRequestStatus.APPROVED, requested_by__in=claimants
        ).values_list("user", flat=True)
    )
    losers = (claimants | colleagues) - {winner.pk, None}
    ended = []
    for habilitation in (
        Habilitation.objects.for_extranet(ExtranetCode.APART)
        .filter(establishment=establishment, user__in=losers, valid_until__gte=timezone.localdate())
        .select_related("user", "establishment")
    ):
        ended.append(habilitation_end(habilitation=habilitation, by=None, notify=False))
        email_enqueue(
            kind="etablissement_verifie_par_un_autre",
            to=habilitation.user.courriel,
            context={"user": habilitation.user, "establishment": establishment, "site_url": settings.SITE_URL},
        )
    return ended


def _fiche_reset_for_winner(*, establishment: Establishment, letter: ActivationLetter) -> None:
    """The winner of the code does not inherit another claimant's fiche: unless its values came from the winner,
    a colleague of his, or staff, the fiche goes back to what the winner's own account request gave (SIRENE's
    name and address as prefilled, his contact details), effectif, code NAF and IDCC to fill again."""
    winner = letter.user
    source = establishment.fiche_updated_by
    if source is not None and (
        source.is_staff or fiche_claimant_of(user_id=source.pk, establishment=establishment) == winner.pk
    ):
        return
    account_request = (
        letter.account_request
        or AccountRequest.objects.filter(
            establishment=establishment, user=winner, status=AccountRequestStatus.APPROVED, requested_by__isnull=True
        )
        .order_by("-processed_at")
        .first()
    )
    if account_request is not None:
        values = _fiche_of(account_request)
    else:  # a letter issued by staff without a request: the name and address stay, the contact is the winner
        values = dict.fromkeys(FICHE_CONTACT_FIELDS, "") | {
            "contact_nom": winner.nom,
            "contact_prenom": winner.prenom,
            "contact_telephone": winner.telephone,
            "contact_courriel": winner.courriel,
        }
    values |= {"effectif": None, "code_naf": "", "idcc": ""}
    for name, value in values.items():
        setattr(establishment, name, value)
    establishment.fiche_updated_by = winner
    establishment.save()
    establishment.refresh_from_db(fields=["fiche_complete"])


@transaction.atomic
def establishment_verify(
    *, establishment: Establishment, by=None, about=None, letter: ActivationLetter | None = None, journal: bool = True
) -> Establishment:
    """Make an establishment vérifié: by its activation code (`letter`, typed by its claimant, who wins: the
    other claimants are ended and told) or by staff (`by`). Already vérifié: nothing changes."""
    establishment = Establishment.objects.select_for_update().get(pk=establishment.pk)
    if establishment.is_verified:
        return establishment
    now = timezone.now()
    establishment.verification = EstablishmentVerification.CODE if letter else EstablishmentVerification.STAFF
    establishment.verified_at = now
    establishment.save(update_fields=["verification", "verified_at", "updated_at"])
    ended = []
    if letter is not None:
        ActivationLetter.objects.filter(pk=letter.pk).update(used_at=now, code_sealed="")
        ended = _end_losers(establishment=establishment, winner=letter.user)
        _fiche_reset_for_winner(establishment=establishment, letter=letter)
    else:
        # Staff vouch for the establishment as it is: the letters still to type are no longer needed.
        ActivationLetter.objects.open().filter(establishment=establishment).update(cancelled_at=now, code_sealed="")
    how = f"par le code d'activation saisi par {letter.user.identifiant}" if letter else "par un agent"
    if not journal:
        return establishment
    audit_record(
        actor=by,
        action=StaffActionKind.ESTABLISHMENT_VERIFY,
        summary=(
            f"Établissement {establishment.siret} vérifié {how}"
            + (f" ; habilitation(s) terminée(s) : {', '.join(item.identifiant for item in ended)}" if ended else "")
        ),
        subject=about or establishment,
        target_user=letter.user if letter else None,
        siret=establishment.siret,
        verification=establishment.verification,
        ended=[item.as_json() for item in ended],
    )
    return establishment


class ActivationCodeRefused(Exception):
    """The code typed is not accepted; `message` says why, in French, for the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


ACTIVATION_NO_LETTER = (
    "Aucun courrier d'activation en cours pour vous sur cet établissement. Demandez-en un nouveau à l'assistance."
)
ACTIVATION_LOCKED = (
    "Ce code d'activation est bloqué après 5 essais erronés. Demandez un nouveau courrier d'activation à "
    "l'assistance de l'ASP."
)
ACTIVATION_EXPIRED = (
    "Ce code d'activation a expiré le {date} (validité de 30 jours). Demandez un nouveau courrier d'activation à "
    "l'assistance de l'ASP."
)
ACTIVATION_TOO_LATE = "Cet établissement a déjà été vérifié par un autre demandeur, qui a saisi son code avant vous."
ACTIVATION_WRONG = "Ce code d'activation est incorrect. Il vous reste {left} essai{plural}."


def activation_code_submit(*, establishment: Establishment, user, code: str) -> Establishment:
    """The claimant types the code of their letter. Raises ActivationCodeRefused with the message to show.

    A try is consumed before the code is compared, by one UPDATE … WHERE failed_tries < 5 committed on its own:
    concurrent guesses cannot make a sixth; the right code gives it back (the letter is used anyway)."""
    letter = ActivationLetter.objects.open().filter(establishment=establishment, user=user).first()
    if letter is None:
        raise ActivationCodeRefused(ACTIVATION_NO_LETTER)
    if letter.is_locked:
        raise ActivationCodeRefused(ACTIVATION_LOCKED)
    if letter.is_expired():
        raise ActivationCodeRefused(ACTIVATION_EXPIRED.format(date=f"{timezone.localtime(letter.expires_at):%d/%m/%Y}"))
    with transaction.atomic():
        consumed = ActivationLetter.objects.filter(
            pk=letter.pk, failed_tries__lt=ACTIVATION_CODE_MAX_TRIES, used_at__isnull=True, cancelled_at__isnull=True
        ).update(failed_tries=F("failed_tries") + 1)
    if not consumed:
        letter.refresh_from_db()
        raise ActivationCodeRefused(ACTIVATION_LOCKED if letter.is_locked else ACTIVATION_NO_LETTER)
    if not activation_code_matches(activation_code_normalize(code), letter.code_hash):
        letter.refresh_from_db(fields=["failed_tries"])
        if letter.is_locked:
            raise ActivationCodeRefused(ACTIVATION_LOCKED)
        left = ACTIVATION_CODE_MAX_TRIES - letter.failed_tries
        raise ActivationCodeRefused(ACTIVATION_WRONG.format(left=left, plural="s" if left > 1 else ""))
    with transaction.atomic():
        ActivationLetter.objects.filter(pk=letter.pk).update(failed_tries=F("failed_tries") - 1)
        establishment = establishment_verify(establishment=establishment, letter=letter)
    if not ActivationLetter.objects.filter(pk=letter.pk, used_at__isnull=False).exists():
        raise ActivationCodeRefused(ACTIVATION_TOO_LATE)  # another claimant's code was typed first
    return establishment


# --- Coordonnées bancaires ------------------------------------------------------------------------------------


class EstablishmentNotVerified(Exception):
    """Nothing goes to the administration for an establishment still non vérifié."""


@transaction.atomic
def bank_details_save(*, establishment: Establishment, by, iban: str, bic: str, titulaire: str) -> BankDetails:
    """Save the establishment's bank details (checked by the form), with a line in the journal. Refused while the
    establishment is non vérifié (raises EstablishmentNotVerified)."""
    establishment = Establishment.objects.select_for_update().get(pk=establishment.pk)
    if not establishment.is_verified:
        raise EstablishmentNotVerified(establishment.siret)
    details, created = BankDetails.objects.update_or_create(
        establishment=establishment, defaults={"iban": iban, "bic": bic, "titulaire": titulaire, "updated_by": by}
    )
    audit_record(
        actor=by,
        action=StaffActionKind.BANK_DETAILS_UPDATE,
        summary=(
            f"Coordonnées bancaires de {establishment.siret} {'enregistrées' if created else 'modifiées'} "
            f"(IBAN se terminant par {iban[-4:]})"
        ),
        subject=details,
        siret=establishment.siret,
    )
    return details


# --- Demande d'habilitation en masse ---------------------------------------------------------------------------

BATCH_CHUNK_SIZE = 50  # lines between two updates of the batch's counts (what the progress page shows)

BATCH_SPACE_EXISTS = (
    "Un espace existe déjà pour cet établissement (vérifié) : demandez à son titulaire un compte (DEMANDE "
    "CRÉATION DE COMPTE) ou, si vous êtes son expert-comptable, déclarez votre contrat de prestation."
)
BATCH_SIRET_UNKNOWN = "Ce numéro de Siret est inconnu du répertoire SIRENE de l'INSEE."
BATCH_SIRET_CLOSED = "Cet établissement est fermé selon le répertoire SIRENE de l'INSEE."
BATCH_NON_DIFFUSIBLE = (
    "Établissement non diffusible dans le répertoire SIRENE : faites la demande par CRÉER MON ESPACE, qui vous "
    "laisse saisir sa fiche."
)
BATCH_SIRENE_UNAVAILABLE = (
    "Le répertoire SIRENE n'a pas répondu : rien n'a été demandé pour cette ligne, renvoyez-la plus tard."
)
BATCH_SIRENE_INCOMPLETE = (
    "Le répertoire SIRENE ne donne pas la dénomination et l'adresse complètes de cet établissement : faites la "
    "demande par CRÉER MON ESPACE, qui vous laisse les saisir."
)

BATCH_LINE_ERROR = (
    "Cette ligne n'a pas pu être traitée (erreur technique) : rien n'a été demandé pour elle, renvoyez-la plus tard."
)


class BatchInputRefused(Exception):
    """The batch's input cannot be read: `field` (the form's field) and `message` say why, in French."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@transaction.atomic
def habilitation_batch_submit(*, user, sirets_text: str | None = None, fichier=None) -> HabilitationBatch:
    """A « Demande d'habilitation en masse » of `user` (logged in): the SIRETs typed one per line, or a CSV file.

    Each line is stored with its SIRET normalised; a line that is not a SIRET (or repeats one) is refused at once,
    with its reason. The processing (`habilitation_batch_process`) is queued after commit. The same input sent again
    while its batch is not finished (a double click) returns that batch; once finished, it makes a new batch whose
    lines find the work done (« Déjà habilité », « Déjà demandé ») and create nothing. Raises BatchInputRefused.
    """
    try:
        parsed = parse_input(sirets_text=sirets_text, fichier=fichier)
    except BatchInputError as error:
        raise BatchInputRefused(error.field, error.message) from None
    User.objects.select_for_update().filter(pk=user.pk).first()  # one submission of a user at a time
    running = (
        HabilitationBatch.objects.filter(user=user, input_hash=parsed.input_hash)
        .exclude(status=HabilitationBatchStatus.DONE)
        .first()
    )
    if running is not None:
        return running
    now = timezone.now()
    batch = HabilitationBatch.objects.create(
        user=user, source=parsed.source, input_hash=parsed.input_hash, total=len(parsed.lines), created_at=now
    )
    HabilitationBatchLine.objects.bulk_create(
        HabilitationBatchLine(
            batch=batch,
            line_number=line.line_number,
            siret_typed=line.siret_typed,
            siret=line.siret,
            **line.contact,
            result=HabilitationBatchResult.REFUSED if line.error else "",
            message=line.error,
            processed_at=now if line.error else None,
        )
        for line in parsed.lines
    )
    _batch_counts_refresh(batch)
    transaction.on_commit(lambda: _batch_queue(batch.pk))
    return batch


def _batch_queue(batch_id: int) -> None:
    from .tasks import process_batch

    try:
        process_batch.delay(batch_id)
    except Exception:  # the broker is down: the periodic task picks the batch up
        logger.warning("Demande en masse %s non mise en file (broker indisponible), elle reste en attente.", batch_id)


def _batch_counts_refresh(batch: HabilitationBatch) -> HabilitationBatch:
    """The batch's counts from its lines, in one query (written per chunk: the progress page reads them)."""
    result = HabilitationBatchResult
    counts = batch.lines.aggregate(
        processed=Count("pk", filter=~Q(result="")),
        created_count=Count("pk", filter=Q(result=result.CREATED)),
        attached_count=Count("pk", filter=Q(result=result.ATTACHED)),
        pending_count=Count("pk", filter=Q(result=result.PENDING)),
        refused_count=Count("pk", filter=Q(result=result.REFUSED)),
        already_count=Count("pk", filter=Q(result__in=[result.ALREADY_HABILITATED, result.ALREADY_REQUESTED])),
    )
    HabilitationBatch.objects.filter(pk=batch.pk).update(**counts, updated_at=timezone.now())
    for name, value in counts.items():
        setattr(batch, name, value)
    return batch


def habilitation_batch_start(*, batch_id: int, chunk_size: int = BATCH_CHUNK_SIZE) -> list[list[int]]:
    """Mark a batch « en cours » and return the ids of its lines still to process, by chunks (none when the
    batch is gone or done)."""
    batch = HabilitationBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status == HabilitationBatchStatus.DONE:
        return []
    HabilitationBatch.objects.filter(pk=batch.pk, status=HabilitationBatchStatus.PENDING).update(
        status=HabilitationBatchStatus.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    todo = list(batch.lines.filter(result="").order_by("line_number").values_list("pk", flat=True))
    return [todo[start : start + chunk_size] for start in range(0, len(todo), chunk_size)] or [[]]


def habilitation_batch_process_lines(*, batch_id: int, line_ids: list[int]) -> HabilitationBatch | None:
    """Process some lines of a batch (a chunk), each as CRÉER MON ESPACE would for its user; write the counts;
    end the batch (and send its summary e-mail) when no line is left. Several chunks may run at once, on several
    workers: a line is taken under a row lock and skipped once it has a result, and the batch ends once."""
    batch = HabilitationBatch.objects.select_related("user").filter(pk=batch_id).first()
    if batch is None or batch.status == HabilitationBatchStatus.DONE:
        return batch
    for line_id in line_ids:
        _batch_line_process(line_id=line_id, user=batch.user)
    _batch_counts_refresh(batch)
    return _batch_finish(batch)


def habilitation_batch_process(*, batch_id: int, chunk_size: int = BATCH_CHUNK_SIZE) -> HabilitationBatch | None:
    """Every line of a batch not processed yet, chunk after chunk in this process, then the summary e-mail. Safe
    to run twice, or beside the chunks of another run."""
    batch = None
    for line_ids in habilitation_batch_start(batch_id=batch_id, chunk_size=chunk_size):
        batch = habilitation_batch_process_lines(batch_id=batch_id, line_ids=line_ids)
    return batch or HabilitationBatch.objects.filter(pk=batch_id).first()


@dataclass(frozen=True)
class _LineOutcome:
    result: str
    message: str = ""
    establishment: Establishment | None = None
    account_request: AccountRequest | None = None


@transaction.atomic
def _batch_line_process(*, line_id: int, user) -> None:
    line = (
        HabilitationBatchLine.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=line_id, result="")
        .first()
    )
    if line is None:  # done meanwhile, or being done by another worker
        return
    try:
        with transaction.atomic():  # a savepoint: what a failing line wrote goes, the batch goes on
            outcome = _batch_line_outcome(line=line, user=user)
    except Exception:
        logger.exception("Demande en masse : ligne %s (Siret %s) en erreur.", line.pk, line.siret)
        outcome = _LineOutcome(HabilitationBatchResult.REFUSED, BATCH_LINE_ERROR)
    line.result = outcome.result
    line.message = outcome.message
    line.establishment = outcome.establishment
    line.account_request = outcome.account_request
    line.processed_at = timezone.now()
    line.save(update_fields=["result", "message", "establishment", "account_request", "processed_at"])


def _batch_line_already(*, siret: str, user, establishment: Establishment | None) -> _LineOutcome | None:
    """What an earlier line (or CRÉER MON ESPACE) did for this SIRET and this user: nothing is asked twice."""
    result = HabilitationBatchResult
    if establishment is not None and is_habilitated_on(user, establishment):
        habilitation = (
            Habilitation.objects.active()
            .for_extranet(ExtranetCode.APART)
            .filter(user=user, establishment=establishment)
            .first()
        )
        until = f" jusqu'au {habilitation.valid_until:%d/%m/%Y}" if habilitation else ""
        return _LineOutcome(result.ALREADY_HABILITATED, f"Vous êtes déjà habilité{until}.", establishment)
    previous = (
        AccountRequest.objects.filter(siret=siret, courriel=normalize_courriel(user.courriel))
        .exclude(status=AccountRequestStatus.APPROVED)
        .order_by("-created_at")
        .first()
    )
    if previous is not None and previous.status == AccountRequestStatus.PENDING:
        return _LineOutcome(
            result.ALREADY_REQUESTED,
            f"Votre demande {previous.reference} attend déjà la validation de l'ASP.",
            establishment,
            previous,
        )
    if previous is not None and previous.status == AccountRequestStatus.REJECTED:
        # Staff said no: a file sent again does not ask again (CRÉER MON ESPACE remains, for a new request).
        return _LineOutcome(
            result.REFUSED,
            f"Votre demande {previous.reference} a été refusée par l'ASP : {previous.rejection_reason}",
            establishment,
            previous,
        )
    return None


def _batch_line_sirene(siret: str) -> tuple[SireneResult | None, str]:
    """SIRENE's establishment, or why the line is refused (CRÉER MON ESPACE's first step)."""
    try:
        sirene = sirene_lookup(siret)
    except SireneNonDiffusible:
        return None, BATCH_NON_DIFFUSIBLE
    except SireneUnavailable:
        return None, BATCH_SIRENE_UNAVAILABLE
    if sirene is None:
        return None, BATCH_SIRET_UNKNOWN
    if not sirene.is_active:
        return None, BATCH_SIRET_CLOSED
    return sirene, ""


def _batch_line_outcome(*, line: HabilitationBatchLine, user) -> _LineOutcome:
    """One SIRET for the logged-in `user`: the checks of CRÉER MON ESPACE's first step, then its request, its
    automatic checks and its automatic approval, without the account's e-mails."""
    result = HabilitationBatchResult
    siret = line.siret
    establishment = Establishment.objects.filter(siret=siret).first()
    existed = establishment is not None
    already = _batch_line_already(siret=siret, user=user, establishment=establishment)
    if already is not None:
        return already
    if establishment is not None and establishment.is_verified:
        return _LineOutcome(result.REFUSED, BATCH_SPACE_EXISTS, establishment)
    sirene, refusal = _batch_line_sirene(siret)
    if sirene is None:
        return _LineOutcome(result.REFUSED, refusal)
    fiche = establishment_fields_from_sirene(sirene).fields
    if not all(fiche.get(name) for name in ("denomination", "libelle_voie", "code_postal", "ville")):
        return _LineOutcome(result.REFUSED, BATCH_SIRENE_INCOMPLETE)
    account_request = account_request_submit(
        establishment_fields={**fiche, "telephone_etablissement": "", "courriel_etablissement": "", "fax": ""},
        user_fields={
            "nom": user.nom,
            "prenom": user.prenom,
            "telephone": user.telephone,
            "courriel": user.courriel,
            "secret_question": user.secret_question,
        },
        secret_answer="",
        secret_answer_encoded=user.secret_answer_hash or "!",
        sirene_status=SireneStatus.FOUND,
        sirene_data=asdict(sirene),
        # The user asks for himself, as a claimant (an activation letter goes to the SIRENE address), not for a
        # colleague: a request by a holder for someone else is what `requested_by` marks.
        requested_by=None,
    )
    account_request = account_request_process_automatically(account_request=account_request, notify=False)
    if account_request.status != AccountRequestStatus.APPROVED:
        failed = "; ".join(check["label"] for check in account_request.failed_checks) or "validation manuelle"
        return _LineOutcome(
            result.PENDING,
            f"Demande {account_request.reference} transmise à l'ASP ({failed}).",
            establishment,
            account_request,
        )
    establishment = account_request.establishment
    contact = {name: value for name, value in line.contact.items() if value}
    if contact:
        establishment = establishment_fiche_update(establishment=establishment, fields=contact, author=user)
    habilitation = account_request_habilitation(account_request)
    message = f"Habilitation {_dates(habilitation)}." if habilitation else ""
    if not establishment.is_verified:
        message += " Établissement non vérifié : son code d'activation part par courrier à son adresse SIRENE."
    return _LineOutcome(result.ATTACHED if existed else result.CREATED, message.strip(), establishment, account_request)


@transaction.atomic
def _batch_finish(batch: HabilitationBatch) -> HabilitationBatch:
    batch = HabilitationBatch.objects.select_for_update(of=("self",)).select_related("user").get(pk=batch.pk)
    if batch.status == HabilitationBatchStatus.DONE or batch.lines.filter(result="").exists():
        return batch  # ended by another run, or lines left to another worker (who will end it)
    _batch_counts_refresh(batch)
    batch.status = HabilitationBatchStatus.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at", "updated_at"])
    email_enqueue(
        kind="habilitations_en_masse",
        to=batch.user.courriel,
        context={"user": batch.user, "batch": batch, "site_url": settings.SITE_URL},
    )
    return batch


def habilitation_batches_resume(*, stale_after: datetime.timedelta = datetime.timedelta(minutes=5)) -> list[int]:
    """The batches whose task was never queued (broker down) or whose worker died: queued again. Lines already
    processed are skipped, so a batch resumed while a worker still runs it is processed once."""
    stale = HabilitationBatch.objects.exclude(status=HabilitationBatchStatus.DONE).filter(
        updated_at__lt=timezone.now() - stale_after
    )
    ids = list(stale.values_list("pk", flat=True))
    for batch_id in ids:
        _batch_queue(batch_id)
    return ids
