# The information banner now belongs to `portal`, the staff actions journal to `audit` (their 0001 take the
# tables over as they are).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0003_knowledge_base_articles"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="StaffAction"),
                migrations.DeleteModel(name="Announcement"),
            ],
        ),
    ]
