import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Substr
from django.utils import timezone

from referentiels.validators import SIRET_REGEX, validate_siren, validate_siret

from .enums import (
    AccountRequestCase,
    AccountRequestStatus,
    EstablishmentVerification,
    ExtranetCode,
    HabilitationBatchResult,
    HabilitationBatchStatus,
    SireneStatus,
)

LIBELLE_VOIE_MAX_LENGTH = 28  # the seeds: "libellé de la voie" is limited to 28 characters
COMPLEMENT_ADRESSE_MAX_LENGTH = 38  # and "complément d'adresse" to 38


def one_year_after(day: datetime.date) -> datetime.date:
    """The default end of a habilitation: the same day one year later (28 February for a 29th)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


class ExtranetManager(models.Manager):
    def for_code(self, code: str) -> "Extranet":
        """The extranet of `code`, recreated from its label if the reference rows were removed."""
        extranet, _created = self.get_or_create(code=code, defaults={"name": ExtranetCode(code).label})
        return extranet


class Extranet(models.Model):
    """An ASP extranet that shares the ASP user accounts."""

    code = models.CharField("code", max_length=32, unique=True, choices=ExtranetCode.choices)
    name = models.CharField("nom", max_length=100)

    objects = ExtranetManager()

    class Meta:
        verbose_name = "extranet ASP"
        verbose_name_plural = "extranets ASP"
        ordering = ["name"]

    def __str__(self):
        return self.name


class EstablishmentIdentity(models.Model):
    """The establishment's name and address, as the account form has them (and the fiche keeps them)."""

    denomination = models.CharField("dénomination de l'établissement", max_length=255)
    enseigne = models.CharField(
        "enseigne", max_length=100, blank=True, help_text="Le nom commercial de l'établissement (SIRENE)."
    )
    numero_voie = models.CharField("numéro de voie", max_length=10, blank=True)
    extension_voie = models.CharField("extension de voie", max_length=20, blank=True)
    type_voie = models.CharField("type de voie", max_length=40, blank=True)
    libelle_voie = models.CharField("libellé de la voie", max_length=LIBELLE_VOIE_MAX_LENGTH)
    complement_adresse = models.CharField("complément d'adresse", max_length=COMPLEMENT_ADRESSE_MAX_LENGTH, blank=True)
    code_postal = models.CharField("code postal", max_length=5)
    ville = models.CharField("ville", max_length=100)
    code_commune = models.CharField("code commune INSEE", max_length=5, blank=True)

    class Meta:
        abstract = True


# What an account request carries over to the fiche établissement as it is.
ESTABLISHMENT_IDENTITY_FIELDS = tuple(field.name for field in EstablishmentIdentity._meta.fields)


# The fiche's contact details: shown, while the establishment is non vérifié, only to the side they came from.
FICHE_CONTACT_FIELDS = (
    "telephone",
    "fax",
    "courriel",
    "contact_nom",
    "contact_prenom",
    "contact_telephone",
    "contact_courriel",
)


# The rule of completeness of the fiche établissement: a DAP can be created only when every one is filled.
FICHE_REQUIRED_FIELDS = (
    "denomination",
    "libelle_voie",
    "code_postal",
    "ville",
    "telephone",
    "courriel",
    "contact_nom",
    "contact_prenom",
    "contact_telephone",
    "contact_courriel",
    "effectif",
    "code_naf",
)


def _fiche_complete_expression(names: tuple[str, ...]) -> Q:
    condition = Q()
    for name in names:
        condition &= Q(**{f"{name}__isnull": False}) if name == "effectif" else ~Q(**{name: ""})
    return condition


class Establishment(EstablishmentIdentity):
    """An establishment (SIRET) that has an APART space, with its "fiche établissement"."""

    siret = models.CharField(
        "N° de Siret",
        max_length=14,
        unique=True,
        validators=[validate_siret],
        error_messages={"unique": "Cet établissement dispose déjà d'un espace."},
    )
    siren = models.CharField("N° de Siren", max_length=9, validators=[validate_siren], editable=False)
    telephone = models.CharField("téléphone fixe", max_length=20, blank=True)
    fax = models.CharField("fax", max_length=20, blank=True)
    courriel = models.EmailField("courriel établissement", blank=True)
    # Personne à contacter et informations complémentaires, which complete the fiche.
    contact_nom = models.CharField("nom de la personne à contacter", max_length=100, blank=True)
    contact_prenom = models.CharField("prénom de la personne à contacter", max_length=100, blank=True)
    contact_telephone = models.CharField("téléphone de la personne à contacter", max_length=20, blank=True)
    contact_courriel = models.EmailField("courriel de la personne à contacter", blank=True)
    effectif = models.PositiveIntegerField("effectif salarié de l'établissement", null=True, blank=True)
    code_naf = models.CharField(
        "code APE / NAF", max_length=6, blank=True, help_text="Activité principale, par exemple 10.71C"
    )
    idcc = models.CharField(
        "convention collective (IDCC)", max_length=4, blank=True, help_text="Facultatif, 4 chiffres"
    )
    # Derived by the database from FICHE_REQUIRED_FIELDS, so that no write (a queryset update() included)
    # leaves it stale.
    fiche_complete = models.GeneratedField(
        expression=_fiche_complete_expression(FICHE_REQUIRED_FIELDS),
        output_field=models.BooleanField("fiche établissement complète"),
        db_persist=True,
        verbose_name="fiche établissement complète",
    )
    # Blank until the establishment is shown to be the holder's (activation code by post, or staff): an
    # automatic approval gives the space at once, "non vérifié", and nothing goes to the administration.
    verification = models.CharField(
        "vérification", max_length=16, choices=EstablishmentVerification.choices, blank=True, editable=False
    )
    verified_at = models.DateTimeField("vérifié le", null=True, blank=True, editable=False)
    # Whose values the fiche holds (the claimant whose request created it, then whoever last changed it): while
    # the establishment is non vérifié, its contact fields are shown only to that side, and a losing claimant's
    # values are reset when another claimant's code makes it vérifié.
    fiche_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="fiche modifiée en dernier par",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "établissement"
        verbose_name_plural = "établissements"
        ordering = ["denomination", "siret"]
        permissions = [("verify_establishment", "Peut vérifier un établissement et émettre ses courriers d'activation")]
        constraints = [
            models.CheckConstraint(condition=Q(siret__regex=SIRET_REGEX), name="establishment_siret_14_digits"),
            models.CheckConstraint(condition=Q(siren=Substr("siret", 1, 9)), name="establishment_siren_prefixes_siret"),
            models.CheckConstraint(
                condition=Q(verification="", verified_at__isnull=True)
                | (~Q(verification="") & Q(verified_at__isnull=False)),
                name="establishment_verified_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.denomination} ({self.siret})"

    def save(self, *args, **kwargs):
        self.siren = self.siret[:9]
        super().save(*args, **kwargs)

    def missing_fiche_fields(self) -> list[str]:
        """The labels of the fields still to fill for the fiche to be complete."""
        return [
            self._meta.get_field(name).verbose_name
            for name in FICHE_REQUIRED_FIELDS
            if getattr(self, name) in (None, "")
        ]

    @property
    def display_name(self) -> str:
        """The denomination, with the enseigne when it says more (two shops of one company differ by it)."""
        if self.enseigne and self.enseigne.casefold() not in self.denomination.casefold():
            return f"{self.denomination} — {self.enseigne}"
        return self.denomination

    @property
    def is_verified(self) -> bool:
        return bool(self.verification)

    @property
    def adresse_lines(self) -> list[str]:
        voie = " ".join(
            part for part in (self.numero_voie, self.extension_voie, self.type_voie, self.libelle_voie) if part
        )
        return [line for line in (voie, self.complement_adresse, f"{self.code_postal} {self.ville}".strip()) if line]


class HabilitationQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on, valid_until__gte=on)

    def for_extranet(self, code: str):
        return self.filter(extranet__code=code)


class Habilitation(models.Model):
    """A user's right on one establishment for one extranet, for one year by default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="habilitations", verbose_name="utilisateur"
    )
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="habilitations", verbose_name="établissement"
    )
    extranet = models.ForeignKey(
        Extranet, on_delete=models.PROTECT, related_name="habilitations", verbose_name="extranet"
    )
    valid_from = models.DateField("valide à compter du", default=timezone.localdate)
    valid_until = models.DateField("valide jusqu'au", blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = HabilitationQuerySet.as_manager()

    class Meta:
        verbose_name = "habilitation"
        verbose_name_plural = "habilitations"
        # The admin's actions each ask for their own right (accounts/roles.py gives them to the staff roles).
        permissions = [("resend_account_emails", "Peut renvoyer les courriels du compte d'un habilité")]
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "establishment", "extranet"],
                name="habilitation_unique_per_user_establishment_extranet",
                violation_error_message="Cet utilisateur a déjà une habilitation sur cet établissement pour cet extranet.",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")),
                name="habilitation_valid_until_after_valid_from",
                violation_error_message="La date de fin doit suivre la date de début.",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.establishment.siret} — {self.extranet}"

    def save(self, *args, **kwargs):
        if self.valid_until is None:
            self.valid_until = one_year_after(self.valid_from)
        super().save(*args, **kwargs)

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on <= self.valid_until


class AccountRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=AccountRequestStatus.PENDING)


class AccountRequest(EstablishmentIdentity):
    """A "CRÉER MON ESPACE" request: an establishment and the user to habilitate on it, until processed."""

    reference = models.CharField("référence", max_length=32, unique=True, editable=False)
    status = models.CharField(
        "état", max_length=16, choices=AccountRequestStatus.choices, default=AccountRequestStatus.PENDING
    )
    case = models.CharField("cas", max_length=16, choices=AccountRequestCase.choices, blank=True)

    # Information établissement
    siret = models.CharField("N° de Siret", max_length=14, validators=[validate_siret])
    telephone_etablissement = models.CharField("téléphone fixe", max_length=20)
    fax = models.CharField("fax", max_length=20, blank=True)
    courriel_etablissement = models.EmailField("courriel établissement")

    # Compte utilisateur à créer
    nom = models.CharField("nom", max_length=100)
    prenom = models.CharField("prénom", max_length=100)
    telephone = models.CharField("téléphone", max_length=20)
    courriel = models.EmailField("courriel")
    secret_question = models.CharField("question secrète", max_length=255)
    secret_answer_hash = models.CharField("réponse secrète (empreinte)", max_length=255, editable=False)
    etat_civil_confirmed = models.BooleanField(
        "état civil confirmé malgré l'alerte", default=False, help_text="Nom ou prénom ressemblant à une fonction."
    )

    # What SIRENE said, and the automatic checks
    sirene_status = models.CharField("SIRENE", max_length=16, choices=SireneStatus.choices)
    sirene_data = models.JSONField("données SIRENE", null=True, blank=True, editable=False)
    checks = models.JSONField("contrôles automatiques", default=list, blank=True, editable=False)

    # Processing
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_requests_made",
        verbose_name="demandée par (utilisateur connecté)",
    )
    valid_from = models.DateField(
        "habilitation valide à compter du",
        null=True,
        blank=True,
        help_text="Vide : la date de validation.",
    )
    processed_at = models.DateTimeField("traitée le", null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_requests_processed",
        verbose_name="traitée par",
    )
    rejection_reason = models.TextField("motif du refus", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_requests",
        verbose_name="compte utilisateur",
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_requests",
        verbose_name="établissement",
    )
    created_at = models.DateTimeField("reçue le", default=timezone.now, db_index=True)

    objects = AccountRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande de création de compte"
        verbose_name_plural = "demandes de création de compte"
        permissions = [
            ("approve_accountrequest", "Peut valider une demande de création de compte"),
            ("reject_accountrequest", "Peut refuser une demande de création de compte"),
        ]
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["siret", "status"], name="accountrequest_siret_status")]
        constraints = [
            models.CheckConstraint(condition=Q(siret__regex=SIRET_REGEX), name="accountrequest_siret_14_digits"),
            models.CheckConstraint(
                condition=~Q(status=AccountRequestStatus.APPROVED)
                | (Q(user__isnull=False) & Q(establishment__isnull=False) & Q(processed_at__isnull=False)),
                name="accountrequest_approved_has_result",
            ),
            models.CheckConstraint(
                condition=~Q(status=AccountRequestStatus.REJECTED) | ~Q(rejection_reason=""),
                name="accountrequest_rejected_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.siret} — {self.prenom} {self.nom}"

    @property
    def failed_checks(self) -> list[dict]:
        return [check for check in self.checks if not check.get("passed")]


ACTIVATION_CODE_VALIDITY = datetime.timedelta(days=30)
ACTIVATION_CODE_MAX_TRIES = 5


class ActivationLetterQuerySet(models.QuerySet):
    def open(self):
        """Letters whose code may still be typed (not used, not replaced; expiry and lock are checked apart)."""
        return self.filter(used_at__isnull=True, cancelled_at__isnull=True)

    def to_export(self):
        """Letters still to print: open, and their code still sealed (it is wiped once the PDF is written)."""
        return self.open().filter(exported_at__isnull=True).exclude(code_sealed="")


class ActivationLetter(models.Model):
    """A postal letter to the establishment's SIRENE address with the code that makes it "vérifié" for the
    claimant who typed it. One per claimant: a second claimant gets their own, the first code typed wins."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="activation_letters", verbose_name="établissement"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activation_letters",
        verbose_name="demandeur",
    )
    account_request = models.ForeignKey(
        AccountRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activation_letters",
        verbose_name="demande de création de compte",
    )
    recipient = models.TextField("destinataire (adresse SIRENE)", help_text="Une ligne par ligne de l'adresse.")
    code_hash = models.CharField("code (empreinte)", max_length=255, editable=False)
    # The clear code, encrypted (apart.secretbox), kept only until the letter's PDF is written.
    code_sealed = models.TextField("code (chiffré jusqu'à l'impression)", blank=True, editable=False)
    failed_tries = models.PositiveSmallIntegerField("essais erronés", default=0)
    created_at = models.DateTimeField("émis le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    exported_at = models.DateTimeField("imprimé le", null=True, blank=True)
    used_at = models.DateTimeField("code saisi le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)

    objects = ActivationLetterQuerySet.as_manager()

    class Meta:
        verbose_name = "courrier d'activation"
        verbose_name_plural = "courriers d'activation"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(failed_tries__lte=ACTIVATION_CODE_MAX_TRIES), name="activationletter_tries_at_most_5"
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="activationletter_expires_later"),
        ]

    def __str__(self):
        return f"Courrier d'activation {self.establishment.siret} — {self.user} — {self.created_at:%d/%m/%Y}"

    @property
    def recipient_lines(self) -> list[str]:
        return [line for line in self.recipient.splitlines() if line.strip()]

    @property
    def is_locked(self) -> bool:
        return self.failed_tries >= ACTIVATION_CODE_MAX_TRIES

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def state(self) -> str:
        if self.used_at:
            return "Code saisi"
        if self.cancelled_at:
            return "Annulé"
        if self.is_locked:
            return "Bloqué (5 essais erronés)"
        if self.is_expired():
            return "Expiré"
        return "En attente de saisie"


class BankDetails(models.Model):
    """The establishment's "Coordonnées bancaires", where the administration pays the allocation."""

    establishment = models.OneToOneField(
        Establishment, on_delete=models.CASCADE, related_name="bank_details", verbose_name="établissement"
    )
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    titulaire = models.CharField("titulaire du compte", max_length=100)
    updated_at = models.DateTimeField("modifiées le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifiées par",
    )

    class Meta:
        verbose_name = "coordonnées bancaires"
        verbose_name_plural = "coordonnées bancaires"
        constraints = [
            models.CheckConstraint(
                condition=Q(iban__regex=r"\A[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}\Z"), name="bankdetails_iban_shape"
            ),
            models.CheckConstraint(
                condition=Q(bic__regex=r"\A[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?\Z"), name="bankdetails_bic_shape"
            ),
        ]

    def __str__(self):
        return f"Coordonnées bancaires de {self.establishment.siret}"


# The contrat de prestation lives in its own module; imported here so that Django registers it.
from .contrats import ContratPrestation  # noqa: E402, F401

# --- Demande d'habilitation en masse ---------------------------------------------------------------------------

HABILITATION_BATCH_MAX_LINES = 2000
BATCH_CONTACT_FIELDS = ("contact_nom", "contact_prenom", "contact_telephone", "contact_courriel")


class HabilitationBatch(models.Model):
    """A « Demande d'habilitation en masse »: SIRETs typed or read from a CSV file, each processed as CRÉER MON
    ESPACE would for the logged-in user, by a task that fills the counts as it goes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="habilitation_batches",
        verbose_name="demandeur",
    )
    created_at = models.DateTimeField("envoyée le", default=timezone.now)
    source = models.CharField(
        "source", max_length=255, help_text="Le nom du fichier CSV, ou « Saisie » pour la zone de texte."
    )
    input_hash = models.CharField("empreinte de la saisie normalisée", max_length=64, editable=False)
    status = models.CharField(
        "état", max_length=16, choices=HabilitationBatchStatus.choices, default=HabilitationBatchStatus.PENDING
    )
    total = models.PositiveIntegerField("lignes", default=0)
    processed = models.PositiveIntegerField("lignes traitées", default=0)
    created_count = models.PositiveIntegerField("créés", default=0)
    attached_count = models.PositiveIntegerField("rattachés", default=0)
    pending_count = models.PositiveIntegerField("en attente de validation", default=0)
    refused_count = models.PositiveIntegerField("refusés", default=0)
    already_count = models.PositiveIntegerField("déjà habilités ou demandés", default=0)
    started_at = models.DateTimeField("commencée le", null=True, blank=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)

    class Meta:
        verbose_name = "demande d'habilitation en masse"
        verbose_name_plural = "demandes d'habilitation en masse"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "input_hash"], name="habilitationbatch_user_hash")]
        constraints = [
            models.CheckConstraint(condition=Q(processed__lte=F("total")), name="habilitationbatch_processed_le_total"),
            models.CheckConstraint(
                condition=~Q(status=HabilitationBatchStatus.DONE) | Q(finished_at__isnull=False),
                name="habilitationbatch_done_has_finished_at",
            ),
        ]

    def __str__(self):
        return f"Demande d'habilitation en masse n°{self.pk} — {self.user} — {self.source}"

    @property
    def is_done(self) -> bool:
        return self.status == HabilitationBatchStatus.DONE


class HabilitationBatchLine(models.Model):
    """One line of a batch: the SIRET as typed, and what became of it."""

    batch = models.ForeignKey(
        HabilitationBatch, on_delete=models.CASCADE, related_name="lines", verbose_name="demande en masse"
    )
    line_number = models.PositiveIntegerField("ligne")
    siret_typed = models.CharField("Siret saisi", max_length=100, blank=True)
    siret = models.CharField(
        "N° de Siret", max_length=14, blank=True, help_text="Vide quand la saisie n'en est pas un."
    )
    contact_nom = models.CharField("nom du contact", max_length=100, blank=True)
    contact_prenom = models.CharField("prénom du contact", max_length=100, blank=True)
    contact_telephone = models.CharField("téléphone du contact", max_length=20, blank=True)
    contact_courriel = models.EmailField("courriel du contact", blank=True)
    result = models.CharField("résultat", max_length=32, choices=HabilitationBatchResult.choices, blank=True)
    message = models.TextField("message", blank=True)
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="établissement",
    )
    account_request = models.ForeignKey(
        AccountRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demande de création de compte",
    )
    processed_at = models.DateTimeField("traitée le", null=True, blank=True)

    class Meta:
        verbose_name = "ligne de demande d'habilitation en masse"
        verbose_name_plural = "lignes de demande d'habilitation en masse"
        ordering = ["batch", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line_number"], name="habilitationbatchline_unique_line"),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__regex=SIRET_REGEX), name="habilitationbatchline_siret_14_digits"
            ),
            models.CheckConstraint(
                condition=Q(result="") | Q(processed_at__isnull=False), name="habilitationbatchline_result_has_date"
            ),
        ]

    def __str__(self):
        return f"Ligne {self.line_number} : {self.siret_typed}"

    @property
    def contact(self) -> dict:
        return {name: getattr(self, name) for name in BATCH_CONTACT_FIELDS}
