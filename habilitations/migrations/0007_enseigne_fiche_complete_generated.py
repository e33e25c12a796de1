# The establishment's enseigne (SIRENE's commercial name), the account request's "établissement" named in French,
# and `fiche_complete` derived by the database from the fiche's fields: a generated column replaces the one save()
# used to keep up to date (an update() left it stale).

import django.db.models.deletion
from django.db import migrations, models

ENSEIGNE = models.CharField(
    blank=True, help_text="Le nom commercial de l'établissement (SIRENE).", max_length=100, verbose_name="enseigne"
)


class Migration(migrations.Migration):
    dependencies = [
        ("habilitations", "0006_move_referentiels"),
    ]

    operations = [
        migrations.AddField(model_name="accountrequest", name="enseigne", field=ENSEIGNE),
        migrations.AddField(model_name="establishment", name="enseigne", field=ENSEIGNE),
        migrations.AlterField(
            model_name="accountrequest",
            name="establishment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="account_requests",
                to="habilitations.establishment",
                verbose_name="établissement",
            ),
        ),
        migrations.RemoveField(model_name="establishment", name="fiche_complete"),
        migrations.AddField(
            model_name="establishment",
            name="fiche_complete",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Q(
                    models.Q(("denomination", ""), _negated=True),
                    models.Q(("libelle_voie", ""), _negated=True),
                    models.Q(("code_postal", ""), _negated=True),
                    models.Q(("ville", ""), _negated=True),
                    models.Q(("telephone", ""), _negated=True),
                    models.Q(("courriel", ""), _negated=True),
                    models.Q(("contact_nom", ""), _negated=True),
                    models.Q(("contact_prenom", ""), _negated=True),
                    models.Q(("contact_telephone", ""), _negated=True),
                    models.Q(("contact_courriel", ""), _negated=True),
                    ("effectif__isnull", False),
                    models.Q(("code_naf", ""), _negated=True),
                ),
                output_field=models.BooleanField(verbose_name="fiche établissement complète"),
                verbose_name="fiche établissement complète",
            ),
        ),
    ]
