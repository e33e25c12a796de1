"""The account requests' panel of the admin's home page."""

import datetime

from django.urls import reverse
from django.utils import timezone

from apart.dashboard import Figure, Panel, elapsed, register

from .models import AccountRequest

ANSWER_DELAY = datetime.timedelta(hours=48)  # the seeds promise an answer "sous 48h au maximum"


@register
def account_requests_panel(request) -> Panel | None:
    if not request.user.has_perm("habilitations.view_accountrequest"):
        return None
    pending = AccountRequest.objects.pending()
    url = reverse("admin:habilitations_accountrequest_changelist")
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    late = pending.filter(created_at__lt=timezone.now() - ANSWER_DELAY).count()
    return Panel(
        "Demandes de création de compte",
        [
            Figure("En attente d'un agent", str(pending.count()), f"{url}?status__exact=pending"),
            Figure("La plus ancienne attend depuis", elapsed(oldest) if oldest else "—"),
            Figure(
                "En attente depuis plus de 48 h", str(late), f"{url}?status__exact=pending&anciennete=plus48h", late > 0
            ),
        ],
    )
