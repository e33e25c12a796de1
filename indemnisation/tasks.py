from celery import shared_task

from .paiements import paiement_run


@shared_task(name="indemnisation.tasks.run_payments", ignore_result=True)
def run_payments() -> str | None:
    """The daily payment run (also the admin's « Lancer un paiement » and `manage.py run_payments`): the numero of
    the payment prepared, or None when there was nothing to pay."""
    paiement = paiement_run()
    return paiement.numero if paiement else None
