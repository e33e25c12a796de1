"""The reminders (indemnisation.rappels): the end of a habilitation at 30 and 7 days, the DI to file 15 days before
the filing limit, the users' preferences, the daily digest above 10 establishments, the command and the task."""

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from apart.outbox.models import OutboxEmail
from dap.enums import Statut as StatutDap
from habilitations.models import Habilitation
from indemnisation.enums import RappelDelivery, RappelKind
from indemnisation.models import Rappel
from indemnisation.rappels import rappels_send
from indemnisation.tasks import apply_deadlines
from tests.dap.conftest import make_demande
from tests.factories import EstablishmentFactory, HabilitationFactory, UserFactory
from tests.indemnisation.helpers import make_nir, make_sent_di

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
D = datetime.date
START, END = D(2026, 1, 1), D(2026, 12, 31)  # the habilitation's first and last days


def at(day: datetime.date, hour: int = 0, minute: int = 5):
    """The beat's run of `day` (00:05, Europe/Paris)."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS), tick=False)


def habilitation(*, user=None, establishment=None, valid_from=START, valid_until=END, **fields) -> Habilitation:
    return HabilitationFactory(
        user=user or UserFactory(),
        establishment=establishment or EstablishmentFactory(complete=True),
        valid_from=valid_from,
        valid_until=valid_until,
        **fields,
    )


def emails(kind=None, to=None):
    queryset = OutboxEmail.objects.order_by("pk")
    if kind:
        queryset = queryset.filter(kind=kind)
    if to:
        queryset = queryset.filter(to=to)
    return list(queryset)


# --- Fin d'habilitation ---------------------------------------------------------------------------------------------


def test_the_30_day_and_the_7_day_reminders_are_sent_once_each_across_runs_and_days():
    held = habilitation(user=UserFactory(courriel="titulaire@example.fr"))

    with at(D(2026, 11, 30)):  # D-31
        apply_deadlines()
    assert emails() == []

    with at(D(2026, 12, 1)):  # D-30, twice
        apply_deadlines()
        apply_deadlines()
    [first] = emails("rappel_habilitation")
    assert first.to == "titulaire@example.fr"
    assert "prend fin le 31/12/2026" in first.subject
    assert "prend fin le 31/12/2026 (dans 30 jours)" in first.body_text
    # The renewal path: a demande d'assistance with the motif « Habilitation à l'extranet », pre-filled.
    assert "« Habilitation à l'extranet »" in first.body_text
    assert (
        f"{settings.SITE_URL}/besoin-d-aide/assistance/?motif=habilitation&siret={held.establishment.siret}"
        in first.body_text
    )

    with at(D(2026, 12, 2)):  # D-29: nothing new
        apply_deadlines()
    assert len(emails()) == 1

    with at(D(2026, 12, 24)):  # D-7, twice
        apply_deadlines()
        apply_deadlines()
    first_again, second = emails("rappel_habilitation")
    assert first_again == first
    assert "(dans 7 jours)" in second.body_text

    with at(D(2026, 12, 31)):
        apply_deadlines()
    assert len(emails()) == 2
    rows = Rappel.objects.order_by("pk")
    assert [(row.kind, row.subject_id, row.subject_date, row.recipient) for row in rows] == [
        (RappelKind.HABILITATION_J30, held.pk, END, "titulaire@example.fr"),
        (RappelKind.HABILITATION_J7, held.pk, END, "titulaire@example.fr"),
    ]
    assert [row.email for row in rows] == [first, second]
    assert {row.delivery for row in rows} == {RappelDelivery.COURRIEL}


def test_a_missed_30th_day_is_caught_up_until_the_7_day_reminder_takes_over():
    habilitation()
    rappels_send(today=D(2026, 12, 5))  # D-26: the beat was down from the 1st
    assert [row.kind for row in Rappel.objects.all()] == [RappelKind.HABILITATION_J30]
    habilitation(valid_until=D(2026, 12, 10))  # 5 days left at its first run: only the 7-day one
    rappels_send(today=D(2026, 12, 5))
    assert sorted(Rappel.objects.values_list("kind", flat=True)) == [
        RappelKind.HABILITATION_J30,
        RappelKind.HABILITATION_J7,
    ]


def test_a_prolonged_habilitation_is_reminded_again_before_its_new_end():
    held = habilitation()
    rappels_send(today=D(2026, 12, 1))
    Habilitation.objects.filter(pk=held.pk).update(valid_until=D(2027, 12, 31))
    rappels_send(today=D(2026, 12, 24))  # the old end's 7 days: nothing, the habilitation goes on
    assert len(emails()) == 1
    rappels_send(today=D(2027, 12, 1))
    assert len(emails("rappel_habilitation")) == 2
    assert "prend fin le 31/12/2027" in emails()[-1].subject


def test_no_reminder_for_an_expired_a_future_or_another_extranet_s_habilitation():
    habilitation(valid_until=D(2026, 11, 30))  # ended the day before
    habilitation(valid_from=D(2026, 12, 5), valid_until=D(2026, 12, 20))  # not started
    habilitation(sylae=True)  # SYLAé, not APART
    habilitation(user=UserFactory(is_active=False))
    rappels_send(today=D(2026, 12, 1))
    assert emails() == []
    assert not Rappel.objects.exists()


# --- DI à déposer ---------------------------------------------------------------------------------------------------


@pytest.fixture
def employer():
    """An establishment (contact person contact@entreprise.example.fr) and its habilitated user, and a décision for
    January to 20 March 2026: the filing limit is 20 September 2026, the reminder from 5 September."""
    establishment = EstablishmentFactory(
        complete=True, contact_courriel="contact@entreprise.example.fr", denomination="BOULANGERIE DU CANAL"
    )
    user = UserFactory(courriel="gestionnaire@example.fr")
    habilitation(user=user, establishment=establishment, valid_until=D(2027, 6, 30))
    demande = make_demande(
        establishment, user, statut=StatutDap.ACCEPTEE, debut=D(2026, 1, 5), fin=D(2026, 3, 20), nb_salaries=5
    )
    return establishment, user, demande.decision


def test_the_di_reminder_lists_the_months_without_a_di_from_15_days_before_the_limit(employer):
    establishment, user, decision = employer
    make_sent_di(decision, user, mois=D(2026, 2, 1), heures_par_nir={make_nir(0): Decimal(10)})

    for day in (D(2026, 8, 1), D(2026, 9, 4)):
        rappels_send(today=day)
    assert emails() == []

    result = rappels_send(today=D(2026, 9, 5))
    assert result.by_kind[RappelKind.DI_A_DEPOSER] == 4  # 2 months × 2 addresses
    assert result.emails == 2
    sent = emails("rappel_di_a_deposer")
    assert [email.to for email in sent] == ["contact@entreprise.example.fr", "gestionnaire@example.fr"]
    body = sent[0].body_text
    assert "- janvier 2026\n- mars 2026\n" in body
    assert "février" not in body
    assert "Date limite de dépôt : 20/09/2026" in body
    assert f"Code DI : {decision.code_di}" in body
    assert f"/espace/di/nouvelle/?code_di={decision.code_di}&mois=2026-01" in body
    assert "avant le 20/09/2026" in sent[0].subject

    for day in (D(2026, 9, 5), D(2026, 9, 6), D(2026, 9, 20)):
        rappels_send(today=day)
    assert len(emails()) == 2
    assert set(Rappel.objects.values_list("subject_id", "subject_date")) == {
        (decision.pk, D(2026, 1, 1)),
        (decision.pk, D(2026, 3, 1)),
    }


def test_no_di_reminder_once_every_month_has_a_di_whatever_its_status(employer):
    establishment, user, decision = employer
    for month, statut in ((1, "provisoire"), (2, "envoyee"), (3, "validee")):
        make_sent_di(
            decision, user, mois=D(2026, month, 1), heures_par_nir={make_nir(month): Decimal(1)}, statut=statut
        )
    rappels_send(today=D(2026, 9, 10))
    assert emails() == []


def test_no_di_reminder_after_the_filing_limit(employer):
    rappels_send(today=D(2026, 9, 21))
    assert emails() == []


def test_no_di_reminder_while_the_period_is_running_or_its_months_are_not_over(employer):
    """15 days before a limit 6 months after the period, every month of it is over: before that, nothing."""
    establishment, user, _decision = employer
    make_demande(establishment, user, statut=StatutDap.ACCEPTEE, debut=D(2026, 9, 1), fin=D(2026, 12, 31))
    for day in (D(2026, 3, 20), D(2026, 4, 30), D(2026, 10, 15)):
        rappels_send(today=day)
    assert emails() == []


def test_the_di_reminder_goes_to_the_decision_in_force_of_a_family_with_an_avenant(employer):
    establishment, user, decision = employer
    avenant = make_demande(
        establishment,
        user,
        statut=StatutDap.ACCEPTEE,
        debut=D(2026, 1, 5),
        fin=D(2026, 3, 20),
        parent=decision.demande,
        numero=f"{decision.demande.numero}-A1",
    )
    make_sent_di(decision, user, mois=D(2026, 1, 1), heures_par_nir={make_nir(0): Decimal(10)})
    rappels_send(today=D(2026, 9, 10))
    assert set(Rappel.objects.values_list("subject_id", "subject_date")) == {
        (avenant.decision.pk, D(2026, 2, 1)),
        (avenant.decision.pk, D(2026, 3, 1)),
    }


# --- Preferences ----------------------------------------------------------------------------------------------------


def test_a_reminder_turned_off_is_neither_sent_nor_logged_and_comes_when_turned_on_again():
    user = UserFactory(remind_habilitation_end=False)
    habilitation(user=user)
    rappels_send(today=D(2026, 12, 1))
    assert emails() == []
    assert not Rappel.objects.exists()

    user.remind_habilitation_end = True
    user.save()
    rappels_send(today=D(2026, 12, 3))
    [email] = emails()
    assert "(dans 28 jours)" in email.body_text


def test_the_di_reminder_respects_the_preference_of_the_habilitated_users_and_of_the_contact_s_account(employer):
    establishment, user, _decision = employer
    user.remind_di_to_file = False
    user.save()
    rappels_send(today=D(2026, 9, 10))
    assert [email.to for email in emails()] == ["contact@entreprise.example.fr"]

    other = EstablishmentFactory(complete=True, contact_courriel="Expert@Cabinet.example.fr")
    UserFactory(courriel="expert@cabinet.example.fr", remind_di_to_file=False)  # the contact's own account
    make_demande(other, user, statut=StatutDap.ACCEPTEE, debut=D(2026, 1, 5), fin=D(2026, 3, 20))
    rappels_send(today=D(2026, 9, 11))
    assert [email.to for email in emails()] == ["contact@entreprise.example.fr"]


def test_an_address_that_is_both_contact_and_habilitated_gets_one_email(employer):
    establishment, user, _decision = employer
    establishment.contact_courriel = "GESTIONNAIRE@example.fr"
    establishment.save()
    rappels_send(today=D(2026, 9, 10))
    assert len(emails()) == 1
    assert Rappel.objects.count() == 3  # 3 months, one address


# --- Digest ---------------------------------------------------------------------------------------------------------


def _portfolio(user, count: int, **habilitation_fields) -> list:
    return [
        habilitation(user=user, valid_until=D(2027, 6, 30), **habilitation_fields).establishment for _ in range(count)
    ]


def test_a_user_with_more_than_10_establishments_gets_one_digest_with_each_event(employer):
    establishment, _user, decision = employer
    expert = UserFactory(courriel="expert@cabinet.example.fr")
    _portfolio(expert, 9)
    ending = habilitation(user=expert, valid_until=D(2026, 9, 30))  # the 11th establishment, 20 days left
    habilitation(user=expert, establishment=establishment, valid_until=D(2027, 6, 30))  # the décision's: the 12th

    with at(D(2026, 9, 10)):
        apply_deadlines()
        apply_deadlines()
    [digest] = emails(to="expert@cabinet.example.fr")
    assert digest.kind == "rappel_recapitulatif"
    assert digest.subject == "Activité partielle : vos rappels du 10/09/2026 (4)"
    body = digest.body_text
    assert "Demandes d'indemnisation à déposer (3)" in body
    for mois in ("de janvier 2026", "de février 2026", "de mars 2026"):
        assert f"la demande d'indemnisation {mois} (décision {decision.numero}) n'est pas déposée" in body
    assert "Habilitations prenant fin dans 30 jours ou moins (1)" in body
    assert f"{ending.establishment.denomination} (Siret {ending.establishment.siret}) prend fin le 30/09/2026" in body
    assert f"siret={ending.establishment.siret}" in body
    rows = Rappel.objects.filter(recipient="expert@cabinet.example.fr")
    assert rows.count() == 4
    assert set(rows.values_list("delivery", "email")) == {(RappelDelivery.RECAPITULATIF, digest.pk)}
    # The others still get their own e-mails.
    assert {email.to for email in emails("rappel_di_a_deposer")} == {
        "contact@entreprise.example.fr",
        "gestionnaire@example.fr",
    }

    with at(D(2026, 9, 23)):  # the 7-day reminder of the 11th: a digest of one event
        apply_deadlines()
    _first, second = emails(to="expert@cabinet.example.fr")
    assert second.kind == "rappel_recapitulatif"
    assert "Habilitations prenant fin dans 7 jours ou moins (1)" in second.body_text
    assert "de janvier 2026" not in second.body_text


def test_10_establishments_are_not_enough_for_a_digest():
    expert = UserFactory(courriel="expert@cabinet.example.fr")
    _portfolio(expert, 8)
    habilitation(user=expert, valid_until=D(2026, 12, 20))
    habilitation(user=expert, valid_until=D(2026, 12, 21))
    habilitation(user=expert, sylae=True)  # not an APART establishment
    rappels_send(today=D(2026, 12, 1))
    assert [email.kind for email in emails()] == ["rappel_habilitation", "rappel_habilitation"]


# --- The décision of an implicit acceptance, the command, the task ----------------------------------------------------


def test_the_decision_email_of_an_implicit_acceptance_says_so(employer, django_capture_on_commit_callbacks):
    establishment, user, _decision = employer
    make_demande(
        establishment,
        user,
        statut=StatutDap.ENVOYEE,
        debut=D(2026, 12, 2),
        fin=D(2026, 12, 15),
        numero="DAP-2026-000042",
    )
    from dap.models import DemandeAutorisation

    DemandeAutorisation.objects.filter(numero="DAP-2026-000042").update(implicit_acceptance_on=D(2026, 12, 16))
    out = io.StringIO()
    call_command("apply_deadlines", today="2026-12-17", stdout=out)
    assert "DAP-2026-000042 : acceptée implicitement" in out.getvalue()
    [email, *_] = emails("dap_decision")
    assert "acceptée implicitement" in email.subject
    assert (
        "L'unité départementale n'ayant pas statué dans le délai de 15 jours, la demande d'autorisation préalable "
        "DAP-2026-000042 est acceptée implicitement (article R5122-4 du Code du travail)." in email.body_text
    )


def test_the_command_runs_the_deadlines_and_the_reminders_of_the_date_given(employer):
    habilitation(user=UserFactory(), valid_until=D(2026, 9, 17))
    out = io.StringIO()
    call_command("apply_deadlines", today="2026-09-10", stdout=out)
    assert out.getvalue().splitlines() == [
        "0 demande(s) acceptée(s) implicitement au 10/09/2026.",
        "Rappels « Fin d'habilitation dans 30 jours » : 0",
        "Rappels « Fin d'habilitation dans 7 jours » : 1",
        "Rappels « Demande d'indemnisation à déposer » : 6",
        "Courriels de rappel : 3, dont 0 récapitulatif(s) quotidien(s)",
    ]
    out = io.StringIO()
    call_command("apply_deadlines", today="2026-09-10", stdout=out)
    assert "Rappels « Demande d'indemnisation à déposer » : 0" in out.getvalue()
    assert "Courriels de rappel : 0, dont 0 récapitulatif(s) quotidien(s)" in out.getvalue()
    assert len(emails()) == 3


def test_the_task_returns_its_counts():
    habilitation()
    with at(D(2026, 12, 1)):
        assert apply_deadlines() == {
            "acceptees": 0,
            "habilitation_j30": 1,
            "habilitation_j7": 0,
            "di_a_deposer": 0,
            "recapitulatifs": 0,
        }


def test_the_task_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["apply-deadlines"]
    assert entry["task"] == "indemnisation.tasks.apply_deadlines"
    assert entry["schedule"].hour == {0} and entry["schedule"].minute == {5}
    assert not any(entry["task"].startswith("dap.") for entry in settings.CELERY_BEAT_SCHEDULE.values())
