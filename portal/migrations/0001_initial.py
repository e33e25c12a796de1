# The information banner moves from `support` to `portal`: the table stays where it is (state only here), and
# 0002 renames it in place.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("support", "0004_move_announcement_and_staffaction"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Announcement",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(default="Information", max_length=200, verbose_name="titre")),
                        ("body", models.TextField(verbose_name="message")),
                        ("is_active", models.BooleanField(default=True, verbose_name="publiée")),
                        ("starts_at", models.DateTimeField(blank=True, null=True, verbose_name="afficher à partir du")),
                        ("ends_at", models.DateTimeField(blank=True, null=True, verbose_name="afficher jusqu'au")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="créée le")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="modifiée le")),
                    ],
                    options={
                        "verbose_name": "bandeau d'information",
                        "verbose_name_plural": "bandeaux d'information",
                        "ordering": ["-starts_at", "-created_at"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("starts_at__isnull", True),
                                    ("ends_at__isnull", True),
                                    ("ends_at__gt", models.F("starts_at")),
                                    _connector="OR",
                                ),
                                name="announcement_ends_after_start",
                                violation_error_message="La fin de l'affichage doit suivre son début.",
                            )
                        ],
                        "db_table": "support_announcement",
                    },
                ),
            ],
        ),
    ]
