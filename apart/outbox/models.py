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

    def unclaimed(self, at=None):
        """Pending rows no sender holds: never claimed, or claimed by a sender that died (its lease is over)."""
        at = at or timezone.now()
        return self.pending().filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=at))

    def due(self, at=None):
        at = at or timezone.now()
        return self.unclaimed(at).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))


class OutboxEmail(models.Model):
    """One e-mail to send, written in the same transaction as the change that causes it."""

    kind = models.CharField("type", max_length=64, db_index=True)
    to = models.EmailField("destinataire")
    from_email = models.CharField("expéditeur", max_length=254)
    subject = models.CharField("objet", max_length=255)
    body_text = models.TextField("texte")
    body_html = models.TextField("HTML", blank=True)
    # The secrets of the body (reset link, temporary password…), encrypted (apart.secretbox) until the e-mail is
    # sent, then wiped: the bodies hold a placeholder where each goes (apart.outbox.secrets).
    secrets_sealed = models.TextField("secrets (chiffrés)", blank=True, editable=False)
    status = models.CharField(
        "état", max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    # Set, and committed, before the SMTP conversation: another sender leaves the row alone until then; a sender
    # killed mid-way leaves it claimed, and the row is sent again (same Message-ID) once the lease is over.
    claimed_until = models.DateTimeField("en cours d'envoi jusqu'au", null=True, blank=True)
    last_attempt_at = models.DateTimeField("dernière tentative", null=True, blank=True)
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
