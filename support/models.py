from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from referentiels.validators import SIRET_REGEX, validate_siret

from .enums import ArticleCategory, TicketMessageAuthor, TicketMotif, TicketStatus

DESCRIPTION_MAX_LENGTH = 1000  # « 1000 caractères maximum » of the seeds' assistance form


# --- Knowledge base: « Consultez notre base de connaissances » ----------------------------------


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Article(models.Model):
    """An article of the knowledge base, written and published by ASP staff in the admin."""

    title = models.CharField("titre", max_length=200)
    slug = models.SlugField(
        "adresse de la page", max_length=120, unique=True, help_text="Par exemple : premiere-connexion"
    )
    category = models.CharField("rubrique", max_length=32, choices=ArticleCategory.choices)
    body = models.TextField(
        "texte",
        help_text=(
            "Paragraphes séparés par une ligne vide ; lignes commençant par « - » pour une liste à puces, "
            "par « 1. » pour une liste numérotée ; liens : [texte](/adresse/) ou [texte](mailto:adresse)."
        ),
    )
    order = models.PositiveSmallIntegerField("ordre dans la rubrique", default=0)
    is_published = models.BooleanField("publié", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "article de la base de connaissances"
        verbose_name_plural = "articles de la base de connaissances"
        ordering = ["category", "order", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("support:article", args=[self.slug])


# --- Assistance requests and the staff desk -------------------------------------------------------


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=[TicketStatus.RESOLU, TicketStatus.CLOS])


class Ticket(models.Model):
    """A « demande d'assistance », from the form to its settlement by ASP staff."""

    reference = models.CharField("référence", max_length=32, unique=True, editable=False)
    status = models.CharField("statut", max_length=16, choices=TicketStatus.choices, default=TicketStatus.NOUVEAU)
    motif = models.CharField("motif de la demande", max_length=32, choices=TicketMotif.choices)

    siret = models.CharField("N° de Siret", max_length=14, validators=[validate_siret])
    denomination = models.CharField("dénomination établissement", max_length=255)
    nom_prenom = models.CharField("nom et prénom", max_length=200)
    telephone = models.CharField("N° de téléphone", max_length=20)
    courriel = models.EmailField("adresse électronique")
    description = models.TextField("description de la demande")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_tickets",
        verbose_name="compte du demandeur (connecté)",
    )
    establishment = models.ForeignKey(
        "habilitations.Establishment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_tickets",
        verbose_name="établissement (espace existant)",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
        verbose_name="agent en charge",
    )
    created_at = models.DateTimeField("reçue le", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'assistance"
        verbose_name_plural = "demandes d'assistance"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="ticket_status_created")]
        constraints = [
            models.CheckConstraint(condition=Q(siret__regex=SIRET_REGEX), name="ticket_siret_14_digits"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX_LENGTH),
                name="ticket_description_max_1000",
                violation_error_message="La description de la demande est limitée à 1000 caractères.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.get_motif_display()} — {self.siret}"

    @property
    def is_closed(self) -> bool:
        return self.status == TicketStatus.CLOS


class TicketMessage(models.Model):
    """One exchange of a ticket's history: a staff reply (e-mailed) or a requester's reply (signed link)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name="demande")
    author_kind = models.CharField("auteur", max_length=16, choices=TicketMessageAuthor.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="agent",
    )
    body = models.TextField("message")
    email = models.ForeignKey(
        "outbox.OutboxEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="courriel envoyé",
    )
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "échange"
        verbose_name_plural = "échanges"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.ticket.reference} — {self.get_author_kind_display()} — {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"
