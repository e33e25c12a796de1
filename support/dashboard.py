"""The assistance desk's panel of the admin's home page."""

import datetime

from django.urls import reverse
from django.utils import timezone

from apart.dashboard import Figure, Panel, register

from .models import Ticket


@register
def tickets_panel(request) -> Panel | None:
    if not request.user.has_perm("support.view_ticket"):
        return None
    open_tickets = Ticket.objects.open()
    url = reverse("admin:support_ticket_changelist")
    late = open_tickets.filter(created_at__lt=timezone.now() - datetime.timedelta(hours=48)).count()
    return Panel(
        "Demandes d'assistance",
        [
            Figure("Ouvertes", str(open_tickets.count()), f"{url}?a_traiter=ouvertes"),
            Figure(
                "Non attribuées", str(open_tickets.filter(assignee__isnull=True).count()), f"{url}?a_traiter=libres"
            ),
            Figure(
                "Mes demandes ouvertes",
                str(open_tickets.filter(assignee=request.user).count()),
                f"{url}?a_traiter=miennes",
            ),
            Figure("Ouvertes depuis plus de 48 h", str(late), f"{url}?a_traiter=ouvertes&anciennete=plus48h", late > 0),
        ],
    )
