from celery import shared_task

from .paiements import paiement_run
from .rappels import deadlines_apply


@shared_task(name="indemnisation.tasks.run_payments", ignore_result=True)
def run_payments() -> str | None:
    """The daily payment run (also the admin's « Lancer un paiement » and `manage.py run_payments`): the numero of
    the payment prepared, or None when there was nothing to pay."""
    paiement = paiement_run()
    return paiement.numero if paiement else None


@shared_task(name="indemnisation.tasks.apply_deadlines", ignore_result=True)
def apply_deadlines() -> dict:
    """The daily deadlines (also `manage.py apply_deadlines`): the DAPs accepted implicitly, then the reminders
    (indemnisation.rappels). The numbers of each."""
    result = deadlines_apply()
    return {"acceptees": len(result.accepted), **result.rappels.by_kind, "recapitulatifs": result.rappels.digests}
