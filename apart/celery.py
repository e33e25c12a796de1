"""Celery application: configured from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apart.settings")

app = Celery("apart")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _in_process_without_broker(sender, **kwargs):
    """No CELERY_BROKER_URL: tasks run in the web process (eager), and the producer Celery still opens for them
    is an in-memory one (not a connection to a default AMQP server on localhost)."""
    if not sender.conf.broker_url:
        sender.conf.broker_url = "memory://localhost/"
