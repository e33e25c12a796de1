from celery import shared_task

from .services import habilitation_batch_process, habilitation_batches_resume


@shared_task(name="habilitations.tasks.process_batch", ignore_result=True)
def process_batch(batch_id: int) -> int | None:
    """One « Demande d'habilitation en masse », fetched by id (its lines processed, then the summary e-mail)."""
    batch = habilitation_batch_process(batch_id=batch_id)
    return batch.processed if batch else None


@shared_task(name="habilitations.tasks.resume_batches", ignore_result=True)
def resume_batches() -> int:
    """The batches never queued (broker down) or left by a dead worker, queued again."""
    return len(habilitation_batches_resume())
