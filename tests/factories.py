"""factory-boy factories for the domain's data, with Traits for the states the tests need.

The factories of records that a service creates (an account request with its checks, a ticket with its
e-mails) go through that service, so that a test starts from what the site really stores.
"""

import datetime
import functools
import itertools

import factory
from django.utils import timezone
from stdnum import luhn

from accounts.models import User
from apart.outbox.models import OutboxEmail, OutboxStatus
from habilitations.enums import AccountRequestStatus, EstablishmentVerification, ExtranetCode, SireneStatus
from habilitations.models import AccountRequest, Establishment, Extranet, Habilitation, one_year_after
from referentiels.models import SireneEtablissement, SireneUniteLegale
from support.enums import TicketMotif
from support.models import Ticket

_sirens = itertools.count(100_000_00)


def make_siren() -> str:
    """A new SIREN with a valid Luhn key."""
    base = f"{next(_sirens):08d}"
    return base + luhn.calc_check_digit(base)


def make_siret(siren: str | None = None, nic: int = 1) -> str:
    """A SIRET with a valid Luhn key for `siren` (a new one by default)."""
    base = (siren or make_siren()) + f"{nic:04d}"
    return base + luhn.calc_check_digit(base)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    identifiant = factory.Sequence(lambda n: f"prenom{n}.nom{n}")
    nom = "Menuça"
    prenom = "Gérard"
    courriel = factory.Sequence(lambda n: f"utilisateur{n}@example.fr")
    telephone = "0102030405"
    secret_question = "Quel est le nom de votre premier animal de compagnie ?"

    class Params:
        # Still on the temporary password of its creation e-mail.
        temporary_password = factory.Trait(
            must_change_password=True,
            password_expires_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30)),
        )
        staff = factory.Trait(is_staff=True, is_superuser=True, identifiant=factory.Sequence(lambda n: f"agent{n}.asp"))

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "Mot-de-passe-2026;")
        self.set_secret_answer("Rex")
        if create:
            self.save()


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    siret = factory.LazyFunction(make_siret)
    siren = factory.LazyAttribute(lambda establishment: establishment.siret[:9])
    denomination = factory.Sequence(lambda n: f"ÉTABLISSEMENT {n}")
    numero_voie = "12"
    type_voie = "Rue"
    libelle_voie = "DE LA PAIX"
    code_postal = "75011"
    ville = "Paris 11e Arrondissement"
    telephone = "01 43 00 00 00"
    courriel = "contact@example.fr"
    verification = EstablishmentVerification.STAFF
    verified_at = factory.LazyFunction(timezone.now)

    class Params:
        # Obtained by automatic approval, its activation code not typed yet.
        unverified = factory.Trait(verification="", verified_at=None)
        # Every field of the fiche filled: a DAP can be created.
        complete = factory.Trait(
            contact_nom="Menuça",
            contact_prenom="Gérard",
            contact_telephone="01 02 03 04 05",
            contact_courriel="gerard.menuca@example.fr",
            effectif=12,
            code_naf="10.71C",
        )


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


class HabilitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Habilitation

    user = factory.SubFactory(UserFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    extranet = factory.LazyFunction(lambda: Extranet.objects.for_code(ExtranetCode.APART))
    valid_from = factory.LazyFunction(timezone.localdate)
    valid_until = factory.LazyAttribute(lambda habilitation: one_year_after(habilitation.valid_from))

    class Params:
        expired = factory.Trait(
            valid_from=factory.LazyFunction(lambda: _days(-400)), valid_until=factory.LazyFunction(lambda: _days(-1))
        )
        future = factory.Trait(valid_from=factory.LazyFunction(lambda: _days(10)))
        sylae = factory.Trait(extranet=factory.LazyFunction(lambda: Extranet.objects.for_code(ExtranetCode.SYLAE)))


class SireneUniteLegaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SireneUniteLegale
        django_get_or_create = ["siren"]

    siren = factory.LazyFunction(make_siren)
    denomination = "BOULANGERIE DU CANAL"
    etat_administratif = "A"


class SireneEtablissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SireneEtablissement

    siret = factory.LazyFunction(make_siret)
    siren = factory.LazyAttribute(lambda etablissement: etablissement.siret[:9])
    denomination = "BOULANGERIE DU CANAL"
    numero_voie = "12"
    type_voie = "RUE"
    libelle_voie = "DU FAUBOURG SAINT-ANTOINE"
    code_postal = "75011"
    libelle_commune = "PARIS 11"
    code_commune = "75111"
    etat_administratif = "A"


AUTOMATIC = "automatic"  # AccountRequestFactory(processed=True): the state the automatic processing decides


class AccountRequestFactory(factory.Factory):
    """A CRÉER MON ESPACE request as step 2 submits it (account_request_submit computes its checks).

    Traits: `approved` and `rejected` go on through the services; `processed` is what step 2 does next (the
    automatic processing: approved when every check passes and ACCOUNT_REQUESTS_AUTO_APPROVE is on, else left
    pending); `sirene_unavailable` is a request made while SIRENE could not answer (a check fails, so it waits
    for staff).
    """

    class Meta:
        model = AccountRequest

    siret = factory.LazyFunction(lambda: SireneEtablissementFactory().siret)
    denomination = "BOULANGERIE DU CANAL"
    numero_voie = "12"
    type_voie = "Rue"
    libelle_voie = "DU FAUBOURG SAINT-ANTOINE"
    code_postal = "75011"
    ville = "Paris 11e Arrondissement"
    code_commune = "75111"
    telephone_etablissement = "01 43 00 00 00"
    courriel_etablissement = "contact@boulangerie.fr"
    nom = "Menuça"
    prenom = "Gérard"
    telephone = "06 12 34 56 78"
    courriel = factory.Sequence(lambda n: f"demandeur{n}@example.fr")
    secret_question = "Quelle était la marque de votre première voiture ?"
    secret_answer = "Cylindrée"
    sirene_status = SireneStatus.FOUND
    sirene_data = factory.LazyAttribute(
        lambda request: {
            "siret": request.siret,
            "denomination": "BOULANGERIE DU CANAL",
            "code_postal": "75011",
            "etat_administratif": "A",
        }
    )
    requested_by = None
    etat_civil_confirmed = False
    status = AccountRequestStatus.PENDING  # the state to reach: pending, or approved / rejected by the services

    class Params:
        approved = factory.Trait(status=AccountRequestStatus.APPROVED)
        rejected = factory.Trait(status=AccountRequestStatus.REJECTED)
        processed = factory.Trait(status=AUTOMATIC)
        sirene_unavailable = factory.Trait(sirene_status=SireneStatus.UNAVAILABLE, sirene_data=None)

    _USER_FIELDS = ("nom", "prenom", "telephone", "courriel", "secret_question")
    _CONTROL = ("secret_answer", "sirene_status", "sirene_data", "requested_by", "etat_civil_confirmed", "status")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("AccountRequestFactory crée la demande par le service : utilisez create().")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from habilitations.services import (
            account_request_approve,
            account_request_process_automatically,
            account_request_reject,
            account_request_submit,
        )

        control = {name: kwargs.pop(name) for name in cls._CONTROL}
        user_fields = {name: kwargs.pop(name) for name in cls._USER_FIELDS}
        account_request = account_request_submit(
            establishment_fields=kwargs,
            user_fields=user_fields,
            secret_answer=control["secret_answer"],
            sirene_status=control["sirene_status"],
            sirene_data=control["sirene_data"],
            etat_civil_confirmed=control["etat_civil_confirmed"],
            requested_by=control["requested_by"],
        )
        if control["status"] == AUTOMATIC:
            account_request = account_request_process_automatically(account_request=account_request)
        elif control["status"] == AccountRequestStatus.APPROVED:
            account_request = account_request_approve(account_request=account_request, by=UserFactory(staff=True))
        elif control["status"] == AccountRequestStatus.REJECTED:
            account_request = account_request_reject(
                account_request=account_request, by=UserFactory(staff=True), reason="Siret sans lien avec le demandeur."
            )
        return account_request


class TicketFactory(factory.Factory):
    """A « demande d'assistance » as the form sends it (ticket_create: reference, acknowledgement e-mails)."""

    class Meta:
        model = Ticket

    denomination = "BOULANGERIE DU CANAL"
    nom_prenom = "Durand Claire"
    telephone = "01 02 03 04 05"
    courriel = factory.Sequence(lambda n: f"demandeur{n}@boulangerie.fr")
    motif = TicketMotif.HABILITATION
    description = "L'ancien gérant est parti avec la boîte mail déclarée."
    user = None

    class Params:
        establishment = None  # an Establishment: the ticket is about its SIRET
        other_motif = factory.Trait(motif=TicketMotif.DEMANDE_INDEMNISATION)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("TicketFactory crée la demande par le service : utilisez create().")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from support.services import ticket_create

        return ticket_create(**kwargs)

    @factory.lazy_attribute
    def siret(self):
        return self.establishment.siret if self.establishment is not None else "73282932000074"


class OutboxEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxEmail

    kind = "identifiant"
    to = factory.Sequence(lambda n: f"destinataire{n}@example.fr")
    from_email = "Agence de Services et de Paiement <noreply@asp-public.fr>"
    subject = "Identifiant de connexion à l'Agence de Services et de Paiement (ASP)"
    body_text = "Bonjour,\n"

    class Params:
        sent = factory.Trait(status=OutboxStatus.SENT, attempts=1, sent_at=factory.LazyFunction(timezone.now))
        failed = factory.Trait(status=OutboxStatus.FAILED, attempts=10, last_error="SMTPServerDisconnected: refusé")


@functools.cache
def _shipped_communes():
    from referentiels.codes_postaux import DEFAULT_PATH, read_codes_postaux

    return read_codes_postaux(DEFAULT_PATH)


def load_communes(*codes_postaux: str) -> int:
    """The communes of these codes postaux, from the shipped file (the whole table costs a second and a half)."""
    from referentiels.models import CodePostalCommune

    fields = ("code_postal", "code_commune", "nom_commune", "libelle_acheminement")
    rows = [row for row in _shipped_communes() if row.code_postal in codes_postaux]
    CodePostalCommune.objects.bulk_create(
        [CodePostalCommune(**{field: getattr(row, field) for field in fields}) for row in rows]
    )
    return len(rows)


def two_factor_login(client, user):
    """A session as after the "Code de vérification": the account's TOTP device (created when it has none), the
    session marked verified as django_otp.login() does. The staff fixtures log in with it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Application d'authentification", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def delivered(email: OutboxEmail):
    """The message the outbox row became, as the recipient gets it (secrets filled in): sent now if still pending.
    The row itself holds placeholders only (apart.outbox.placeholders); the test mail backend keeps the message."""
    from django.core import mail

    from apart.outbox.services import outbox_email_send

    def find():
        return next((m for m in mail.outbox if m.extra_headers.get("X-APART-Outbox-Id") == str(email.pk)), None)

    if find() is None:
        outbox_email_send(email_id=email.pk)
    message = find()
    assert message is not None, f"le courriel {email.pk} n'a pas été envoyé"
    return message


def delivered_text(email: OutboxEmail) -> str:
    return delivered(email).body
