from django.db import models
from django.db.models import Q
from django.utils import timezone


class AnnouncementQuerySet(models.QuerySet):
    def published(self, at=None):
        at = at or timezone.now()
        return self.filter(
            Q(is_active=True),
            Q(starts_at__isnull=True) | Q(starts_at__lte=at),
            Q(ends_at__isnull=True) | Q(ends_at__gt=at),
        )


class Announcement(models.Model):
    """The information banner that ASP staff show on the home page ("Information")."""

    title = models.CharField("titre", max_length=200, default="Information")
    body = models.TextField("message")
    is_active = models.BooleanField("publiée", default=True)
    starts_at = models.DateTimeField("afficher à partir du", null=True, blank=True)
    ends_at = models.DateTimeField("afficher jusqu'au", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = "bandeau d'information"
        verbose_name_plural = "bandeaux d'information"
        ordering = ["-starts_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="announcement_ends_after_start",
                violation_error_message="La fin de l'affichage doit suivre son début.",
            )
        ]

    def __str__(self):
        return f"{self.title} — {self.body[:60]}"
