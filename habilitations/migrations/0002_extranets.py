from django.db import migrations

EXTRANETS = [
    ("APART", "Activité Partielle"),
    ("SYLAE", "SYLAé"),
    ("APEA", "APEA"),
    ("ELISA", "Elisa"),
    ("SERVICE_CIVIQUE", "Service Civique"),
    ("ENTREPRISES_ADAPTEES", "Entreprises Adaptées"),
]


def create_extranets(apps, schema_editor):
    Extranet = apps.get_model("habilitations", "Extranet")
    for code, name in EXTRANETS:
        Extranet.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("habilitations", "0001_initial")]

    operations = [migrations.RunPython(create_extranets, migrations.RunPython.noop)]
