from celery import shared_task

from .services import outbox_email_send, outbox_send_pending


@shared_task(name="apart.outbox.tasks.send_outbox_email", ignore_result=True)
def send_outbox_email(email_id: int) -> bool:
    return outbox_email_send(email_id=email_id)


@shared_task(name="apart.outbox.tasks.send_pending_emails", ignore_result=True)
def send_pending_emails() -> int:
    sent, _failed = outbox_send_pending(due_only=True)
    return sent
