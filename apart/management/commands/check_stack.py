from django.core.management.base import BaseCommand, CommandError

from apart.stack import stack_check


class Command(BaseCommand):
    help = (
        "Vérifie les services dont le site dépend (base de données, Redis, broker Celery, serveur SMTP), "
        "comme /sante/ ; code de sortie non nul si l'un d'eux est injoignable."
    )

    def handle(self, *args, **options):
        states = stack_check()
        for state in states:
            self.stdout.write(state.line())
        down = [state.label for state in states if state.down]
        if down:
            raise CommandError(f"Service(s) injoignable(s) : {', '.join(down)}.")
        self.stdout.write("Tous les services configurés répondent.")
