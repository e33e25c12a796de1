# The tables moved from `habilitations` take this app's names (ALTER TABLE … RENAME: nothing is copied).

from django.db import migrations

from apart.migration_helpers import move_content_types

MODELS = ("sireneunitelegale", "sireneetablissement", "codepostalcommune")
forwards, backwards = move_content_types(from_app="habilitations", to_app="referentiels", models=MODELS)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("referentiels", "0001_initial"),
        ("habilitations", "0006_move_referentiels"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AlterModelTable(name="sireneunitelegale", table=None),
        migrations.AlterModelTable(name="sireneetablissement", table=None),
        migrations.AlterModelTable(name="codepostalcommune", table=None),
    ]
