from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .enums import StaffActionKind


class StaffActionQuerySet(models.QuerySet):
    def about(self, subject: models.Model):
        """The entries of one request, ticket, DAP…"""
        return self.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)


class StaffAction(models.Model):
    """One line of the journal: who did what, when, on which account or establishment, about what.

    `subject` is what the action was taken for (an assistance request, an account request, later a DAP);
    `actor` is empty for what the service did on its own (an account request approved automatically).
    """

    created_at = models.DateTimeField("le", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="agent",
    )
    action = models.CharField("action", max_length=32, choices=StaffActionKind.choices, db_index=True)
    summary = models.TextField("détail")
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="compte concerné",
    )
    siret = models.CharField("Siret concerné", max_length=14, blank=True, db_index=True)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="objet"
    )
    subject_id = models.PositiveBigIntegerField("identifiant de l'objet", null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    details = models.JSONField("données", default=dict, blank=True)

    objects = StaffActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action d'un agent"
        verbose_name_plural = "actions des agents (journal)"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="staffaction_subject_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject_type__isnull=True, subject_id__isnull=True)
                | models.Q(subject_type__isnull=False, subject_id__isnull=False),
                name="staffaction_subject_complete",
            ),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.created_at):%d/%m/%Y %H:%M} — {self.actor or 'automatique'} — {self.get_action_display()}"
