import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apart.normalization import normalize_courriel

from .credentials import secret_answer_hash, secret_answer_matches

# The seeds: a temporary password is valid 30 days; after that, "J'ai oublié mon mot de passe".
TEMPORARY_PASSWORD_VALIDITY = datetime.timedelta(days=30)


class UserQuerySet(models.QuerySet):
    def with_courriel(self, courriel: str):
        """Accounts of a courriel, whatever its case or accents, through the lower(courriel) unique index."""
        return self.alias(courriel_lower=Lower("courriel")).filter(courriel_lower=normalize_courriel(courriel))

    def with_identifiant(self, identifiant: str):
        """Accounts of an identifiant typed in any case, through the lower(identifiant) index."""
        return self.alias(identifiant_lower=Lower("identifiant")).filter(identifiant_lower=identifiant.strip().lower())


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, identifiant, courriel, password, **extra_fields):
        if not identifiant:
            raise ValueError("L'identifiant est obligatoire.")
        if not courriel:
            raise ValueError("Le courriel est obligatoire.")
        user = self.model(identifiant=identifiant, courriel=normalize_courriel(courriel), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, identifiant, courriel, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(identifiant, courriel, password, **extra_fields)

    def create_superuser(self, identifiant, courriel, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_staff") is not True or extra_fields.get("is_superuser") is not True:
            raise ValueError("Un super-utilisateur doit avoir is_staff et is_superuser.")
        return self._create_user(identifiant, courriel, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(identifiant=username)


class User(AbstractBaseUser, PermissionsMixin):
    """The ASP user account: one per person, shared by every ASP extranet (APART, SYLAé…)."""

    identifiant = models.CharField(
        "identifiant",
        max_length=150,
        unique=True,
        help_text="Nom de connexion, par exemple gerard.menuca1.",
        error_messages={"unique": "Cet identifiant est déjà utilisé."},
    )
    nom = models.CharField("nom", max_length=100)
    prenom = models.CharField("prénom", max_length=100)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    courriel = models.EmailField("courriel", max_length=254)
    secret_question = models.CharField("question secrète", max_length=255, blank=True)
    secret_answer_hash = models.CharField("réponse secrète (empreinte)", max_length=255, blank=True, editable=False)
    must_change_password = models.BooleanField(
        "doit changer son mot de passe",
        default=False,
        help_text="Mot de passe provisoire : l'utilisateur doit le changer à la prochaine connexion.",
    )
    must_set_secret_question = models.BooleanField(
        "doit choisir une nouvelle question secrète",
        default=False,
        help_text="Question secrète réinitialisée par l'assistance : l'utilisateur en choisit une à la connexion.",
    )
    password_expires_at = models.DateTimeField(
        "mot de passe provisoire valable jusqu'au",
        null=True,
        blank=True,
        help_text="Au-delà, l'utilisateur passe par « J'ai oublié mon mot de passe ».",
    )
    # « Mon compte » > Rappels par courriel (indemnisation.rappels sends them; on unless the user turns them off).
    remind_habilitation_end = models.BooleanField(
        "rappel de fin d'habilitation",
        default=True,
        help_text="Un courriel 30 jours puis 7 jours avant la fin de chaque habilitation.",
    )
    remind_di_to_file = models.BooleanField(
        "rappel des demandes d'indemnisation à déposer",
        default=True,
        help_text="Un courriel 15 jours avant la date limite de dépôt d'une demande d'indemnisation non déposée.",
    )
    # The double authentification required after a grace period (accounts.two_factor, more than 50 establishments).
    two_factor_grace_started_at = models.DateTimeField(
        "double authentification demandée depuis le",
        null=True,
        blank=True,
        editable=False,
        help_text="Première connexion où elle a été demandée : le délai pour l'activer court à partir de cette date.",
    )
    two_factor_grace_reminded_at = models.DateTimeField(
        "rappel de fin de délai envoyé le", null=True, blank=True, editable=False
    )
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("agent ASP (accès à l'administration)", default=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "identifiant"
    EMAIL_FIELD = "courriel"
    REQUIRED_FIELDS = ["courriel", "nom", "prenom"]

    class Meta:
        verbose_name = "compte utilisateur ASP"
        verbose_name_plural = "comptes utilisateurs ASP"
        ordering = ["identifiant"]
        permissions = [("reset_two_factor", "Peut réinitialiser la double authentification d'un compte")]
        constraints = [
            models.UniqueConstraint(
                Lower("courriel"),
                name="user_courriel_unique_ci",
                violation_error_message="Un compte utilisateur existe déjà avec ce courriel.",
            ),
        ]
        indexes = [models.Index(Lower("identifiant"), name="user_identifiant_lower_idx")]

    def __str__(self):
        return self.identifiant

    def clean(self):
        super().clean()
        self.courriel = normalize_courriel(self.courriel)

    def get_full_name(self):
        return f"{self.prenom} {self.nom}".strip()

    def get_short_name(self):
        return self.prenom

    def set_secret_answer(self, answer: str) -> None:
        self.secret_answer_hash = secret_answer_hash(answer)

    def check_secret_answer(self, answer: str) -> bool:
        return secret_answer_matches(answer, self.secret_answer_hash)


class OneTimeTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(used_at__isnull=True, voided_at__isnull=True)


class OneTimeToken(models.Model):
    """A link e-mailed once: 256 random bits, of which only the SHA-256 is kept; good until its expiry, once.

    The hourly housekeeping (accounts/housekeeping.py) marks the expired ones and deletes the dead ones.
    """

    token_hash = models.CharField("empreinte du jeton", max_length=64, unique=True)
    created_at = models.DateTimeField("émis le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)
    voided_at = models.DateTimeField("annulé le", null=True, blank=True)
    voided_reason = models.CharField("motif d'annulation", max_length=32, blank=True)

    objects = OneTimeTokenQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class PasswordResetToken(OneTimeToken):
    """A "J'ai oublié mon mot de passe" link."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_reset_tokens")

    class Meta(OneTimeToken.Meta):
        verbose_name = "jeton de réinitialisation"
        verbose_name_plural = "jetons de réinitialisation"

    def __str__(self):
        return f"{self.user} — {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"


class CourrielChangeToken(OneTimeToken):
    """A "confirm your new courriel" link, good for 24 hours.

    A signed link could be replayed after A→B→A (the account is back at the address it was issued from);
    a row that is marked used cannot.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="courriel_change_tokens")
    old_courriel = models.EmailField("courriel actuel", max_length=254)
    new_courriel = models.EmailField("nouveau courriel", max_length=254)

    class Meta(OneTimeToken.Meta):
        verbose_name = "jeton de changement de courriel"
        verbose_name_plural = "jetons de changement de courriel"

    def __str__(self):
        return f"{self.user} → {self.new_courriel} — {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"


class RecoveryEventKind(models.TextChoices):
    PASSWORD_ASKED = "password_asked", "Mot de passe oublié : demande"
    IDENTIFIANT_ASKED = "identifiant_asked", "Identifiant oublié : demande"
    WRONG_ANSWER = "wrong_answer", "Réponse secrète incorrecte"
    LOCKED = "locked", "Récupération bloquée (réponses incorrectes)"
    RATE_LIMITED = "rate_limited", "Trop de demandes"
    RESET_EMAIL_SENT = "reset_email_sent", "Courriel de réinitialisation envoyé"
    IDENTIFIANT_EMAIL_SENT = "identifiant_email_sent", "Courriel d'identifiant envoyé"
    PASSWORD_CHANGED = "password_changed", "Mot de passe changé par le lien"
    INVALID_TOKEN = "invalid_token", "Lien invalide, expiré ou déjà utilisé"


class RecoveryEvent(models.Model):
    """The audit trail of credential recovery, read by ASP staff in the admin."""

    kind = models.CharField("événement", max_length=32, choices=RecoveryEventKind.choices, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="recovery_events", verbose_name="compte"
    )
    typed = models.CharField("identifiant ou courriel saisi", max_length=254, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    created_at = models.DateTimeField("le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "événement de récupération"
        verbose_name_plural = "événements de récupération (audit)"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.typed}"


class TwoFactorRecoveryCodeQuerySet(models.QuerySet):
    def unused(self):
        return self.filter(used_at__isnull=True)


class TwoFactorRecoveryCode(models.Model):
    """One of the 10 "Codes de secours" of the double authentification: single use, only its hash is kept (Django's
    password hashers: a human types it)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="two_factor_recovery_codes")
    code_hash = models.CharField("empreinte du code", max_length=128)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)

    objects = TwoFactorRecoveryCodeQuerySet.as_manager()

    class Meta:
        verbose_name = "code de secours"
        verbose_name_plural = "codes de secours"
        ordering = ["pk"]

    def __str__(self):
        return f"{self.user} — {'utilisé' if self.used_at else 'disponible'}"


class RecoveryAnswerCounter(models.Model):
    """The answers counted against one account's secret question (or one unknown entry's decoy question).

    One row per account, taken one try at a time by `UPDATE … SET tries = tries + 1 WHERE tries < limit`: workers
    answering at the same moment cannot each read "4 tries" and all get a fifth.
    """

    key = models.CharField("compte ou saisie (empreinte)", max_length=64, unique=True)
    tries = models.PositiveSmallIntegerField("réponses comptées", default=0)
    last_try_at = models.DateTimeField("dernière réponse comptée", default=timezone.now)

    class Meta:
        verbose_name = "compteur de réponses secrètes"
        verbose_name_plural = "compteurs de réponses secrètes"

    def __str__(self):
        return f"{self.tries} réponse(s) — {timezone.localtime(self.last_try_at):%d/%m/%Y %H:%M}"


class TwoFactorDevice(TOTPDevice):
    """django-otp's TOTP device under French names, for the admin (a proxy: the same table, no column of its own)."""

    class Meta:
        proxy = True
        verbose_name = "appareil de double authentification"
        verbose_name_plural = "appareils de double authentification"
