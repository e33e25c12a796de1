from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from referentiels.codes_postaux import DEFAULT_PATH, CodesPostauxFileError, codes_postaux_load


class Command(BaseCommand):
    help = "Remplace la table des codes postaux par le fichier livré (referentiels/data/codes_postaux.csv.gz)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            dest="path",
            type=Path,
            default=DEFAULT_PATH,
            metavar="PATH",
            help="fichier CSV gzippé à charger à la place du fichier livré",
        )

    def handle(self, *args, path: Path, **options):
        try:
            count = codes_postaux_load(path=path)
        except (OSError, CodesPostauxFileError) as exc:
            raise CommandError(f"Codes postaux non chargés : {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{count} codes postaux chargés."))
