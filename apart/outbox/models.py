from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec définitif"


class OutboxEmailQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=OutboxStatus.PENDING)

    def due(self, at=None):
        at = at or timezone.now()
        return self.pending().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))


class OutboxEmail(models.Model):
    """One e-mail to send, written in the same transaction as the change that causes it."""

    kind = models.CharField("type", max_length=64, db_index=True)
    to = models.EmailField("destinataire")
    from_email = models.CharField("expéditeur", max_length=254)
    subject = models.CharField("objet", max_length=255)
    body_text = models.TextField("texte")
    body_html = models.TextField("HTML", blank=True)
    status = models.CharField(
        "état", max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        verbose_name = "courriel"
        verbose_name_plural = "courriels (file d'envoi)"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=OutboxStatus.SENT) | Q(sent_at__isnull=False),
                name="outboxemail_sent_has_sent_at",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"
