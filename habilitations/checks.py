"""The automatic checks run on each account request ("sous 48h au maximum": most need no human)."""

import difflib

from accounts.models import User
from apart.normalization import strip_accents

from .enums import SireneStatus

# Throw-away mailboxes: an ASP account's e-mail receives every notification of the establishment.
DISPOSABLE_DOMAINS = frozenset(
    {
        "yopmail.com",
        "yopmail.fr",
        "yopmail.net",
        "mailinator.com",
        "guerrillamail.com",
        "guerrillamail.net",
        "sharklasers.com",
        "10minutemail.com",
        "10minutemail.net",
        "temp-mail.org",
        "tempmail.com",
        "tempmail.net",
        "trashmail.com",
        "trashmail.fr",
        "jetable.org",
        "jetable.fr.nf",
        "throwawaymail.com",
        "getnada.com",
        "dispostable.com",
        "maildrop.cc",
        "mohmal.com",
        "mailnesia.com",
        "moakt.com",
        "emailondeck.com",
        "fakeinbox.com",
        "spambox.us",
        "mytemp.email",
        "tempr.email",
        "discard.email",
        "33mail.com",
    }
)


def _comparable(value: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in strip_accents(value or "").upper()).split())


def _check(code: str, label: str, passed: bool, detail: str = "") -> dict:
    return {"code": code, "label": label, "passed": passed, "detail": detail}


def denominations_match(typed: str, known: str) -> bool:
    typed, known = _comparable(typed), _comparable(known)
    if not typed or not known:
        return False
    return typed in known or known in typed or difflib.SequenceMatcher(None, typed, known).ratio() >= 0.8


def _space_check(account_request, establishment) -> dict:
    from .perms import is_habilitated_on

    if account_request.requested_by is not None:
        return _check(
            "requester_habilitated",
            "Demande faite par un utilisateur habilité sur cet établissement",
            establishment is not None and is_habilitated_on(account_request.requested_by, establishment),
            str(account_request.requested_by),
        )
    # A space still non vérifié may be claimed again: the activation letters decide who keeps it.
    return _check(
        "no_space_yet",
        "L'établissement n'a pas encore d'espace",
        establishment is None or not establishment.is_verified,
        "espace existant non vérifié : un courrier d'activation départagera les demandeurs"
        if establishment is not None and not establishment.is_verified
        else "",
    )


def account_request_checks(account_request, *, existing_user: User | None) -> list[dict]:
    """Every automatic check of a request, passed or not, with what staff need to judge it."""
    from .models import AccountRequest, Establishment

    sirene = account_request.sirene_data or {}
    found = account_request.sirene_status == SireneStatus.FOUND
    checks = [
        _check(
            "sirene_active",
            "Siret actif dans le répertoire SIRENE",
            found and sirene.get("etat_administratif") != "F",
            "" if found else account_request.get_sirene_status_display(),
        ),
        _check(
            "denomination",
            "Dénomination cohérente avec SIRENE",
            found and denominations_match(account_request.denomination, sirene.get("denomination", "")),
            f"saisie : {account_request.denomination} ; SIRENE : {sirene.get('denomination', '—')}",
        ),
        _check(
            "code_postal",
            "Code postal cohérent avec SIRENE",
            found and account_request.code_postal == sirene.get("code_postal"),
            f"saisi : {account_request.code_postal} ; SIRENE : {sirene.get('code_postal', '—')}",
        ),
        _check(
            "no_open_request",
            "Aucune autre demande en cours pour ce Siret",
            not AccountRequest.objects.pending()
            .filter(siret=account_request.siret)
            .exclude(pk=account_request.pk)
            .exists(),
        ),
        _space_check(account_request, Establishment.objects.filter(siret=account_request.siret).first()),
        _check(
            "courriel",
            "Courriel durable (pas une adresse jetable)",
            account_request.courriel.rsplit("@", 1)[-1] not in DISPOSABLE_DOMAINS,
            account_request.courriel.rsplit("@", 1)[-1],
        ),
    ]
    if existing_user is not None:
        same_person = _comparable(existing_user.nom) == _comparable(account_request.nom) and _comparable(
            existing_user.prenom
        ) == _comparable(account_request.prenom)
        checks.append(
            _check(
                "identity",
                "Nom et prénom identiques à ceux du compte ASP existant",
                same_person,
                f"Compte existant : {existing_user.prenom} {existing_user.nom}",
            )
        )
    return checks
