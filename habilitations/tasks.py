from celery import shared_task
from django.conf import settings

from .services import (
    habilitation_batch_process,
    habilitation_batch_process_lines,
    habilitation_batch_start,
    habilitation_batches_resume,
)


@shared_task(name="habilitations.tasks.process_batch", ignore_result=True)
def process_batch(batch_id: int) -> int:
    """One « Demande d'habilitation en masse », fetched by id. With a broker, its lines go by chunks of 50 to
    `process_batch_chunk` tasks, which as many workers as there are run at once (each line costs an Argon2 hash,
    that of its activation letter's code); without one (in-process), chunk after chunk here."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.HABILITATION_BATCH_FAN_OUT:
        batch = habilitation_batch_process(batch_id=batch_id)
        return batch.processed if batch else 0
    chunks = habilitation_batch_start(batch_id=batch_id)
    for line_ids in chunks:
        process_batch_chunk.delay(batch_id, line_ids)
    return len(chunks)


@shared_task(name="habilitations.tasks.process_batch_chunk", ignore_result=True)
def process_batch_chunk(batch_id: int, line_ids: list[int]) -> int:
    batch = habilitation_batch_process_lines(batch_id=batch_id, line_ids=line_ids)
    return batch.processed if batch else 0


@shared_task(name="habilitations.tasks.resume_batches", ignore_result=True)
def resume_batches() -> int:
    """The batches never queued (broker down) or left by a dead worker, queued again."""
    return len(habilitation_batches_resume())
