"""`manage.py run_payments --output FILE`, the daily beat task and its schedule."""

from io import StringIO

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command

from bareme.engine import format_euros
from indemnisation import tasks
from indemnisation.enums import Statut
from indemnisation.models import DemandeIndemnisation, Paiement
from tests.indemnisation.paiement_helpers import make_validees, read_file

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("run_payments", *args, stdout=out)
    return out.getvalue().strip()


def test_the_command_writes_the_file_and_says_what_it_paid(tmp_path):
    demandes = make_validees(3)
    output = tmp_path / "virements.xml"

    printed = run("--output", str(output))

    paiement = Paiement.objects.get()
    total = sum(demande.total_allocation for demande in demandes)
    assert printed == f"3 demandes mises en paiement, total {format_euros(total)} — fichier écrit : {output}"
    assert "," in format_euros(total)  # the French way: 1 234,56 €
    text = output.read_text(encoding="utf-8")
    assert text == paiement.fichier
    assert read_file(text)["ctrl_sum"] == total
    assert paiement.created_by is None
    assert DemandeIndemnisation.objects.filter(statut=Statut.MISE_EN_PAIEMENT).count() == 3


def test_one_di_is_said_in_the_singular(tmp_path):
    make_validees(1)

    assert run("--output", str(tmp_path / "a.xml")).startswith("1 demande mise en paiement, total ")


def test_nothing_to_pay_writes_no_file(tmp_path):
    output = tmp_path / "virements.xml"

    printed = run("--output", str(output))

    assert printed == "Aucune demande validée à payer : aucun fichier écrit."
    assert not output.exists()
    assert not Paiement.objects.exists()


def test_the_second_run_writes_no_file(tmp_path):
    make_validees(2)
    run("--output", str(tmp_path / "premier.xml"))

    printed = run("--output", str(tmp_path / "second.xml"))

    assert printed == "Aucune demande validée à payer : aucun fichier écrit."
    assert not (tmp_path / "second.xml").exists()
    assert Paiement.objects.count() == 1


def test_an_existing_file_is_refused_before_paying(tmp_path):
    make_validees(1)
    output = tmp_path / "virements.xml"
    output.write_text("ancien")

    with pytest.raises(CommandError, match="existe déjà"):
        run("--output", str(output))

    assert output.read_text() == "ancien"
    assert not Paiement.objects.exists()
    assert DemandeIndemnisation.objects.get().statut == Statut.VALIDEE


def test_a_missing_folder_is_refused_before_paying(tmp_path):
    make_validees(1)

    with pytest.raises(CommandError, match="n'existe pas"):
        run("--output", str(tmp_path / "absent" / "virements.xml"))

    assert not Paiement.objects.exists()


def test_the_beat_runs_the_payment_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["indemnisation-run-payments"]

    assert entry["task"] == tasks.run_payments.name == "indemnisation.tasks.run_payments"
    assert entry["schedule"] == crontab(hour=6, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/Paris"


def test_the_task_calls_the_run():
    (demande,) = make_validees(1)

    numero = tasks.run_payments()

    paiement = Paiement.objects.get()
    assert numero == paiement.numero
    assert list(paiement.demandes.all()) == [demande]
    assert tasks.run_payments() is None
