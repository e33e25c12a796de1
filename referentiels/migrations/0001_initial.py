# The SIRENE copy and the codes postaux move from `habilitations` to `referentiels`: the tables stay where they
# are (state only here), and 0002 renames them in place.

from django.db import migrations, models

ETAT_ADMINISTRATIF = [("A", "Actif"), ("F", "Fermé")]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("habilitations", "0005_fiche_etablissement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="SireneUniteLegale",
                    fields=[
                        ("siren", models.CharField(max_length=9, primary_key=True, serialize=False, verbose_name="Siren")),
                        ("denomination", models.CharField(blank=True, max_length=255, verbose_name="dénomination")),
                        ("sigle", models.CharField(blank=True, max_length=50, verbose_name="sigle")),
                        ("prenom", models.CharField(blank=True, max_length=100, verbose_name="prénom")),
                        ("nom", models.CharField(blank=True, max_length=100, verbose_name="nom")),
                        (
                            "etat_administratif",
                            models.CharField(
                                blank=True, choices=ETAT_ADMINISTRATIF, max_length=1, verbose_name="état administratif"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "unité légale SIRENE",
                        "verbose_name_plural": "unités légales SIRENE",
                        "db_table": "habilitations_sireneunitelegale",
                    },
                ),
                migrations.CreateModel(
                    name="SireneEtablissement",
                    fields=[
                        ("siret", models.CharField(max_length=14, primary_key=True, serialize=False, verbose_name="Siret")),
                        ("siren", models.CharField(max_length=9, verbose_name="Siren")),
                        ("denomination", models.CharField(blank=True, max_length=255, verbose_name="dénomination")),
                        ("enseigne", models.CharField(blank=True, max_length=100, verbose_name="enseigne")),
                        ("numero_voie", models.CharField(blank=True, max_length=10, verbose_name="numéro de voie")),
                        (
                            "indice_repetition",
                            models.CharField(blank=True, max_length=10, verbose_name="indice de répétition"),
                        ),
                        ("type_voie", models.CharField(blank=True, max_length=10, verbose_name="type de voie")),
                        ("libelle_voie", models.CharField(blank=True, max_length=255, verbose_name="libellé de la voie")),
                        (
                            "complement_adresse",
                            models.CharField(blank=True, max_length=255, verbose_name="complément d'adresse"),
                        ),
                        ("code_postal", models.CharField(blank=True, max_length=10, verbose_name="code postal")),
                        ("libelle_commune", models.CharField(blank=True, max_length=100, verbose_name="commune")),
                        ("code_commune", models.CharField(blank=True, max_length=5, verbose_name="code commune")),
                        (
                            "etat_administratif",
                            models.CharField(
                                blank=True, choices=ETAT_ADMINISTRATIF, max_length=1, verbose_name="état administratif"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "établissement SIRENE",
                        "verbose_name_plural": "établissements SIRENE",
                        "indexes": [models.Index(fields=["siren"], name="sirene_etab_siren_idx")],
                        "db_table": "habilitations_sireneetablissement",
                    },
                ),
                migrations.CreateModel(
                    name="CodePostalCommune",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code_postal", models.CharField(db_index=True, max_length=5, verbose_name="code postal")),
                        ("code_commune", models.CharField(max_length=5, verbose_name="code commune INSEE")),
                        ("nom_commune", models.CharField(max_length=100, verbose_name="nom de la commune")),
                        (
                            "libelle_acheminement",
                            models.CharField(max_length=100, verbose_name="libellé d'acheminement"),
                        ),
                    ],
                    options={
                        "verbose_name": "code postal",
                        "verbose_name_plural": "codes postaux",
                        "ordering": ["code_postal", "nom_commune"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("code_postal", "code_commune", "libelle_acheminement"),
                                name="codepostalcommune_unique",
                            )
                        ],
                        "db_table": "habilitations_codepostalcommune",
                    },
                ),
            ],
        ),
    ]
