"""The outbox's panel of the admin's home page: e-mails that did not leave."""

import datetime

from django.urls import reverse
from django.utils import timezone

from apart.dashboard import Figure, Panel, register

from .models import OutboxEmail, OutboxStatus


@register
def outbox_panel(request) -> Panel | None:
    if not request.user.has_perm("outbox.view_outboxemail"):
        return None
    url = reverse("admin:outbox_outboxemail_changelist")
    failed = OutboxEmail.objects.filter(status=OutboxStatus.FAILED).count()
    stuck = OutboxEmail.objects.pending().filter(created_at__lt=timezone.now() - datetime.timedelta(minutes=10)).count()
    return Panel(
        "Courriels",
        [
            Figure("En échec définitif", str(failed), f"{url}?status__exact=failed", failed > 0),
            Figure("En attente depuis plus de 10 minutes", str(stuck), f"{url}?status__exact=pending", stuck > 0),
        ],
    )
