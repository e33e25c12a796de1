from celery import shared_task

from .housekeeping import purge_expired as housekeeping_purge_expired
from .two_factor import two_factor_grace_reminders_send


@shared_task(name="accounts.tasks.purge_expired", ignore_result=True)
def purge_expired() -> dict:
    return housekeeping_purge_expired()


@shared_task(name="accounts.tasks.two_factor_grace_reminders", ignore_result=True)
def two_factor_grace_reminders() -> int:
    """The reminder 2 days before the end of the double authentification's grace period (once per account)."""
    return two_factor_grace_reminders_send()
