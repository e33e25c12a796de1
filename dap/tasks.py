from celery import shared_task

from .services import demandes_apply_deadlines


@shared_task(name="dap.tasks.apply_deadlines", ignore_result=True)
def apply_deadlines() -> int:
    """The daily implicit acceptances (also `manage.py apply_deadlines`)."""
    return len(demandes_apply_deadlines())
