"""`python manage.py sync_staff_roles`: the staff groups hold exactly the permissions of accounts/roles.py."""

from django.core.management.base import BaseCommand

from accounts.services import staff_roles_sync


class Command(BaseCommand):
    help = "Crée ou met à jour les groupes des agents (accounts/roles.py) avec exactement leurs permissions."

    def handle(self, *args, **options):
        for name, permissions in staff_roles_sync().items():
            self.stdout.write(f"Groupe « {name} » : {len(permissions)} permission(s).")
