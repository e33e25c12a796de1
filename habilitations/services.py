"""Writes on establishments and habilitations: the business operations views, admin and commands call."""

import datetime
import re
import secrets
from dataclasses import asdict

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.credentials import identifiant_base, identifiant_candidates, temporary_password_generate
from accounts.models import TEMPORARY_PASSWORD_VALIDITY, User
from accounts.normalization import normalize_courriel, normalize_secret_answer
from apart.outbox.services import email_enqueue

from .checks import account_request_checks
from .enums import AccountRequestCase, AccountRequestStatus, ExtranetCode, SireneStatus
from .models import AccountRequest, Establishment, EstablishmentIdentity, Extranet, Habilitation, one_year_after
from .perms import is_habilitated_on
from .sirene import SireneUnavailable, sirene_lookup

# The establishment fields an account request carries over to the "fiche établissement" as they are.
ESTABLISHMENT_FIELDS = (*(field.name for field in EstablishmentIdentity._meta.fields), "fax")


@transaction.atomic
def establishment_create(*, siret: str, **fields) -> Establishment:
    establishment = Establishment(siret=siret, siren=siret[:9], **fields)
    establishment.full_clean()
    establishment.save()
    return establishment


@transaction.atomic
def habilitation_grant(
    *,
    user,
    establishment: Establishment,
    extranet_code: str = ExtranetCode.APART,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> Habilitation:
    """Give `user` a right on `establishment` for one extranet, for one year by default.

    An existing habilitation for the same triple is returned unchanged: granting twice is harmless.
    """
    extranet = Extranet.objects.for_code(extranet_code)
    defaults = {}
    if valid_from is not None:
        defaults["valid_from"] = valid_from
        defaults["valid_until"] = valid_until or one_year_after(valid_from)
    habilitation, _created = Habilitation.objects.get_or_create(
        user=user, establishment=establishment, extranet=extranet, defaults=defaults
    )
    return habilitation


# --- Account requests: CRÉER MON ESPACE ----------------------------------------------------------


class EstablishmentAlreadyHasSpace(Exception):
    """An automatic approval found the establishment's space already created: staff must decide."""


def _new_reference() -> str:
    return f"DCC-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


def _user_for_courriel(courriel: str):
    return User.objects.with_courriel(courriel).first()


def _case_for(user) -> str:
    """Cas n°1 (new person), n°2 (already habilitated to APART) or n°3 (ASP account of another extranet)."""
    if user is None:
        return AccountRequestCase.NEW_ACCOUNT
    if user.habilitations.for_extranet(ExtranetCode.APART).exists():
        return AccountRequestCase.EXISTING_APART
    return AccountRequestCase.EXISTING_ASP


def account_request_case(*, courriel: str) -> str:
    return _case_for(_user_for_courriel(courriel))


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
) -> AccountRequest:
    """Store a request with its automatic checks. Approval, automatic or by staff, comes after."""
    account_request = AccountRequest(
        reference=_new_reference(),
        **establishment_fields,
        **{**user_fields, "courriel": normalize_courriel(user_fields["courriel"])},
        sirene_status=sirene_status,
        sirene_data=sirene_data,
        etat_civil_confirmed=etat_civil_confirmed,
        requested_by=requested_by,
    )
    account_request.secret_answer_hash = make_password(normalize_secret_answer(secret_answer))
    existing_user = _user_for_courriel(account_request.courriel)
    account_request.case = _case_for(existing_user)
    account_request.checks = account_request_checks(account_request, existing_user=existing_user)
    account_request.save()
    return account_request


def account_request_process_automatically(*, account_request: AccountRequest) -> AccountRequest:
    """Approve a request that passes every check, when ACCOUNT_REQUESTS_AUTO_APPROVE is on; else leave it to staff."""
    if not settings.ACCOUNT_REQUESTS_AUTO_APPROVE or account_request.failed_checks:
        return account_request
    try:
        return account_request_approve(account_request=account_request, by=None)
    except EstablishmentAlreadyHasSpace:
        # Another request created the space meanwhile: record it for staff, in a transaction of its own.
        account_request.checks = [
            {**check, "passed": False} if check["code"] == "no_space_yet" else check for check in account_request.checks
        ]
        AccountRequest.objects.filter(pk=account_request.pk).update(checks=account_request.checks)
        return account_request


def _establishment_for(account_request: AccountRequest, *, automatic: bool) -> Establishment:
    establishment = Establishment.objects.filter(siret=account_request.siret).first()
    if establishment is None:
        fields = {field: getattr(account_request, field) for field in ESTABLISHMENT_FIELDS}
        try:
            with transaction.atomic():  # a savepoint: a concurrent request may create the same SIRET
                return Establishment.objects.create(
                    siret=account_request.siret,
                    telephone=account_request.telephone_etablissement,
                    courriel=account_request.courriel_etablissement,
                    **fields,
                )
        except IntegrityError:
            establishment = Establishment.objects.get(siret=account_request.siret)
    # Automatic approval never attaches a stranger to an existing space; a habilitated user's request may.
    if automatic and not is_habilitated_on(account_request.requested_by, establishment):
        raise EstablishmentAlreadyHasSpace(account_request.siret)
    return establishment


def _user_create_from_request(account_request: AccountRequest, *, password: str, encoded_password: str):
    """Cas n°1: a new ASP account, its identifiant made unique, with the temporary password already hashed."""
    base = identifiant_base(prenom=account_request.prenom, nom=account_request.nom)
    taken = set(
        User.objects.filter(identifiant__regex=rf"^{re.escape(base)}[0-9]*$").values_list("identifiant", flat=True)
    )
    for identifiant in identifiant_candidates(base):
        if identifiant in taken:
            continue
        user = User(
            identifiant=identifiant,
            courriel=account_request.courriel,
            nom=account_request.nom,
            prenom=account_request.prenom,
            telephone=account_request.telephone,
            secret_question=account_request.secret_question,
            secret_answer_hash=account_request.secret_answer_hash,
            must_change_password=True,
            password_expires_at=timezone.now() + TEMPORARY_PASSWORD_VALIDITY,
        )
        user.password = encoded_password
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            existing = _user_for_courriel(account_request.courriel)
            if existing is not None:  # the same person, created by a concurrent request
                return existing, None
            taken.add(identifiant)  # the identifiant was taken meanwhile: try the next one
            continue
        return user, password


def _send_account_emails(*, user, password: str | None, habilitation: Habilitation, case: str) -> None:
    context = {"user": user, "password": password, "habilitation": habilitation, "site_url": settings.SITE_URL}
    if case == AccountRequestCase.NEW_ACCOUNT:
        email_enqueue(kind="identifiant", to=user.courriel, context=context)
        email_enqueue(kind="mot_de_passe", to=user.courriel, context=context)
    if case in (AccountRequestCase.NEW_ACCOUNT, AccountRequestCase.EXISTING_ASP):
        email_enqueue(kind="habilitation", to=user.courriel, context=context)


def account_request_approve(
    *, account_request: AccountRequest, by=None, valid_from: datetime.date | None = None
) -> AccountRequest:
    """Create what the request asks for, in one transaction: account, establishment, habilitation, e-mails.

    `by=None` is the automatic approval. A request that is no longer pending is returned unchanged.
    """
    # The temporary password of a new person is hashed before any lock is taken: a hash takes ~150 ms.
    password = encoded_password = None
    if account_request.status == AccountRequestStatus.PENDING and _user_for_courriel(account_request.courriel) is None:
        password = temporary_password_generate()
        encoded_password = make_password(password)
    return _account_request_approve(
        account_request=account_request,
        by=by,
        valid_from=valid_from,
        password=password,
        encoded_password=encoded_password,
    )


@transaction.atomic
def _account_request_approve(*, account_request, by, valid_from, password, encoded_password) -> AccountRequest:
    account_request = AccountRequest.objects.select_for_update(of=("self",)).get(pk=account_request.pk)
    if account_request.status != AccountRequestStatus.PENDING:
        return account_request
    establishment = _establishment_for(account_request, automatic=by is None)
    user = _user_for_courriel(account_request.courriel)
    if user is None:
        case = AccountRequestCase.NEW_ACCOUNT
        if encoded_password is None:  # the person's account vanished since the check above
            password = temporary_password_generate()
            encoded_password = make_password(password)
        user, password = _user_create_from_request(
            account_request, password=password, encoded_password=encoded_password
        )
        if password is None:  # the same person was just created by a concurrent request
            case = _case_for(user)
    else:
        password = None
        case = _case_for(user)
    valid_from = valid_from or account_request.valid_from or timezone.localdate()
    habilitation = habilitation_grant(user=user, establishment=establishment, valid_from=valid_from)
    _send_account_emails(user=user, password=password, habilitation=habilitation, case=case)
    account_request.status = AccountRequestStatus.APPROVED
    account_request.case = case
    account_request.user = user
    account_request.establishment = establishment
    account_request.valid_from = habilitation.valid_from
    account_request.processed_at = timezone.now()
    account_request.processed_by = by
    account_request.save()
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
    return account_request


@transaction.atomic
def account_request_resend_emails(*, account_request: AccountRequest, by) -> int:
    """Send an approved request's e-mails again; a new account gets a new temporary password, never the old one.

    Returns the number of e-mails written.
    """
    account_request = AccountRequest.objects.select_for_update(of=("self",)).get(pk=account_request.pk)
    if account_request.status != AccountRequestStatus.APPROVED:
        return 0
    user = account_request.user
    habilitation = Habilitation.objects.get(
        user=user, establishment=account_request.establishment, extranet__code=ExtranetCode.APART
    )
    password = None
    case = account_request.case
    if case == AccountRequestCase.NEW_ACCOUNT:
        password = temporary_password_generate()
        user.set_password(password)
        user.must_change_password = True
        user.password_expires_at = timezone.now() + TEMPORARY_PASSWORD_VALIDITY
        user.save(update_fields=["password", "must_change_password", "password_expires_at", "updated_at"])
    else:
        case = AccountRequestCase.EXISTING_ASP  # the habilitation e-mail alone
    _send_account_emails(user=user, password=password, habilitation=habilitation, case=case)
    return 3 if case == AccountRequestCase.NEW_ACCOUNT else 1


@transaction.atomic
def establishment_fiche_update(*, establishment: Establishment, fields: dict) -> Establishment:
    """Save the fiche établissement; its completeness follows (Establishment.FICHE_REQUIRED_FIELDS)."""
    for name, value in fields.items():
        setattr(establishment, name, value)
    establishment.save()
    return establishment


def colleague_account_request_submit(
    *, requested_by, establishment: Establishment, user_fields: dict, secret_answer: str
):
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
        **{name: getattr(establishment, name) for name in ESTABLISHMENT_FIELDS},
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


# --- Staff actions of the assistance desk (support app): Cas 2.1, Cas n°3, extend, end ---------------


class HabilitationTransferResult:
    """What `habilitation_transfer` did: the new holder, how their account was found, what was ended."""

    def __init__(self, *, habilitation: Habilitation, case: str, account_created: bool, ended: list[dict]):
        self.habilitation = habilitation
        self.user = habilitation.user
        self.case = case
        self.account_created = account_created
        self.ended = ended


def _habilitation_snapshot(habilitation: Habilitation) -> dict:
    return {
        "habilitation": habilitation.pk,
        "identifiant": habilitation.user.identifiant,
        "siret": habilitation.establishment.siret,
        "valid_from": habilitation.valid_from.isoformat(),
        "valid_until": habilitation.valid_until.isoformat(),
    }


def _habilitation_notify(*, kind: str, habilitation: Habilitation, **context) -> None:
    email_enqueue(
        kind=kind,
        to=habilitation.user.courriel,
        context={"user": habilitation.user, "habilitation": habilitation, "site_url": settings.SITE_URL, **context},
    )


@transaction.atomic
def habilitation_end(*, habilitation: Habilitation, notify: bool = True) -> dict:
    """End a habilitation now: it stops working today, on this establishment only.

    A habilitation that had already begun keeps its history and ends yesterday; one that had not begun yet
    (it starts today or later) never took effect and is removed (the valid_until >= valid_from rule forbids
    an end before its start). Returns what it was and what was done, for the audit log.
    """
    habilitation = (
        Habilitation.objects.select_for_update(of=("self",))
        .select_related("user", "establishment", "extranet")
        .get(pk=habilitation.pk)
    )
    snapshot = _habilitation_snapshot(habilitation)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    if habilitation.valid_until < today:
        return {**snapshot, "result": "already_ended"}
    if notify:
        _habilitation_notify(kind="habilitation_terminee", habilitation=habilitation, ended_on=today)
    if habilitation.valid_from <= yesterday:
        habilitation.valid_until = yesterday
        habilitation.save(update_fields=["valid_until", "updated_at"])
        return {**snapshot, "result": "ended", "new_valid_until": yesterday.isoformat()}
    habilitation.delete()
    return {**snapshot, "result": "deleted"}


@transaction.atomic
def habilitation_extend(*, habilitation: Habilitation) -> Habilitation:
    """One more year: from its current end, or from today when it has already expired. The holder is told."""
    habilitation = (
        Habilitation.objects.select_for_update(of=("self",))
        .select_related("user", "establishment", "extranet")
        .get(pk=habilitation.pk)
    )
    today = timezone.localdate()
    habilitation.valid_until = one_year_after(max(habilitation.valid_until, today))
    habilitation.save(update_fields=["valid_until", "updated_at"])
    _habilitation_notify(kind="habilitation_prolongee", habilitation=habilitation)
    return habilitation


def _habilitation_renew(habilitation: Habilitation, *, valid_from: datetime.date) -> Habilitation:
    """A former (ended or expired) or not yet begun habilitation of the same triple, made to run from `valid_from`."""
    if habilitation.is_active(valid_from):
        return habilitation
    habilitation.valid_from = valid_from
    habilitation.valid_until = one_year_after(valid_from)
    habilitation.save(update_fields=["valid_from", "valid_until", "updated_at"])
    return habilitation


@transaction.atomic
def habilitation_transfer(
    *,
    establishment: Establishment,
    nom: str,
    prenom: str,
    courriel: str,
    telephone: str = "",
    end_users=None,
) -> HabilitationTransferResult:
    """Cas 2.1: the previous user left and the declared mailbox is lost; a new person takes the establishment.

    The new person's ASP account is the one with their address, or a new one created as CRÉER MON ESPACE
    does (identifiant, temporary password, secret question chosen at the first connection), with the same
    e-mails. Their APART habilitation on the establishment starts today for one year. The other APART
    habilitations on this establishment (only those of `end_users` when given) end today; their holders'
    habilitations on other establishments are untouched.
    """
    from types import SimpleNamespace

    from accounts.services import user_secret_question_reset

    establishment = Establishment.objects.select_for_update().get(pk=establishment.pk)
    courriel = normalize_courriel(courriel)
    user, password = _user_for_courriel(courriel), None
    if user is None:
        person = SimpleNamespace(
            prenom=prenom, nom=nom, courriel=courriel, telephone=telephone, secret_question="", secret_answer_hash=""
        )
        password = temporary_password_generate()
        user, password = _user_create_from_request(person, password=password, encoded_password=make_password(password))
    account_created = password is not None
    if account_created:
        case = AccountRequestCase.NEW_ACCOUNT
        user = user_secret_question_reset(user=user)  # no secret question yet: chosen at the first connection
    else:
        case = account_request_case(courriel=user.courriel)
    today = timezone.localdate()
    ended = []
    others = (
        Habilitation.objects.for_extranet(ExtranetCode.APART)
        .filter(establishment=establishment, valid_until__gte=today)
        .exclude(user=user)
        .select_related("user")
    )
    for other in others:
        if end_users is None or other.user in end_users:
            ended.append(habilitation_end(habilitation=other))
    habilitation = habilitation_grant(user=user, establishment=establishment, valid_from=today)
    habilitation = _habilitation_renew(habilitation, valid_from=today)
    # An existing account keeps its identifiant and password; the habilitation e-mail always tells the person.
    _send_account_emails(
        user=user,
        password=password,
        habilitation=habilitation,
        case=AccountRequestCase.NEW_ACCOUNT if account_created else AccountRequestCase.EXISTING_ASP,
    )
    return HabilitationTransferResult(
        habilitation=habilitation, case=case, account_created=account_created, ended=ended
    )


@transaction.atomic
def habilitation_account_emails_resend(*, habilitation: Habilitation) -> list:
    """Cas n°3, nothing received: the account e-mails again, with a new temporary password, never the old one.

    A holder who has never connected (still on a temporary password) gets the three e-mails of account
    creation; one who has (their own password, or an account of another ASP extranet) gets the habilitation
    e-mail alone. Returns the outbox rows written.
    """
    from apart.outbox.models import OutboxEmail

    habilitation = Habilitation.objects.select_related("establishment", "extranet").get(pk=habilitation.pk)
    user = User.objects.select_for_update().get(pk=habilitation.user_id)
    habilitation.user = user
    password, case = None, AccountRequestCase.EXISTING_ASP
    if user.must_change_password:
        case = AccountRequestCase.NEW_ACCOUNT
        password = temporary_password_generate()
        user.set_password(password)
        user.password_expires_at = timezone.now() + TEMPORARY_PASSWORD_VALIDITY
        user.save(update_fields=["password", "password_expires_at", "updated_at"])
    last_pk = OutboxEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    _send_account_emails(user=user, password=password, habilitation=habilitation, case=case)
    return list(OutboxEmail.objects.filter(to=user.courriel, pk__gt=last_pk).order_by("pk"))
