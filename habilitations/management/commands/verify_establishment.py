"""`python manage.py verify_establishment SIRET`: staff verified the establishment themselves."""

from django.core.management.base import BaseCommand, CommandError

from habilitations.models import Establishment
from habilitations.services import establishment_verify
from referentiels.validators import clean_siret


class Command(BaseCommand):
    help = (
        "Marque l'établissement comme vérifié (contrôle fait par l'ASP) : ses courriers d'activation en attente "
        "sont annulés, ses habilitations ne changent pas."
    )

    def add_arguments(self, parser):
        parser.add_argument("siret", help="N° de Siret de l'établissement (14 chiffres).")

    def handle(self, *args, siret: str, **options):
        establishment = Establishment.objects.filter(siret=clean_siret(siret)).first()
        if establishment is None:
            raise CommandError(f"Aucun établissement n'a d'espace avec le Siret {siret}.")
        if establishment.is_verified:
            self.stdout.write(f"L'établissement {establishment.siret} est déjà vérifié ; rien n'a changé.")
            return
        establishment_verify(establishment=establishment, by=None)
        self.stdout.write(self.style.SUCCESS(f"Établissement {establishment.siret} vérifié."))
