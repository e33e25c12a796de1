from django.core.management.base import BaseCommand

from bareme.services import DATA_FILE, bareme_charger


class Command(BaseCommand):
    help = (
        "Charge dans la base les valeurs de bareme/data/bareme.toml qu'elle n'a pas encore (idempotent ; "
        "une valeur déjà chargée n'est jamais modifiée). Lancé aussi après chaque migration."
    )

    def handle(self, *args, **options):
        ajoutees = bareme_charger()
        self.stdout.write(f"{ajoutees} valeur(s) ajoutée(s) depuis {DATA_FILE.name}.")
