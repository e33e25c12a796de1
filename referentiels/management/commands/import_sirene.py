"""`manage.py import_sirene --unites-legales FICHIER --etablissements FICHIER`: INSEE's SIRENE stock files."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from referentiels.sirene_import import SireneImportError, sirene_import


class Command(BaseCommand):
    help = (
        "Importe les fichiers stock SIRENE de l'INSEE (StockUniteLegale et/ou StockEtablissement, CSV tels que "
        "publiés, zippés ou non) dans la copie locale du répertoire. Un ré-import met les lignes à jour."
    )
    requires_system_checks = []  # a data load: the system checks would only delay it

    def add_arguments(self, parser):
        parser.add_argument(
            "--unites-legales", type=Path, metavar="FICHIER", help="StockUniteLegale_utf8.zip (ou .csv, .csv.gz)"
        )
        parser.add_argument(
            "--etablissements", type=Path, metavar="FICHIER", help="StockEtablissement_utf8.zip (ou .csv, .csv.gz)"
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help=(
                "rechargement complet (fichiers stock) : le contenu des tables est remplacé par celui des fichiers "
                "(nouvelle table chargée, indexée puis échangée en une transaction) ; sans cette option, les "
                "lignes sont mises à jour (fichiers de mise à jour quotidienne)"
            ),
        )
        parser.add_argument("--no-progress", action="store_true", help="sans barre de progression")

    def handle(self, *args, unites_legales=None, etablissements=None, no_progress=False, full=False, **options):
        if not unites_legales and not etablissements:
            raise CommandError(
                "Indiquez au moins un fichier : --unites-legales FICHIER et/ou --etablissements FICHIER."
            )
        try:
            sirene_import(
                unites_legales_path=unites_legales,
                etablissements_path=etablissements,
                progress=not no_progress and sys.stderr.isatty(),
                stdout=self.stdout,  # the summary
                stderr=self.stderr,  # the skipped lines
                verbose=options.get("verbosity", 1) >= 2,  # -v 2: the time of each step
                full=full,
            )
        except SireneImportError as exc:
            raise CommandError(str(exc)) from exc
