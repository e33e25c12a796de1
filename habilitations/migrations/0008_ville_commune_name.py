# One way to write a "Ville": the commune's name in the codes postaux table (Paris 11e Arrondissement, not the
# PARIS 11 that establishments created from SIRENE had), as CRÉER MON ESPACE and the fiche now store it.

from django.db import migrations

from referentiels.codes_postaux import comparable_name


def ville_commune_name(apps, schema_editor):
    commune_model = apps.get_model("referentiels", "CodePostalCommune")
    for model_name in ("Establishment", "AccountRequest"):
        model = apps.get_model("habilitations", model_name)
        for row in model.objects.only("pk", "code_postal", "code_commune", "ville").iterator():
            communes = list(commune_model.objects.filter(code_postal=row.code_postal))
            match = next((c for c in communes if row.code_commune and c.code_commune == row.code_commune), None)
            match = match or next(
                (
                    c
                    for c in communes
                    if comparable_name(row.ville)
                    in (comparable_name(c.nom_commune), comparable_name(c.libelle_acheminement))
                ),
                None,
            )
            if match is None and len(communes) == 1:  # a code postal that serves one commune names it
                match = communes[0]
            if match is not None and (match.nom_commune, match.code_commune) != (row.ville, row.code_commune):
                model.objects.filter(pk=row.pk).update(ville=match.nom_commune, code_commune=match.code_commune)


class Migration(migrations.Migration):
    dependencies = [
        ("habilitations", "0007_enseigne_fiche_complete_generated"),
        ("referentiels", "0002_rename_tables"),
    ]

    operations = [migrations.RunPython(ville_commune_name, migrations.RunPython.noop)]
