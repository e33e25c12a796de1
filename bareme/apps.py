from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class BaremeConfig(AppConfig):
    """The barème of activité partielle (dated values, the calculation engine) and the public simulator."""

    name = "bareme"
    verbose_name = "Barème et simulateur"

    def ready(self):
        from .models import ValeurBareme

        post_migrate.connect(_charger_apres_migration, sender=self, dispatch_uid="bareme_charger_apres_migration")
        post_save.connect(_valeur_ajoutee, sender=ValeurBareme, dispatch_uid="bareme_valeur_ajoutee")


def _charger_apres_migration(sender, using="default", plan=None, **kwargs):
    """`migrate` (so `make run` and every test database) and each flush of a transactional test load the data
    file: the barème is always there, without an extra step."""
    from django.db import connections

    from .models import ValeurBareme
    from .services import bareme_charger

    if ValeurBareme._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated back to zero
    bareme_charger(using=using)


def _valeur_ajoutee(sender, **kwargs):
    from .selectors import bareme_modifie

    bareme_modifie()
