from django.apps import AppConfig
from django.db.models.signals import post_migrate


class HabilitationsConfig(AppConfig):
    """Establishments, habilitations and the account requests of CRÉER MON ESPACE."""

    name = "habilitations"
    verbose_name = "Établissements et habilitations"

    def ready(self):
        from accounts.two_factor import grace_rule_register

        from . import dashboard  # noqa: F401  (registers its panel of the admin's home page)
        from .perms import holds_many_establishments

        # More than 50 establishments: the double authentification required, after a grace period.
        grace_rule_register(holds_many_establishments)

        post_migrate.connect(_extranets_ensure, sender=self, dispatch_uid="habilitations_extranets_ensure")


def _extranets_ensure(sender, using="default", **kwargs):
    """The ASP's extranets are reference data (migration 0002): written again after `migrate` and after each flush of
    a transactional test, so no test depends on the order in which the others ran."""
    from django.db import connections

    from .enums import ExtranetCode
    from .models import Extranet

    if Extranet._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated back to zero
    for code, name in ExtranetCode.choices:
        Extranet.objects.using(using).update_or_create(code=code, defaults={"name": name})
