# The journal records any subject (an account request, a ticket, later a DAP), by content type and id, and the
# establishment by its SIRET; automatic actions have no actor. The rows written for tickets keep their ticket.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apart.migration_helpers import move_content_types

move_forwards, move_backwards = move_content_types(from_app="support", to_app="audit", models=("staffaction",))


def ticket_to_subject(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    staff_action = apps.get_model("audit", "StaffAction")
    rows = staff_action.objects.select_related("establishment")
    if not rows.exists():
        return
    ticket_type, _created = content_type.objects.get_or_create(app_label="support", model="ticket")
    for row in rows.iterator():
        row.subject_type_id = ticket_type.pk
        row.subject_id = row.ticket_id
        row.siret = row.establishment.siret if row.establishment_id else ""
        row.save(update_fields=["subject_type", "subject_id", "siret"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="staffaction",
            name="siret",
            field=models.CharField(blank=True, db_index=True, max_length=14, verbose_name="Siret concerné"),
        ),
        migrations.AddField(
            model_name="staffaction",
            name="subject_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="objet",
            ),
        ),
        migrations.AddField(
            model_name="staffaction",
            name="subject_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="identifiant de l'objet"),
        ),
        migrations.RunPython(ticket_to_subject, migrations.RunPython.noop),
        migrations.RemoveField(model_name="staffaction", name="ticket"),
        migrations.RemoveField(model_name="staffaction", name="establishment"),
        migrations.AlterField(
            model_name="staffaction",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="agent",
            ),
        ),
        migrations.AlterField(
            model_name="staffaction",
            name="action",
            field=models.CharField(
                choices=[
                    ("ticket_reply", "Réponse au demandeur"),
                    ("ticket_status", "Changement de statut"),
                    ("ticket_assign", "Attribution"),
                    ("account_request_approve", "Validation d'une demande de création de compte"),
                    ("account_request_reject", "Refus d'une demande de création de compte"),
                    ("emails_resend", "Renvoi des courriels du compte"),
                    ("secret_question_reset", "Réinitialisation de la question secrète"),
                    ("habilitation_create", "Création d'une habilitation"),
                    ("habilitation_transfer", "Transfert de l'habilitation (Cas 2.1)"),
                    ("habilitation_extend", "Prolongation d'un an de l'habilitation"),
                    ("habilitation_end", "Fin de l'habilitation"),
                    ("fiche_update", "Modification d'une fiche établissement"),
                ],
                db_index=True,
                max_length=32,
                verbose_name="action",
            ),
        ),
        migrations.AddIndex(
            model_name="staffaction",
            index=models.Index(fields=["subject_type", "subject_id"], name="staffaction_subject_idx"),
        ),
        migrations.AddConstraint(
            model_name="staffaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("subject_id__isnull", True), ("subject_type__isnull", True))
                | models.Q(("subject_id__isnull", False), ("subject_type__isnull", False)),
                name="staffaction_subject_complete",
            ),
        ),
        migrations.RunPython(move_forwards, move_backwards),
        migrations.AlterModelTable(name="staffaction", table=None),
    ]
