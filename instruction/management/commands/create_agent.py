"""`python manage.py create_agent IDENTIFIANT --courriel C --departements 75,92 --password P`: a UD agent, so that a
new deployment can start instructing (the Superviseur ASP then manages the agents in the admin)."""

from django.core.management.base import BaseCommand, CommandError

from referentiels.departements import departements_parse

from ...services import AgentRefused, agent_create


class Command(BaseCommand):
    help = (
        "Crée un agent d'UD (DDETS) : un compte du groupe « Agent UD », qui instruit les demandes d'autorisation "
        "préalable de ses départements. Sans --password, un mot de passe provisoire lui est envoyé par courriel."
    )

    def add_arguments(self, parser):
        parser.add_argument("identifiant")
        parser.add_argument("--courriel", required=True)
        parser.add_argument("--departements", required=True, help="codes séparés par des virgules : 75,92,2A,971")
        parser.add_argument("--password", help="mot de passe (règles du projet) ; sinon un mot de passe provisoire")
        parser.add_argument("--nom", default="")
        parser.add_argument("--prenom", default="")

    def handle(self, *args, identifiant, courriel, departements, password, nom, prenom, **options):
        try:
            codes = departements_parse(departements)
            created = agent_create(
                identifiant=identifiant,
                courriel=courriel,
                departements=codes,
                nom=nom,
                prenom=prenom,
                password=password,
            )
        except (AgentRefused, ValueError) as error:
            raise CommandError(str(error)) from error  # exit code 1
        how = (
            "mot de passe provisoire envoyé par courriel"
            if created.temporary_password
            else "double authentification à activer à la première connexion"
        )
        self.stdout.write(
            self.style.SUCCESS(f"Agent d'UD {identifiant} créé : départements {', '.join(codes)} ({how}).")
        )
