"""Sending pings when a post is published or edited while published.

Connected in `TrackbacksConfig.ready()`, so `blog` never imports this app.
The task is queued after the transaction commits: publishing never waits
for the network (with a task worker), and a rolled-back save sends nothing.
A scheduled post's task is queued for its publish time when the queue can
defer work; otherwise the `send_pings` command (cron) picks it up.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone


def post_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    from django_tasks import default_task_backend

    from trackbacks import sending
    from trackbacks.tasks import send_post_pings

    if raw or sending.pings_are_suppressed() or instance.status != instance.Status.PUBLISHED:
        return
    post_id = instance.pk
    if instance.published_at <= timezone.now():
        transaction.on_commit(lambda: send_post_pings.enqueue(post_id))
    elif default_task_backend.supports_defer:
        run_after = instance.published_at
        transaction.on_commit(lambda: send_post_pings.using(run_after=run_after).enqueue(post_id))
