"""Writing to the journal: one call, in the transaction of the action it records."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import StaffAction


def audit_record(
    *,
    actor,
    action: str,
    summary: str,
    subject: models.Model | None = None,
    target_user=None,
    siret: str = "",
    **details,
) -> StaffAction:
    """Record one action. `actor` None: the service acted on its own. `details`: JSON-serialisable values."""
    return StaffAction.objects.create(
        actor=actor,
        action=action,
        summary=summary,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=subject.pk if subject is not None else None,
        target_user=target_user,
        siret=siret,
        details=details,
    )
