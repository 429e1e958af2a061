"""Sending pings when a post is published or edited while published.

Connected in `TrackbacksConfig.ready()`, so `blog` never imports this app.
The task is queued after the transaction commits: publishing never waits
for the network, and a rolled-back save sends nothing.
"""

from __future__ import annotations

from django.db import transaction


def post_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    from trackbacks import sending
    from trackbacks.tasks import send_post_pings

    if raw or sending.pings_are_suppressed() or instance.status != instance.Status.PUBLISHED:
        return
    post_id = instance.pk
    transaction.on_commit(lambda: send_post_pings.enqueue(post_id))
