from django.core.management.base import BaseCommand

from apart.outbox.services import outbox_send_pending


class Command(BaseCommand):
    help = "Envoie les courriels de la file d'envoi restés en attente (SMTP ou broker indisponible)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--due-only",
            action="store_true",
            help="N'envoie que les courriels dont le délai avant nouvelle tentative est écoulé.",
        )

    def handle(self, *args, due_only=False, **options):
        sent, failed = outbox_send_pending(due_only=due_only)
        self.stdout.write(f"{sent} courriel(s) envoyé(s), {failed} en échec.")
