from celery import shared_task

from .housekeeping import purge_expired as housekeeping_purge_expired


@shared_task(name="accounts.tasks.purge_expired", ignore_result=True)
def purge_expired() -> dict:
    return housekeeping_purge_expired()
