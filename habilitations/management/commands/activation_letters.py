"""`python manage.py activation_letters --output DIR`: the PDF of the activation letters still to print."""

from pathlib import Path

from django.core.management.base import BaseCommand

from habilitations.letters import activation_letters_export


class Command(BaseCommand):
    help = (
        "Écrit dans DIR un PDF par courrier d'activation pas encore imprimé (quel que soit son jour d'émission), "
        "adressé à l'adresse SIRENE de l'établissement, puis efface le code en clair : relancer la commande "
        "n'écrit rien de plus."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="Dossier où écrire les PDF.")

    def handle(self, *args, output: Path, **options):
        written = activation_letters_export(output=output)
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(self.style.SUCCESS(f"{len(written)} courrier(s) d'activation écrit(s) dans {output}."))
