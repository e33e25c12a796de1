# The banner's table takes this app's name (ALTER TABLE … RENAME: nothing is copied).

from django.db import migrations

from apart.migration_helpers import move_content_types

forwards, backwards = move_content_types(from_app="support", to_app="portal", models=("announcement",))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AlterModelTable(name="announcement", table=None),
    ]
