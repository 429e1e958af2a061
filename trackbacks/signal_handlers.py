"""Sending pings when a post is published or edited while published.

Connected in `TrackbacksConfig.ready()` (`connect()`), so `blog` never imports this app.
The task is queued after the transaction commits: publishing never waits
for the network (with a task worker), and a rolled-back save sends nothing.
A scheduled post's task is queued for its publish time when the queue can
defer work; otherwise the `send_pings` command (cron) picks it up.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django_tasks import default_task_backend

from blog.models import Post
from trackbacks import sending
from trackbacks.tasks import send_post_pings


def post_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or sending.pings_are_suppressed() or instance.status != instance.Status.PUBLISHED:
        return
    post_id = instance.pk
    if instance.published_at <= timezone.now():
        transaction.on_commit(lambda: send_post_pings.enqueue(post_id))
    elif default_task_backend.supports_defer:
        run_after = instance.published_at
        transaction.on_commit(lambda: send_post_pings.using(run_after=run_after).enqueue(post_id))


def connect() -> None:
    post_save.connect(post_saved, sender=Post, dispatch_uid="trackbacks_post_saved")
