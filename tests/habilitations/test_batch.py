"""« Demande d'habilitation en masse »: a 500-line file with every kind of line, run twice; the pages; the task."""

import csv
import io
import time
from unittest.mock import ANY

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from django.urls import reverse

from apart.outbox.models import OutboxEmail
from habilitations.enums import AccountRequestStatus, ExtranetCode, HabilitationBatchResult, HabilitationBatchStatus
from habilitations.models import (
    AccountRequest,
    ActivationLetter,
    Establishment,
    Habilitation,
    HabilitationBatch,
    HabilitationBatchLine,
)
from habilitations.services import (
    BATCH_SIRET_CLOSED,
    BATCH_SIRET_UNKNOWN,
    BATCH_SPACE_EXISTS,
    habilitation_batch_process,
    habilitation_batch_submit,
)
from tests.factories import (
    AccountRequestFactory,
    EstablishmentFactory,
    HabilitationFactory,
    SireneEtablissementFactory,
    UserFactory,
    make_siret,
)

pytestmark = pytest.mark.django_db
R = HabilitationBatchResult


@pytest.fixture
def expert(client):
    """An expert-comptable already habilitated on one establishment (so logged in: cas n°2 for every line)."""
    user = UserFactory(nom="Comptable", prenom="Agnès", courriel="agnes@cabinet.fr")
    HabilitationFactory(user=user, establishment=EstablishmentFactory())
    client.force_login(user)
    client.user = user
    return client


def _sirene(n, **fields):
    return [SireneEtablissementFactory(**fields).siret for _ in range(n)]


def _bad_key(siret):
    return siret[:-1] + str((int(siret[-1]) + 1) % 10)


@pytest.fixture
def file_500(expert):
    """500 SIRET lines (and blank ones) of every kind, with what each must become."""
    user = expert.user
    other = UserFactory()
    expected = []  # (siret typed, result, message or None)
    for siret in _sirene(250):  # in SIRENE, no space: created
        expected.append((siret, R.CREATED, None))
    for siret in _sirene(60):  # a space still non vérifié, claimed by someone else: attached (and a letter)
        HabilitationFactory(user=other, establishment=EstablishmentFactory(siret=siret, unverified=True))
        expected.append((siret, R.ATTACHED, None))
    for siret in _sirene(30):  # a vérifié space of someone else: CRÉER MON ESPACE's first step stops there
        HabilitationFactory(user=other, establishment=EstablishmentFactory(siret=siret))
        expected.append((siret, R.REFUSED, BATCH_SPACE_EXISTS))
    for siret in _sirene(30):  # already habilitated
        HabilitationFactory(user=user, establishment=EstablishmentFactory(siret=siret))
        expected.append((siret, R.ALREADY_HABILITATED, None))
    for siret in _sirene(30):  # another claimant's request waits for staff: this one waits too
        AccountRequestFactory(siret=siret, sirene_unavailable=True)
        expected.append((siret, R.PENDING, None))
    for _ in range(30):
        expected.append((make_siret(), R.REFUSED, BATCH_SIRET_UNKNOWN))
    for siret in _sirene(20, etat_administratif="F"):
        expected.append((siret, R.REFUSED, BATCH_SIRET_CLOSED))
    for _ in range(30):
        expected.append(
            (_bad_key(make_siret()), R.REFUSED, "Le numéro de Siret n'est pas valide (clé de contrôle erronée).")
        )
    created = [siret for siret, result, _ in expected if result == R.CREATED]
    for siret in created[:20]:  # repeated further down the file
        expected.append((f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}", R.REFUSED, "Ce Siret figure déjà"))
    assert len(expected) == 500
    lines = ["siret;nom;prénom;téléphone;courriel"]
    for index, (siret, _result, _message) in enumerate(expected):
        contact = ";Lefèvre;Hélène;01 43 00 00 00;helene@client.fr" if index == 0 else ";;;;"
        lines.append(siret + contact)
        if index % 50 == 0:
            lines.append("")  # blank lines are skipped
    text = "\r\n".join(lines) + "\r\n"
    return text, expected


def _upload(text):
    return SimpleUploadedFile("clients.csv", ("\ufeff" + text).encode("utf-8"), content_type="text/csv")


def _submit(user, text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return habilitation_batch_submit(user=user, fichier=_upload(text))


def test_a_500_line_file_gives_each_line_its_result_then_one_summary_e_mail(
    expert, file_500, django_capture_on_commit_callbacks
):
    text, expected = file_500
    establishments_before = Establishment.objects.count()
    pending_before = AccountRequest.objects.pending().count()

    batch = _submit(expert.user, text, django_capture_on_commit_callbacks)

    batch.refresh_from_db()
    assert batch.status == HabilitationBatchStatus.DONE and batch.finished_at is not None
    assert (batch.total, batch.processed) == (500, 500)
    lines = list(batch.lines.order_by("line_number"))
    assert len(lines) == 500  # blank lines are not lines of the batch
    for line, (siret, result, message) in zip(lines, expected, strict=True):
        assert (line.siret_typed, line.result) == (siret, result), line.message
        if message:
            assert line.message.startswith(message)
    assert lines[0].line_number == 2  # the header is line 1; the numbers are the file's
    counts = (batch.created_count, batch.attached_count, batch.pending_count, batch.refused_count, batch.already_count)
    assert counts == (250, 60, 30, 130, 30)

    # What was created: 250 establishments, a habilitation on 310, a letter for each (all non vérifié).
    assert Establishment.objects.count() == establishments_before + 250
    habilitated = Habilitation.objects.for_extranet(ExtranetCode.APART).filter(user=expert.user)
    assert habilitated.count() == 1 + 30 + 250 + 60
    assert ActivationLetter.objects.filter(user=expert.user).count() == 310
    assert AccountRequest.objects.pending().count() == pending_before + 30
    created = lines[0].establishment
    assert created.fiche_updated_by == expert.user
    assert (created.contact_nom, created.contact_prenom, created.contact_courriel) == (
        "Lefèvre",
        "Hélène",
        "helene@client.fr",
    )
    assert (
        lines[1].establishment.contact_courriel == "agnes@cabinet.fr"
    )  # no contact given: the user, as CRÉER MON ESPACE

    # One e-mail for the whole batch, none per SIRET.
    (email,) = OutboxEmail.objects.filter(to="agnes@cabinet.fr")
    assert email.kind == "habilitations_en_masse"
    assert "Établissements créés (vous y êtes habilité) : 250" in email.body_text
    assert "Lignes refusées : 130" in email.body_text
    assert f"/espace/habilitations-en-masse/{batch.pk}/" in email.body_text
    assert OutboxEmail.objects.count() == 1


def test_running_the_same_file_again_changes_nothing(expert, file_500, django_capture_on_commit_callbacks):
    text, _expected = file_500
    first = _submit(expert.user, text, django_capture_on_commit_callbacks)
    snapshot = {
        model: model.objects.count()
        for model in (Establishment, Habilitation, AccountRequest, ActivationLetter, OutboxEmail)
    }

    again = _submit(expert.user, text, django_capture_on_commit_callbacks)

    assert again.pk != first.pk
    again.refresh_from_db()
    assert again.status == HabilitationBatchStatus.DONE
    assert (again.created_count, again.attached_count, again.pending_count) == (0, 0, 0)
    results = dict(again.lines.values_list("result").annotate(n=Count("pk")).order_by())
    # What was created or attached is now « Déjà habilité »; what waits for staff, « Déjà demandé » by this user
    # for the 30 lines waiting behind another claimant's request (their own request is now open).
    assert results == {R.ALREADY_HABILITATED: 30 + 250 + 60, R.ALREADY_REQUESTED: 30, R.REFUSED: 130}
    snapshot[OutboxEmail] += 1  # the second batch's summary, and nothing else
    assert {model: model.objects.count() for model in snapshot} == snapshot


def test_the_same_input_sent_twice_while_processing_gives_the_same_batch(expert, django_capture_on_commit_callbacks):
    siret = SireneEtablissementFactory().siret
    with django_capture_on_commit_callbacks(execute=False):
        first = habilitation_batch_submit(user=expert.user, sirets_text=siret)
        second = habilitation_batch_submit(user=expert.user, sirets_text=f"{siret[:9]} {siret[9:]}\n")

    assert first.pk == second.pk
    assert HabilitationBatch.objects.count() == 1


def test_processing_twice_or_a_crashed_run_resumed_processes_each_line_once(expert, django_capture_on_commit_callbacks):
    sirets = [SireneEtablissementFactory().siret for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=False):
        batch = habilitation_batch_submit(user=expert.user, sirets_text="\n".join(sirets))

    habilitation_batch_process(batch_id=batch.pk)
    habilitation_batch_process(batch_id=batch.pk)

    assert list(batch.lines.values_list("result", flat=True)) == [R.CREATED] * 3
    assert OutboxEmail.objects.filter(kind="habilitations_en_masse").count() == 1


# --- Pages -------------------------------------------------------------------------------------------------------


def test_the_form_page_has_its_title_its_fields_and_the_link_from_the_space(expert):
    html = expert.get(reverse("espace:habilitation_batches")).content.decode()

    assert '<h1 class="fr-h3">Demande d\'habilitation en masse</h1>' in html
    assert '<label class="fr-label" for="id_sirets">N° de Siret' in html
    assert '<label class="fr-label" for="id_fichier">Fichier CSV' in html
    assert 'enctype="multipart/form-data"' in html
    assert reverse("espace:habilitation_batches") in expert.get(reverse("espace:home")).content.decode()


def test_an_empty_form_says_so_next_to_the_field(expert):
    response = expert.post(reverse("espace:habilitation_batches"), {"sirets": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "sirets": ["Saisissez au moins un numéro de Siret, un par ligne, ou choisissez un fichier CSV."]
    }
    assert HabilitationBatch.objects.count() == 0


def test_a_file_without_a_siret_column_is_refused_on_the_file_field(expert):
    upload = SimpleUploadedFile("clients.csv", b"numero;nom\n1;A\n", content_type="text/csv")

    response = expert.post(reverse("espace:habilitation_batches"), {"fichier": upload})

    assert response.context["form"].errors == {
        "fichier": ["Le fichier doit avoir une ligne d'en-tête avec une colonne « siret »."]
    }


def test_the_progress_page_says_en_cours_and_refreshes_itself_then_shows_the_results(
    expert, django_capture_on_commit_callbacks
):
    known = SireneEtablissementFactory(denomination="BOULANGERIE DU CANAL").siret
    unknown = make_siret()
    with django_capture_on_commit_callbacks(execute=False):  # the task not run yet
        response = expert.post(reverse("espace:habilitation_batches"), {"sirets": f"{known}\n{unknown}"})
    batch = HabilitationBatch.objects.get()
    assert response.url == reverse("espace:habilitation_batch", args=[batch.pk])

    html = expert.get(response.url).content.decode()
    assert "en cours de traitement" in html
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "0 / 2 lignes traitées" in html
    assert "Télécharger le rapport (CSV)" not in html

    habilitation_batch_process(batch_id=batch.pk)

    html = expert.get(response.url).content.decode()
    assert "en cours de traitement" not in html
    assert 'http-equiv="refresh"' not in html
    assert "Traitement terminé le" in html
    assert "BOULANGERIE DU CANAL" in html and "Créé" in html
    assert BATCH_SIRET_UNKNOWN.replace("'", "&#x27;") in html
    assert "Télécharger le rapport (CSV)" in html
    listing = expert.get(reverse("espace:habilitation_batches")).content.decode()
    assert reverse("espace:habilitation_batch", args=[batch.pk]) in listing and "Terminé" in listing


def test_the_report_is_a_semicolon_csv_in_utf8_with_a_bom(expert, django_capture_on_commit_callbacks):
    known = SireneEtablissementFactory(denomination="BOULANGERIE DU CANAL").siret
    with django_capture_on_commit_callbacks(execute=True):
        batch = habilitation_batch_submit(user=expert.user, sirets_text=f"{known}\n=1+1")

    response = expert.get(reverse("espace:habilitation_batch_report", args=[batch.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="habilitations-en-masse-{batch.pk}.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["ligne", "siret saisi", "siret", "résultat", "message", "établissement"]
    assert rows[1][:4] == ["1", known, known, "Créé"] and rows[1][5] == "BOULANGERIE DU CANAL"
    assert rows[2][:4] == ["2", "'=1+1", "", "Refusé"]  # what was typed never becomes a formula


@pytest.mark.parametrize("name", ["espace:habilitation_batch", "espace:habilitation_batch_report"])
def test_another_users_batch_is_a_404(expert, name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        theirs = habilitation_batch_submit(user=UserFactory(), sirets_text=make_siret())

    assert expert.get(reverse(name, args=[theirs.pk])).status_code == 404


# --- The task, through a real Celery worker ---------------------------------------------------------------------


@pytest.mark.postgres
def test_a_real_celery_worker_processes_the_batch_fetched_by_id_by_chunks(celery_worker_process):
    user = UserFactory(courriel="agnes@cabinet.fr")
    HabilitationFactory(user=user)
    sirets = [SireneEtablissementFactory().siret for _ in range(120)]  # 3 chunks of at most 50 lines
    with transaction.atomic():
        batch = habilitation_batch_submit(user=user, sirets_text="\n".join(sirets))

    deadline = time.monotonic() + 60
    while HabilitationBatch.objects.get(pk=batch.pk).status != HabilitationBatchStatus.DONE:
        assert time.monotonic() < deadline, "".join(celery_worker_process.output[-30:])
        time.sleep(0.2)

    assert set(HabilitationBatchLine.objects.filter(batch=batch).values_list("result", flat=True)) == {R.CREATED}
    # The worker's log lines arrive through a pipe: the last « succeeded » may follow the batch's DONE by a moment.
    while "".join(celery_worker_process.output).count("habilitations.tasks.process_batch_chunk[") < 3 * 2:
        assert time.monotonic() < deadline, "".join(celery_worker_process.output[-30:])
        time.sleep(0.2)
    output = "".join(celery_worker_process.output)
    assert "habilitations.tasks.process_batch[" in output
    assert output.count("habilitations.tasks.process_batch_chunk[") >= 3 * 2  # received, then succeeded
    assert OutboxEmail.objects.filter(kind="habilitations_en_masse", to="agnes@cabinet.fr").count() == 1
    assert AccountRequest.objects.filter(status=AccountRequestStatus.APPROVED).count() == 120


def test_a_request_staff_refused_is_not_asked_again_by_the_next_file(expert, django_capture_on_commit_callbacks):
    from habilitations.services import account_request_reject

    siret = SireneEtablissementFactory().siret
    AccountRequestFactory(siret=siret, sirene_unavailable=True)  # another claimant's: this one waits for staff
    first = _submit_text(expert.user, siret, django_capture_on_commit_callbacks)
    (line,) = first.lines.all()
    assert line.result == R.PENDING
    account_request_reject(account_request=line.account_request, by=UserFactory(staff=True), reason="Siret sans lien.")

    again = _submit_text(expert.user, siret, django_capture_on_commit_callbacks)

    (line,) = again.lines.all()
    assert line.result == R.REFUSED
    assert line.message.endswith("a été refusée par l'ASP : Siret sans lien.")
    assert AccountRequest.objects.filter(siret=siret).count() == 2  # the other claimant's, and the refused one


def _submit_text(user, text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = habilitation_batch_submit(user=user, sirets_text=text)
    batch.refresh_from_db()
    return batch


def test_staff_read_a_batch_and_its_lines_in_the_admin(expert, django_capture_on_commit_callbacks, request):
    batch = _submit_text(expert.user, make_siret(), django_capture_on_commit_callbacks)
    client = request.getfixturevalue("staff_client")

    html = client.get(reverse("admin:habilitations_habilitationbatch_change", args=[batch.pk])).content.decode()

    assert BATCH_SIRET_UNKNOWN.replace("'", "&#x27;") in html
    assert client.get(reverse("admin:habilitations_habilitationbatch_changelist")).status_code == 200


def test_a_request_reference_drawn_twice_is_drawn_again(expert, django_capture_on_commit_callbacks, monkeypatch):
    import habilitations.services as services

    taken = AccountRequestFactory(sirene_unavailable=True).reference
    draws = iter([taken, taken, "DCC-20261128-NEUVE1"])
    monkeypatch.setattr(services, "_new_reference", lambda: next(draws))

    batch = _submit_text(expert.user, SireneEtablissementFactory().siret, django_capture_on_commit_callbacks)

    (line,) = batch.lines.all()
    assert line.result == R.CREATED
    assert line.account_request.reference == "DCC-20261128-NEUVE1"


def test_a_line_that_fails_is_refused_and_the_batch_goes_on(expert, django_capture_on_commit_callbacks, monkeypatch):
    import habilitations.services as services
    from habilitations.services import BATCH_LINE_ERROR

    broken, fine = SireneEtablissementFactory().siret, SireneEtablissementFactory().siret
    lookup = services.sirene_lookup

    def failing(siret):
        if siret == broken:
            raise RuntimeError("panne")
        return lookup(siret)

    monkeypatch.setattr(services, "sirene_lookup", failing)

    batch = _submit_text(expert.user, f"{broken}\n{fine}", django_capture_on_commit_callbacks)

    assert list(batch.lines.values_list("result", "message")) == [(R.REFUSED, BATCH_LINE_ERROR), (R.CREATED, ANY)]
    assert batch.status == HabilitationBatchStatus.DONE
