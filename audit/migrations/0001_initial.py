# The staff actions journal moves from `support` to `audit`: the table stays where it is (state only here);
# 0002 generalises it (any subject, not only a ticket) and renames it in place.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("habilitations", "0005_fiche_etablissement"),
        ("support", "0004_move_announcement_and_staffaction"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="StaffAction",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="le")),
                        ("action", models.CharField(max_length=32, verbose_name="action")),
                        ("summary", models.TextField(verbose_name="détail")),
                        ("details", models.JSONField(blank=True, default=dict, verbose_name="données")),
                        (
                            "actor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="agent",
                            ),
                        ),
                        (
                            "establishment",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="habilitations.establishment",
                                verbose_name="établissement concerné",
                            ),
                        ),
                        (
                            "target_user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="compte concerné",
                            ),
                        ),
                        (
                            "ticket",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="support.ticket",
                                verbose_name="demande",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "action d'un agent",
                        "verbose_name_plural": "actions des agents (journal)",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "support_staffaction",
                    },
                ),
            ],
        ),
    ]
