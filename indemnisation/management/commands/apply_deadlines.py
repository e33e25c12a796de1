import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from indemnisation.rappels import deadlines_apply


class Command(BaseCommand):
    help = (
        "Passe en « Acceptée implicitement » (avec leur décision) les DAP envoyées à l'UD restées sans décision "
        "au-delà de 15 jours, puis envoie les rappels par courriel du jour (fin d'habilitation à 30 et 7 jours, "
        "demandes d'indemnisation à déposer, récapitulatif quotidien). Sans effet la seconde fois."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            metavar="AAAA-MM-JJ",
            help="La date du jour à appliquer (rattrapage après une interruption) ; par défaut aujourd'hui.",
        )

    def handle(self, *args, today=None, **options):
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError("--today attend une date AAAA-MM-JJ, par exemple 2026-12-01.") from None
        else:
            day = timezone.localdate()
        result = deadlines_apply(today=day)
        for numero in result.accepted:
            self.stdout.write(f"{numero} : acceptée implicitement")
        self.stdout.write(f"{len(result.accepted)} demande(s) acceptée(s) implicitement au {day:%d/%m/%Y}.")
        for line in result.rappels.lines():
            self.stdout.write(line)
