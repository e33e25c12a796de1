"""The lockouts' panel of the admin's home page (django-axes)."""

from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apart.dashboard import Figure, Panel, register


@register
def lockouts_panel(request) -> Panel | None:
    if not request.user.has_perm("axes.view_accessattempt"):
        return None
    locked = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    ).count()
    return Panel(
        "Connexions",
        [
            Figure(
                "Couples identifiant et adresse IP bloqués",
                str(locked),
                reverse("admin:axes_accessattempt_changelist"),
                locked > 0,
            )
        ],
    )
