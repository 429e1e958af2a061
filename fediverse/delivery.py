"""Sending activities to other servers' inboxes, through the task queue.

`deliver()` records one `Delivery` per inbox (followers on one server share its
shared inbox: one request per server) and queues `tasks.deliver_one` for each
after the transaction commits, so the caller never waits on the network. Each
attempt POSTs the activity, signed with the blog's key (fediverse.signatures),
through the one SSRF-safe fetcher (trackbacks.fetcher). A failure that may
pass (no answer, 5xx, 408, 429) is tried again later, each wait twice the last,
up to KIJI_FEDIVERSE_DELIVERY_MAX_ATTEMPTS; when the queue cannot defer work,
`manage.py send_fediverse_due` (cron) picks retries up. A server that has been
failing for longer than KIJI_FEDIVERSE_SKIP_GONE_AFTER_SECONDS gets nothing
(its deliveries are `skipped`) but one probe a day, until it answers again:
any answer to a delivery, or an activity it sends us (`instance_answered()`),
clears it.
"""

from __future__ import annotations

from django.db import transaction

from fediverse.models import Delivery, Follower
from fediverse.sending import instance_answered, instance_host
from fediverse.tasks import deliver_one

__all__ = ["deliver", "followers_inboxes", "instance_answered", "instance_host"]


def followers_inboxes() -> list[str]:
    """Where to send to reach every accepted follower: each server's shared inbox once."""
    inboxes: dict[str, None] = {}
    for shared, own in Follower.objects.filter(status=Follower.Status.ACCEPTED).values_list(
        "shared_inbox", "inbox"
    ):
        inboxes[shared or own] = None
    return list(inboxes)


def deliver(activity: dict, inboxes: list[str]) -> list[Delivery]:
    """Record one delivery of `activity` per inbox and queue them once the transaction commits."""
    unique = list(dict.fromkeys(inbox for inbox in inboxes if inbox))
    deliveries = Delivery.objects.bulk_create(
        [Delivery(inbox=inbox, activity=activity) for inbox in unique]
    )
    pks = [delivery.pk for delivery in deliveries]

    def enqueue() -> None:
        for pk in pks:
            deliver_one.enqueue(pk)

    transaction.on_commit(enqueue)
    return deliveries
