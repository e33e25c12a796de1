# The SIRENE copy and the codes postaux now belong to `referentiels` (its 0001 takes them over, table and all).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("habilitations", "0005_fiche_etablissement"),
        ("referentiels", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="SireneEtablissement"),
                migrations.DeleteModel(name="SireneUniteLegale"),
                migrations.DeleteModel(name="CodePostalCommune"),
            ],
        ),
    ]
