from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indemnisation.paiements import paiement_run, resume


class Command(BaseCommand):
    help = (
        "Paiement des demandes d'indemnisation validées : un fichier de virements SEPA (pain.001.001.03) écrit dans "
        "--output, les demandes passées « Mise en paiement ». Rien à payer : aucun fichier. Le même paiement que "
        "la tâche quotidienne et le bouton « Lancer un paiement » de l'administration."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", required=True, metavar="FICHIER", help="Le fichier XML à écrire (il ne doit pas exister)."
        )

    def handle(self, *args, output, **options):
        path = Path(output)
        # Checked before the run: a payment is never prepared for a file that cannot be written.
        if path.exists():
            raise CommandError(f"Le fichier {path} existe déjà : indiquez un autre nom, rien n'a été payé.")
        if not path.parent.is_dir():
            raise CommandError(f"Le dossier {path.parent} n'existe pas : rien n'a été payé.")
        paiement = paiement_run()
        if paiement is None:
            self.stdout.write("Aucune demande validée à payer : aucun fichier écrit.")
            return
        try:
            path.write_text(paiement.fichier, encoding="utf-8")
        except OSError as error:
            raise CommandError(
                f"{paiement.numero} préparé ({resume(paiement)}) mais le fichier n'a pas pu être écrit ({error}) : "
                "téléchargez-le dans l'administration (Paiements)."
            ) from None
        self.stdout.write(f"{resume(paiement)} — fichier écrit : {path}")
