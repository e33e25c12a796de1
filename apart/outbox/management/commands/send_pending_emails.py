from django.core.management.base import BaseCommand

from apart.outbox.services import outbox_failed_requeue, outbox_send_pending


class Command(BaseCommand):
    help = "Envoie les courriels de la file d'envoi restés en attente (SMTP ou broker indisponible)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--due-only",
            action="store_true",
            help="N'envoie que les courriels dont le délai avant nouvelle tentative est écoulé.",
        )
        parser.add_argument(
            "--failed",
            action="store_true",
            help="Remet d'abord en file les courriels en échec définitif (nouvelle série de tentatives).",
        )

    def handle(self, *args, due_only=False, failed=False, **options):
        if failed:
            # Not queued to the workers: sent below by this command, so that its count says what it sent.
            requeued = outbox_failed_requeue(queue=False)
            self.stdout.write(f"{len(requeued)} courriel(s) en échec remis en file d'envoi.")
        sent, failed_count = outbox_send_pending(due_only=due_only)
        self.stdout.write(f"{sent} courriel(s) envoyé(s), {failed_count} en échec.")
