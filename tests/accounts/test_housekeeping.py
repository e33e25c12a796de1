"""Housekeeping (issue 10, item 18): `python manage.py purge_expired` and the hourly Celery beat task."""

import datetime
import itertools
import logging
import zoneinfo
from io import StringIO

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command

from accounts import housekeeping, tasks
from accounts.models import PasswordResetToken
from apart.celery import app
from apart.outbox.models import OutboxEmail, OutboxStatus
from tests.factories import OutboxEmailFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
_hashes = itertools.count()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _ago(**delta) -> datetime.datetime:
    return NOW - datetime.timedelta(**delta)


def _token(user=None, *, expires_at, used_at=None, voided_at=None, voided_reason=""):
    return PasswordResetToken.objects.create(
        user=user or UserFactory(),
        token_hash=f"{next(_hashes):064x}",
        expires_at=expires_at,
        used_at=used_at,
        voided_at=voided_at,
        voided_reason=voided_reason,
    )


def _exists(row) -> bool:
    return type(row).objects.filter(pk=row.pk).exists()


def test_a_reset_token_past_its_lifetime_is_marked_expired():
    user = UserFactory()
    expired = _token(user, expires_at=_ago(minutes=1))
    live = _token(user, expires_at=NOW + datetime.timedelta(minutes=59))
    used = _token(user, expires_at=_ago(minutes=1), used_at=_ago(minutes=30))

    counts = housekeeping.purge_expired()

    expired.refresh_from_db()
    assert (expired.voided_at, expired.voided_reason) == (expired.expires_at, "expired")
    live.refresh_from_db()
    assert (live.voided_at, live.voided_reason) == (None, "")
    used.refresh_from_db()  # a used token keeps saying it was used
    assert (used.voided_at, used.voided_reason) == (None, "")
    assert counts["tokens_expired"] == 1
    assert counts["tokens_deleted"] == 0


def test_tokens_dead_for_more_than_7_days_are_deleted():
    user = UserFactory()
    old_unmarked = _token(user, expires_at=_ago(days=7, minutes=1))
    old_used = _token(user, expires_at=_ago(days=7, minutes=1), used_at=_ago(days=7, minutes=30))
    old_voided = _token(
        user, expires_at=_ago(days=6), voided_at=_ago(days=7, minutes=1), voided_reason="password_changed"
    )
    recent_expired = _token(user, expires_at=_ago(days=6, hours=23))
    recent_used = _token(user, expires_at=_ago(days=6), used_at=_ago(days=6, minutes=30))
    recent_voided = _token(user, expires_at=NOW, voided_at=_ago(days=6), voided_reason="superseded")

    counts = housekeeping.purge_expired()

    assert [_exists(row) for row in (old_unmarked, old_used, old_voided)] == [False, False, False]
    assert [_exists(row) for row in (recent_expired, recent_used, recent_voided)] == [True, True, True]
    assert counts["tokens_deleted"] == 3
    assert counts["tokens_expired"] == 2  # old_unmarked (then deleted) and recent_expired


def test_expired_captchas_are_deleted():
    expired = CaptchaStore.objects.create(challenge="ABCDEF", response="abcdef", expiration=_ago(seconds=1))
    fresh = CaptchaStore.objects.create(challenge="GHIJKL", response="ghijkl")  # CAPTCHA_TIMEOUT from now

    counts = housekeeping.purge_expired()

    assert not _exists(expired)
    assert _exists(fresh)
    assert counts["captchas"] == 1


def test_expired_sessions_are_deleted():
    assert django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    keys = []
    for expire_date in (_ago(seconds=1), NOW + datetime.timedelta(minutes=10)):
        store = SessionStore()
        store["_auth_user_id"] = "1"
        store.create()
        Session.objects.filter(session_key=store.session_key).update(expire_date=expire_date)
        keys.append(store.session_key)

    counts = housekeeping.purge_expired()

    assert list(Session.objects.values_list("session_key", flat=True)) == [keys[1]]
    assert counts["sessions"] == 1


def test_sessions_outside_the_database_are_left_to_their_engine(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"

    assert housekeeping.purge_expired()["sessions"] is None


def test_outbox_rows_past_retention_are_deleted_but_never_pending_ones(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old = {"created_at": _ago(days=31)}
    sent_old = OutboxEmailFactory(sent=True, sent_at=_ago(days=30, minutes=1), **old)
    sent_recent = OutboxEmailFactory(sent=True, sent_at=_ago(days=29), **old)  # waited long, sent lately
    failed_old = OutboxEmailFactory(failed=True, **old)
    failed_recent = OutboxEmailFactory(failed=True, created_at=_ago(days=29))
    pending_old = OutboxEmailFactory(created_at=_ago(days=400))

    counts = housekeeping.purge_expired()

    assert not _exists(sent_old)
    assert not _exists(failed_old)
    assert _exists(sent_recent)
    assert _exists(failed_recent)
    pending_old.refresh_from_db()
    assert pending_old.status == OutboxStatus.PENDING
    assert counts["outbox"] == 2


def test_outbox_retention_defaults_to_90_days():
    assert django_settings.OUTBOX_RETENTION_DAYS == 90
    kept = OutboxEmailFactory(sent=True, sent_at=_ago(days=89))
    gone = OutboxEmailFactory(sent=True, sent_at=_ago(days=91))

    housekeeping.purge_expired()

    assert list(OutboxEmail.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not _exists(gone)


def _some_of_everything():
    _token(expires_at=_ago(days=8))
    _token(expires_at=_ago(minutes=5))
    CaptchaStore.objects.create(challenge="ABCDEF", response="abcdef", expiration=_ago(minutes=1))
    store = SessionStore()
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=_ago(minutes=1))
    OutboxEmailFactory(sent=True, sent_at=_ago(days=100))


EVERYTHING = {"tokens_expired": 2, "tokens_deleted": 1, "captchas": 1, "sessions": 1, "outbox": 1}
NOTHING = dict.fromkeys(EVERYTHING, 0)


def test_the_command_is_idempotent_and_logs_one_line_per_run(caplog):
    _some_of_everything()
    first, second = StringIO(), StringIO()

    with caplog.at_level(logging.INFO, logger="accounts.housekeeping"):
        call_command("purge_expired", stdout=first)
        call_command("purge_expired", stdout=second)

    assert first.getvalue() == (
        "2 jeton(s) marqué(s) expiré(s), 1 jeton(s) supprimé(s), 1 captcha(s), sessions supprimées : 1, "
        "1 courriel(s) supprimé(s).\n"
    )
    assert second.getvalue().startswith("0 jeton(s) marqué(s) expiré(s), 0 jeton(s) supprimé(s), 0 captcha(s)")
    assert [record.getMessage() for record in caplog.records if record.name == "accounts.housekeeping"] == [
        "purge_expired : jetons marqués expirés=2, jetons supprimés=1, captchas supprimés=1, "
        "sessions supprimées=1, courriels supprimés=1",
        "purge_expired : jetons marqués expirés=0, jetons supprimés=0, captchas supprimés=0, "
        "sessions supprimées=0, courriels supprimés=0",
    ]
    assert PasswordResetToken.objects.get().voided_reason == "expired"


def test_the_celery_task_runs_the_same_purge():
    _some_of_everything()

    assert tasks.purge_expired.apply().get() == EVERYTHING
    assert tasks.purge_expired.apply().get() == NOTHING
    assert not CaptchaStore.objects.exists()
    assert not Session.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_celery_beat_runs_the_purge_every_hour():
    entries = [
        entry for entry in django_settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == tasks.purge_expired.name
    ]

    assert len(entries) == 1
    assert entries[0]["schedule"] <= datetime.timedelta(hours=1)
    assert tasks.purge_expired.name in app.tasks  # the worker knows it (autodiscovered)
