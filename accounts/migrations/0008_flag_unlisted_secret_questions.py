"""Accounts whose secret question was typed freely choose a listed one at their next connection."""

from django.db import migrations

# accounts.secret_questions.SECRET_QUESTIONS when this migration was written (a migration keeps its own copy).
SECRET_QUESTIONS = (
    "Quelle est votre ville de naissance ?",
    "Quel est le nom de votre premier animal de compagnie ?",
    "Quel est le prénom de votre grand-mère maternelle ?",
    "Quelle est la ville de naissance de votre mère ?",
    "Quel était le nom de votre école primaire ?",
    "Quel est le prénom de votre meilleur ami d'enfance ?",
    "Quelle était la marque de votre première voiture ?",
    "Quel est votre plat préféré ?",
    "Dans quelle rue avez-vous grandi ?",
    "Quel métier rêviez-vous de faire enfant ?",
)


def flag_unlisted(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.exclude(secret_question="").exclude(secret_question__in=SECRET_QUESTIONS).update(
        must_set_secret_question=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_recovery_answer_counter"),
    ]

    operations = [
        migrations.RunPython(flag_unlisted, migrations.RunPython.noop),
    ]
