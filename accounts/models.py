import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower

from .normalization import normalize_courriel, normalize_secret_answer

# The seeds: a temporary password is valid 30 days; after that, "J'ai oublié mon mot de passe".
TEMPORARY_PASSWORD_VALIDITY = datetime.timedelta(days=30)


class UserManager(BaseUserManager):
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
        constraints = [
            models.UniqueConstraint(
                Lower("courriel"),
                name="user_courriel_unique_ci",
                violation_error_message="Un compte utilisateur existe déjà avec ce courriel.",
            ),
        ]

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
        self.secret_answer_hash = make_password(normalize_secret_answer(answer))

    def check_secret_answer(self, answer: str) -> bool:
        if not self.secret_answer_hash:
            return False
        return check_password(normalize_secret_answer(answer), self.secret_answer_hash)
