"""Background work of the fediverse app, on the django-tasks queue."""

from __future__ import annotations

from django_tasks import default_task_backend, task

from fediverse import sending


@task()
def deliver_one(delivery_pk: int) -> str:
    """Try one delivery; when a retry is due later and the queue can defer work, queue it then.

    Without deferred tasks, `manage.py send_fediverse_due` (cron) sends retries when due.
    """
    status, retry_at = sending.attempt(delivery_pk)
    if retry_at is not None and default_task_backend.supports_defer:
        deliver_one.using(run_after=retry_at).enqueue(delivery_pk)
    return status
